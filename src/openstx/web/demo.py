"""Realistic, deterministic Vietnamese demo data with a Mekong Delta flavour.

``generate(scale, seed)`` loads the code lists, then organisations and experts (this module),
then asks each domain app that has a ``demo.generate`` for its own records. Bulk inserts keep
``--scale city`` (73 organisations, 7,455 experts, thousands of listings) to well under a minute.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from openstx.core import derived
from openstx.core.text import slugify_vi

SCALES: dict[str, dict[str, int]] = {
    "small": {"organizations": 12, "experts": 60},
    "city": {"organizations": 73, "experts": 7455},
}

# Apps contribute demo records from their own ``<app>/demo.py`` (found by
# ``core.registries.app_modules("demo")``, in INSTALLED_APPS order, which is dependency order):
# ``generate(scale: str, seed: int, organizations: list, experts: list, log) -> dict[str, int]``.


FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trương",
    "Đinh",
    "Lâm",
    "Châu",
    "Thạch",
    "Quách",
    "Tăng",
]
MIDDLE_M = ["Văn", "Minh", "Quốc", "Thanh", "Hữu", "Công", "Đức", "Hoàng", "Ngọc", "Trung"]
MIDDLE_F = ["Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thu", "Bích", "Hồng", "Phương", "Diễm"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khánh",
    "Long",
    "Lộc",
    "Nam",
    "Nghĩa",
    "Phúc",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Toàn",
    "Trí",
    "Tuấn",
    "Vinh",
]
GIVEN_F = [
    "Anh",
    "Châu",
    "Diệp",
    "Duyên",
    "Giang",
    "Hà",
    "Hạnh",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Thảo",
    "Trang",
    "Tuyết",
    "Uyên",
    "Vân",
    "Yến",
]

# (name, short name, type, province name, field codes, description)
ORGANIZATIONS: list[tuple[str, str, str, str, list[str], str]] = [
    (
        "Trường Đại học Cần Thơ",
        "CTU",
        "university",
        "Cần Thơ",
        ["106", "401", "405", "211"],
        "Trường đại học đa ngành trọng điểm vùng Đồng bằng sông Cửu Long.",
    ),
    (
        "Viện Lúa Đồng bằng sông Cửu Long",
        "CLRRI",
        "research_institute",
        "Cần Thơ",
        ["401", "404", "40106"],
        "Nghiên cứu, chọn tạo giống lúa và chuyển giao kỹ thuật canh tác.",
    ),
    (
        "Viện Cây ăn quả miền Nam",
        "SOFRI",
        "research_institute",
        "Tiền Giang",
        ["401", "40106"],
        "Nghiên cứu giống cây ăn quả, bảo quản sau thu hoạch và chế biến trái cây.",
    ),
    (
        "Viện Nghiên cứu Nuôi trồng thủy sản II",
        "RIA2",
        "research_institute",
        "Hồ Chí Minh",
        ["405"],
        "Nghiên cứu giống, dinh dưỡng và bệnh thủy sản nước ngọt và nước lợ.",
    ),
    (
        "Trung tâm Ứng dụng tiến bộ khoa học và công nghệ Cần Thơ",
        "CAST",
        "public_st_unit",
        "Cần Thơ",
        ["106", "209"],
        "Ứng dụng và chuyển giao tiến bộ khoa học và công nghệ.",
    ),
    (
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Cần Thơ",
        "QUATEST CT",
        "public_st_unit",
        "Cần Thơ",
        ["211", "204"],
        "Thử nghiệm, kiểm định, hiệu chuẩn phương tiện đo và phân tích chất lượng sản phẩm.",
    ),
    (
        "Công ty Cổ phần Thủy sản Bình An",
        "Bianfishco",
        "enterprise",
        "Cần Thơ",
        ["405", "211"],
        "Nuôi và chế biến cá tra xuất khẩu.",
    ),
    (
        "Công ty TNHH Chế biến Nông sản Hậu Giang",
        "HGFood",
        "enterprise",
        "Cần Thơ",
        ["211"],
        "Chế biến rau quả sấy, nước ép trái cây và khóm đóng hộp.",
    ),
    (
        "Công ty TNHH Bao bì Mê Kông",
        "Mekopack",
        "enterprise",
        "Cần Thơ",
        ["205", "204"],
        "Sản xuất bao bì nhựa, bao bì giấy cho thực phẩm.",
    ),
    (
        "Công ty Cổ phần Công nghệ Sinh học Tây Đô",
        "TDBiotech",
        "st_enterprise",
        "Cần Thơ",
        ["209", "106"],
        "Sản xuất chế phẩm vi sinh cho nông nghiệp và thủy sản.",
    ),
    (
        "Hợp tác xã Nông nghiệp Mỹ Khánh",
        "HTX Mỹ Khánh",
        "enterprise",
        "Cần Thơ",
        ["401"],
        "Trồng và tiêu thụ bưởi da xanh, sầu riêng theo tiêu chuẩn VietGAP.",
    ),
    (
        "Trung tâm Hỗ trợ khởi nghiệp đổi mới sáng tạo Cần Thơ",
        "CTSI",
        "intermediary",
        "Cần Thơ",
        ["502"],
        "Ươm tạo doanh nghiệp khởi nghiệp và môi giới chuyển giao công nghệ.",
    ),
    (
        "Trường Đại học Nam Cần Thơ",
        "DNC",
        "university",
        "Cần Thơ",
        ["211", "202"],
        "Đào tạo đa ngành, thế mạnh công nghệ thực phẩm và kỹ thuật.",
    ),
    (
        "Trường Đại học Y Dược Cần Thơ",
        "CTUMP",
        "university",
        "Cần Thơ",
        ["3"],
        "Đào tạo và nghiên cứu y, dược.",
    ),
    (
        "Bệnh viện Đa khoa Trung ương Cần Thơ",
        "BVĐKTƯ CT",
        "hospital",
        "Cần Thơ",
        ["3"],
        "Bệnh viện tuyến cuối khu vực Đồng bằng sông Cửu Long.",
    ),
    (
        "Trường Đại học An Giang",
        "AGU",
        "university",
        "An Giang",
        ["401", "211"],
        "Trường đại học thành viên Đại học Quốc gia TP. Hồ Chí Minh.",
    ),
    (
        "Trường Đại học Trà Vinh",
        "TVU",
        "university",
        "Vĩnh Long",
        ["405", "3"],
        "Đào tạo đa ngành, nghiên cứu thủy sản và y dược.",
    ),
    (
        "Công ty Cổ phần Gạo sạch Đồng Tháp",
        "DT Rice",
        "enterprise",
        "Đồng Tháp",
        ["401", "211"],
        "Sản xuất và xuất khẩu gạo thơm, gạo hữu cơ.",
    ),
    (
        "Công ty TNHH Năng lượng xanh Sóc Trăng",
        "GreenST",
        "st_enterprise",
        "Cần Thơ",
        ["207", "202"],
        "Điện mặt trời áp mái và biogas từ phụ phẩm nông nghiệp.",
    ),
    (
        "Sở Khoa học và Công nghệ",
        "Sở KH&CN",
        "state_agency",
        "Cần Thơ",
        ["5"],
        "Cơ quan quản lý nhà nước về khoa học và công nghệ của tỉnh.",
    ),
]
ORG_PREFIXES = [
    ("Công ty TNHH Thực phẩm {}", "enterprise", ["211"]),
    ("Công ty Cổ phần Thủy sản {}", "enterprise", ["405"]),
    ("Hợp tác xã Nông nghiệp {}", "enterprise", ["401"]),
    ("Công ty TNHH Cơ khí {}", "enterprise", ["203"]),
    ("Công ty Cổ phần Công nghệ {}", "st_enterprise", ["209", "202"]),
    ("Công ty TNHH Bao bì {}", "enterprise", ["205"]),
    ("Trung tâm Khuyến nông {}", "public_st_unit", ["401"]),
    ("Công ty khởi nghiệp {} Tech", "startup", ["102", "202"]),
]
PLACES = [
    "Ninh Kiều",
    "Cái Răng",
    "Bình Thủy",
    "Ô Môn",
    "Thốt Nốt",
    "Phong Điền",
    "Cờ Đỏ",
    "Vĩnh Thạnh",
    "Long Xuyên",
    "Châu Đốc",
    "Sa Đéc",
    "Cao Lãnh",
    "Vị Thanh",
    "Ngã Bảy",
    "Cà Mau",
    "Bạc Liêu",
    "Mỹ Tho",
    "Bến Tre",
    "Trà Vinh",
    "Sóc Trăng",
    "Rạch Giá",
]
KEYWORDS = {
    "401": [
        "canh tác lúa",
        "giống lúa chịu mặn",
        "phân bón hữu cơ",
        "cây ăn quả",
        "bưởi da xanh",
        "sầu riêng",
        "xoài cát Hòa Lộc",
        "khóm",
        "nông nghiệp tuần hoàn",
    ],
    "405": [
        "cá tra",
        "tôm thẻ chân trắng",
        "tôm càng xanh",
        "bệnh thủy sản",
        "thức ăn thủy sản",
        "nuôi trồng thủy sản",
        "xử lý nước ao nuôi",
        "men vi sinh thủy sản",
    ],
    "211": [
        "bảo quản sau thu hoạch",
        "chế biến trái cây",
        "sấy lạnh",
        "nước ép",
        "an toàn thực phẩm",
        "bao màng ăn được",
        "HACCP",
        "chế biến cá tra",
    ],
    "106": ["vi sinh vật", "công nghệ sinh học", "chế phẩm sinh học", "enzyme", "di truyền"],
    "209": ["lên men", "chế phẩm vi sinh", "xử lý phụ phẩm", "phân hữu cơ vi sinh"],
    "207": ["xử lý nước thải", "biogas", "môi trường", "xâm nhập mặn", "biến đổi khí hậu"],
    "202": ["IoT", "cảm biến", "tự động hóa", "năng lượng mặt trời", "điều khiển"],
    "203": ["máy sấy", "cơ giới hóa", "máy gặt đập", "thiết bị chế biến"],
    "205": ["bao bì sinh học", "vật liệu composite", "nhựa phân hủy sinh học"],
    "102": ["trí tuệ nhân tạo", "dữ liệu lớn", "phần mềm quản lý", "chuyển đổi số"],
    "3": ["y học cổ truyền", "dược liệu", "vi sinh lâm sàng", "dịch tễ học"],
    "5": ["kinh tế nông nghiệp", "chính sách khoa học", "quản lý công nghệ"],
}


def generate(
    scale: str = "small", seed: int = 2016, log: Callable[[str], Any] = print
) -> dict[str, int]:
    """Load code lists and demo records for every app that is installed. Idempotent: demo
    records carry ``demo-`` external ids and are created only once."""
    from openstx.directory.models import Organization
    from openstx.taxonomy import services as taxonomy

    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    counts: dict[str, int] = {}
    taxonomy.load_all()
    if Organization.objects.filter(external_id__startswith="demo-").exists():
        log("Demo data already loaded; nothing to do.")
        _log_accounts(ensure_demo_accounts(), log)
        return counts
    rng = random.Random(seed)
    with transaction.atomic():
        organizations = _organizations(rng, SCALES[scale]["organizations"])
        experts = _experts(rng, SCALES[scale]["experts"], organizations)
    counts["organizations"] = len(organizations)
    counts["experts"] = len(experts)
    log(f"Organisations: {len(organizations)}, experts: {len(experts)}")
    from openstx.core.registries import app_modules

    for module in app_modules("demo", exclude=(__package__ or "openstx.web",)):
        with transaction.atomic():
            added = module.generate(
                scale=scale, seed=seed, organizations=organizations, experts=experts, log=log
            )
        counts.update(added or {})
    _refresh_search(log)
    _log_accounts(ensure_demo_accounts(), log)
    return counts


# --- Demo accounts, one per role -------------------------------------------------------------

#: The password of every demo account (documented in README "Demo accounts"). Demo data only:
#: the administrator's password is random and printed once (``accounts.services.ensure_admin``).
DEMO_PASSWORD = "demo-openstx-2026"
DEMO_EMAIL_DOMAIN = "demo.openstx.example"


@dataclass
class DemoAccount:
    role: str
    username: str
    email: str
    attached_to: str


def _demo_user(username: str, full_name: str, role: str, account_type: str = "") -> Any:
    from openstx.accounts.models import User

    user = User.objects.filter(username=username).first() or User(username=username)
    user.email = f"{username.removeprefix('demo-')}@{DEMO_EMAIL_DOMAIN}"
    user.full_name = full_name
    user.role = role
    user.account_type = account_type or User.AccountType.INDIVIDUAL
    user.is_active = True
    user.email_verified = True
    user.is_staff = role == "officer"
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _join(user: Any, organization: Any) -> None:
    from django.utils import timezone

    from openstx.accounts.models import Membership

    Membership.objects.update_or_create(
        user=user,
        organization=organization,
        defaults={
            "role": Membership.Role.ADMIN,
            "status": Membership.Status.APPROVED,
            "decided_at": timezone.now(),
        },
    )


def _busiest(organizations: Any, relation: str) -> Any:
    from django.db.models import Count

    return (
        organizations.annotate(n=Count(relation)).filter(n__gt=0).order_by("-n", "pk").first()
        or organizations.order_by("pk").first()
    )


@transaction.atomic
def ensure_demo_accounts() -> list[DemoAccount]:
    """One account per role, each attached to demo records so every journey can be tried at
    once: a business (administrator of the enterprise with most demands), a researcher (an
    expert profile at the institute or university with most offers, and its administrator), a
    broker and a department officer. Idempotent; the password is :data:`DEMO_PASSWORD`."""
    from openstx.accounts.models import User
    from openstx.directory.models import Expert, Organization

    demo_orgs = Organization.objects.filter(external_id__startswith="demo-")
    accounts: list[DemoAccount] = []

    business = _demo_user(
        "demo-business", "Doanh nghiệp Demo", User.Role.MEMBER, User.AccountType.BUSINESS
    )
    enterprise = _busiest(
        demo_orgs.filter(
            type__in=[
                Organization.Type.ENTERPRISE,
                Organization.Type.ST_ENTERPRISE,
                Organization.Type.STARTUP,
            ]
        ),
        "demands",
    ) or _busiest(demo_orgs, "demands")
    if enterprise is not None:
        _join(business, enterprise)
    accounts.append(DemoAccount("business", business.username, business.email, _name(enterprise)))

    researcher = _demo_user(
        "demo-researcher", "Nhà khoa học Demo", User.Role.MEMBER, User.AccountType.RESEARCH
    )
    institute = _busiest(
        demo_orgs.filter(
            type__in=[
                Organization.Type.RESEARCH_INSTITUTE,
                Organization.Type.UNIVERSITY,
                Organization.Type.PUBLIC_ST_UNIT,
            ]
        ),
        "offers",
    ) or _busiest(demo_orgs, "offers")
    expert = None
    if institute is not None:
        _join(researcher, institute)
        expert = Expert.objects.filter(user=researcher).first() or (
            Expert.objects.filter(organization=institute, user__isnull=True).order_by("pk").first()
        )
        if expert is not None and expert.user_id != researcher.pk:
            expert.user = researcher
            expert.save(update_fields=["user"])
    attached = _name(institute)
    if expert is not None:
        attached = f"{attached}; expert profile: {expert.full_name}"
    accounts.append(DemoAccount("researcher", researcher.username, researcher.email, attached))

    broker = _demo_user("demo-broker", "Môi giới Demo", User.Role.BROKER)
    intermediary = demo_orgs.filter(type=Organization.Type.INTERMEDIARY).order_by("pk").first()
    if intermediary is not None:
        _join(broker, intermediary)
    accounts.append(
        DemoAccount(
            "broker",
            broker.username,
            broker.email,
            _name(intermediary) if intermediary else "all published offers and demands",
        )
    )

    officer = _demo_user("demo-officer", "Cán bộ Sở Demo", User.Role.OFFICER)
    accounts.append(
        DemoAccount("officer", officer.username, officer.email, "moderation, verification, reports")
    )
    return accounts


def _name(organization: Any) -> str:
    return organization.name if organization is not None else "-"


def _log_accounts(accounts: list[DemoAccount], log: Callable[[str], Any]) -> None:
    log(f"Demo accounts (password for all: {DEMO_PASSWORD}; demo data only):")
    for account in accounts:
        log(
            f"  {account.role:<10} {account.username:<16} {account.email:<36} {account.attached_to}"
        )


def _refresh_search(log: Callable[[str], Any]) -> None:
    """Make what was just written searchable before returning (docs/architecture.md: what a command wrote is searchable when it returns). Demo loaders use
    bulk inserts, which bypass the outbox signals, so the index is rebuilt from the database."""
    from openstx.core.progress import Progress
    from openstx.search import writer

    log("Building the search index…")
    with Progress(desc="Search index", unit="rec") as progress:
        result = writer.rebuild(progress=progress)
    writer.apply_pending()
    log(f"Search index: {result['documents']} documents")


def _fields_by_code() -> dict[str, Any]:
    from openstx.taxonomy.models import FieldOfScience

    return {f.code: f for f in FieldOfScience.objects.all()}


def _provinces() -> dict[str, Any]:
    from openstx.core.text import fold
    from openstx.taxonomy.models import AdministrativeUnit

    units = AdministrativeUnit.objects.filter(
        level=AdministrativeUnit.Level.PROVINCE, is_current=True
    )
    return {fold(u.name): u for u in units}


def _province(provinces: dict[str, Any], name: str) -> Any:
    from openstx.core.text import fold

    key = fold(name)
    for folded, unit in provinces.items():
        if folded.endswith(key):
            return unit
    return None


def _organizations(rng: random.Random, n: int) -> list[Any]:
    from openstx.directory.models import Organization

    fields = _fields_by_code()
    provinces = _provinces()
    specs = list(ORGANIZATIONS)
    i = 0
    while len(specs) < n:
        pattern, type_, codes = ORG_PREFIXES[i % len(ORG_PREFIXES)]
        place = PLACES[(i * 7 + 3) % len(PLACES)]
        name = pattern.format(place)
        if i >= len(PLACES):
            name = f"{name} {i // len(PLACES) + 1}"
        specs.append((name, "", type_, "Cần Thơ", codes, f"Đơn vị hoạt động tại {place}."))
        i += 1
    orgs = []
    for k, (name, short, type_, province, _codes, description) in enumerate(specs[:n], start=1):
        orgs.append(
            Organization(
                external_id=f"demo-org-{k:04d}",
                name=name,
                short_name=short,
                type=type_,
                slug=slugify_vi(short or name, 100),
                tax_code=f"{1800000000 + k * 7919:010d}"
                if type_ in {"enterprise", "st_enterprise", "startup"}
                else "",
                address=f"{rng.randint(1, 300)} đường 30 Tháng 4, {PLACES[k % len(PLACES)]}",
                admin_unit=_province(provinces, province),
                description=description,
                verified=rng.random() < 0.7,
            )
        )
    derived.bulk_create(Organization, orgs, batch_size=500)  # search_folded, outbox
    orgs = list(
        Organization.objects.filter(external_id__startswith="demo-org-").order_by("external_id")
    )
    through = Organization.fields.through
    links = []
    for org, spec in zip(orgs, specs[:n], strict=True):
        links += [
            through(organization_id=org.pk, fieldofscience_id=fields[c].pk)
            for c in spec[4]
            if c in fields
        ]
    through.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
    return orgs


def _person_name(rng: random.Random, female: bool, used: set[str]) -> str:
    """A Vietnamese full name not given yet (so the directory shows no twin cards); once the
    family × middle × given combinations run out, a second middle name tells people apart."""
    middle, given = (MIDDLE_F, GIVEN_F) if female else (MIDDLE_M, GIVEN_M)
    for _attempt in range(50):
        name = f"{rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}"
        if name not in used:
            used.add(name)
            return name
    while True:
        family, rest = rng.choice(FAMILY), f"{rng.choice(middle)} {rng.choice(given)}"
        name = f"{family} {rng.choice(middle)} {rest}"
        if name not in used and len(set(name.split())) == len(name.split()):
            used.add(name)
            return name


def _experts(rng: random.Random, n: int, organizations: list[Any]) -> list[Any]:
    from openstx.directory.models import Expert

    fields = _fields_by_code()
    org_codes = {o.pk: [f.code for f in o.fields.all()] or ["401"] for o in organizations}
    research_orgs = [
        o
        for o in organizations
        if o.type
        in {"university", "research_institute", "public_st_unit", "st_enterprise", "hospital"}
    ]
    research_orgs = research_orgs or organizations
    experts, chosen_codes = [], []
    used: set[str] = set()
    for k in range(1, n + 1):
        female = rng.random() < 0.45
        name = _person_name(rng, female, used)
        org = rng.choice(research_orgs) if rng.random() < 0.85 else rng.choice(organizations)
        codes = org_codes[org.pk]
        code = rng.choice(codes)
        kw_pool = KEYWORDS.get(code) or KEYWORDS.get(code[:1]) or KEYWORDS["401"]
        keywords = rng.sample(kw_pool, k=min(len(kw_pool), rng.randint(2, 4)))
        r = rng.random()
        degree = "TS" if r < 0.45 else "ThS" if r < 0.85 else "KS" if r < 0.93 else "CN"
        title = ""
        if degree == "TS":
            t = rng.random()
            title = "GS" if t < 0.05 else "PGS" if t < 0.25 else ""
        experts.append(
            Expert(
                external_id=f"demo-exp-{k:05d}",
                full_name=name,
                slug=slugify_vi(name, 100),
                academic_title=title,
                degree=degree,
                organization=org,
                position=rng.choice(
                    ["Giảng viên", "Nghiên cứu viên", "Trưởng phòng", "Kỹ sư", "Phó Viện trưởng"]
                ),
                keywords=", ".join(keywords),
                biography=f"Nghiên cứu về {', '.join(keywords)} tại {org.name}.",
                email=f"{slugify_vi(name).replace('-', '.')}.{k}@example.vn",
                open_to_consulting=rng.random() < 0.4,
            )
        )
        chosen_codes.append(code)
    derived.bulk_create(Expert, experts, batch_size=1000)  # search_folded, outbox
    experts = list(
        Expert.objects.filter(external_id__startswith="demo-exp-").order_by("external_id")
    )
    through = Expert.fields.through
    links = [
        through(expert_id=e.pk, fieldofscience_id=fields[c].pk)
        for e, c in zip(experts, chosen_codes, strict=True)
        if c in fields
    ]
    through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    return experts
