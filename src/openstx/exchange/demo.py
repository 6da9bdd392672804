"""Realistic, deterministic demo data for the exchange (Mekong Delta flavour).

Called by ``openstx demo`` (``openstx.web.demo``) after organisations and experts exist:
``generate(scale, seed, organizations, experts, log)``. Offers and demands at every life-cycle
stage, connections at every stage with messages, meetings and deals, Techmart-style events.
Bulk inserts: ``--scale city`` (2,400 offers, 720 demands) takes a few seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

from django.utils import timezone

from openstx.core.text import slugify_vi

SCALES = {
    "small": {"offers": 48, "demands": 24, "connections": 40, "events": 2},
    "city": {"offers": 2400, "demands": 720, "connections": 900, "events": 6},
}

# theme: (field codes, [(kind, title template)], subjects, keywords, advantages, applications)
THEMES: dict[str, dict[str, Any]] = {
    "aquaculture": {
        "fields": ["405", "40501"],
        "titles": [
            ("technology", "Quy trình nuôi {s} thâm canh tuần hoàn nước"),
            ("technology", "Chế phẩm vi sinh xử lý nước và đáy ao nuôi {s}"),
            ("technology", "Thức ăn công nghiệp bổ sung thảo dược cho {s}"),
            ("technology", "Vắc-xin phòng bệnh cho {s} giai đoạn giống"),
            ("equipment", "Hệ thống cảm biến IoT giám sát chất lượng nước ao {s}"),
            ("solution", "Giải pháp truy xuất nguồn gốc {s} thương phẩm"),
            ("service", "Dịch vụ chẩn đoán bệnh {s} bằng PCR"),
        ],
        "subjects": [
            "cá tra",
            "tôm thẻ chân trắng",
            "tôm càng xanh",
            "cá lóc",
            "cua biển",
            "lươn đồng",
            "ếch Thái Lan",
            "tôm sú",
        ],
        "keywords": ["nuôi trồng thủy sản", "ao nuôi", "vi sinh", "ĐBSCL", "an toàn sinh học"],
        "advantages": "Giảm 30% chi phí thức ăn, tỷ lệ sống tăng 15–20%, hạn chế dùng kháng sinh.",
        "applications": "Trang trại và hợp tác xã nuôi trồng thủy sản vùng ven biển và nước ngọt.",
    },
    "rice": {
        "fields": ["401", "40106"],
        "titles": [
            ("technology", "Giống lúa {s} chịu mặn, ngắn ngày"),
            ("technology", "Quy trình canh tác lúa {s} giảm phát thải khí nhà kính"),
            ("equipment", "Máy sạ cụm gắn máy kéo cho ruộng lúa {s}"),
            ("solution", "Phần mềm khuyến cáo bón phân cho lúa {s} theo bản đồ đất"),
            ("technology", "Chế phẩm Trichoderma phân hủy rơm rạ ruộng lúa {s}"),
        ],
        "subjects": ["ST25", "OM5451", "Đài Thơm 8", "OM18", "hữu cơ", "Nàng Hoa 9", "RVT"],
        "keywords": ["lúa gạo", "giống lúa", "chịu mặn", "canh tác bền vững", "giảm phát thải"],
        "advantages": "Năng suất tăng 8–12%, chịu mặn 4‰, giảm lượng giống gieo sạ một nửa.",
        "applications": "Vùng lúa nhiễm mặn ven biển, cánh đồng lớn liên kết doanh nghiệp.",
    },
    "fruit": {
        "fields": ["401", "211"],
        "titles": [
            ("technology", "Công nghệ bảo quản {s} bằng màng bao ăn được"),
            ("technology", "Quy trình xử lý {s} sau thu hoạch đạt chuẩn xuất khẩu"),
            ("equipment", "Kho lạnh khí quyển điều chỉnh (CA) bảo quản {s}"),
            ("technology", "Kỹ thuật xử lý ra hoa nghịch vụ cho {s}"),
            ("service", "Dịch vụ chiếu xạ và kiểm dịch {s} xuất khẩu"),
        ],
        "subjects": [
            "xoài cát Hòa Lộc",
            "bưởi da xanh",
            "sầu riêng Ri6",
            "thanh long ruột đỏ",
            "khóm Cầu Đúc",
            "nhãn Ido",
            "chôm chôm",
            "vú sữa Lò Rèn",
        ],
        "keywords": ["sau thu hoạch", "bảo quản", "trái cây", "xuất khẩu", "khóm = dứa"],
        "advantages": "Kéo dài thời gian bảo quản lên 28–35 ngày, giảm hao hụt dưới 5%.",
        "applications": "Nhà đóng gói, hợp tác xã trái cây, doanh nghiệp xuất khẩu.",
    },
    "food": {
        "fields": ["211"],
        "titles": [
            ("equipment", "Dây chuyền sấy lạnh {s} năng suất 500 kg/mẻ"),
            ("technology", "Công nghệ sản xuất nước {s} lên men probiotic"),
            ("technology", "Quy trình chế biến {s} đóng hộp tiệt trùng"),
            ("equipment", "Máy sấy bơm nhiệt cho {s}"),
            ("service", "Dịch vụ kiểm nghiệm chỉ tiêu vi sinh sản phẩm {s}"),
            ("solution", "Giải pháp HACCP cho cơ sở chế biến {s}"),
        ],
        "subjects": [
            "khóm",
            "xoài",
            "mít",
            "chuối",
            "cá tra fillet",
            "bánh tráng",
            "khô cá lóc",
            "mắm cá linh",
            "trà mãng cầu",
        ],
        "keywords": ["chế biến thực phẩm", "sấy lạnh", "an toàn thực phẩm", "OCOP"],
        "advantages": "Giữ màu và vitamin, tiết kiệm 40% điện năng so với sấy nhiệt truyền thống.",
        "applications": "Doanh nghiệp chế biến vừa và nhỏ, sản phẩm OCOP.",
    },
    "packaging": {
        "fields": ["205"],
        "titles": [
            ("technology", "Bao bì sinh học phân hủy hoàn toàn từ {s}"),
            ("technology", "Màng bọc thực phẩm kháng khuẩn từ {s}"),
            ("equipment", "Máy ép khay đựng thực phẩm từ {s}"),
        ],
        "subjects": ["bã mía", "vỏ trấu", "tinh bột khoai mì", "lục bình", "xơ dừa", "rơm rạ"],
        "keywords": ["bao bì", "vật liệu sinh học", "giảm rác thải nhựa", "kinh tế tuần hoàn"],
        "advantages": "Phân hủy trong 90 ngày, giá thành tương đương bao bì nhựa sau 2 năm.",
        "applications": "Đóng gói nông sản, suất ăn công nghiệp, siêu thị.",
    },
    "environment": {
        "fields": ["207", "208"],
        "titles": [
            ("technology", "Hệ thống xử lý nước thải {s} bằng công nghệ sinh học"),
            ("solution", "Giải pháp quan trắc tự động nước thải {s}"),
            ("technology", "Công nghệ ủ phân compost từ chất thải {s}"),
            ("service", "Dịch vụ phân tích chất lượng nước thải {s}"),
        ],
        "subjects": [
            "chế biến thủy sản",
            "lò giết mổ",
            "chăn nuôi heo",
            "làng nghề bánh tráng",
            "nhà máy xay xát",
            "chợ đầu mối",
        ],
        "keywords": ["môi trường", "xử lý nước thải", "biogas", "quan trắc"],
        "advantages": "Đạt QCVN 40:2011/BTNMT cột A, chi phí vận hành thấp, ít bùn thải.",
        "applications": "Khu công nghiệp, cơ sở sản xuất, làng nghề.",
    },
    "energy": {
        "fields": ["202", "207"],
        "titles": [
            ("solution", "Hệ thống điện mặt trời áp mái cho {s}"),
            ("equipment", "Hầm biogas composite cho {s}"),
            ("equipment", "Lò đốt trấu phát nhiệt cho {s}"),
            ("solution", "Giải pháp tiết kiệm năng lượng cho {s}"),
        ],
        "subjects": [
            "trang trại nuôi tôm",
            "nhà máy xay xát",
            "hộ chăn nuôi",
            "kho lạnh nông sản",
            "nhà máy chế biến thủy sản",
        ],
        "keywords": ["năng lượng tái tạo", "điện mặt trời", "tiết kiệm năng lượng", "biogas"],
        "advantages": "Hoàn vốn trong 4–5 năm, giảm 35% chi phí điện.",
        "applications": "Cơ sở sản xuất nông nghiệp và chế biến.",
    },
    "lab": {
        "fields": ["211", "204"],
        "titles": [
            ("service", "Dịch vụ hiệu chuẩn thiết bị đo {s}"),
            ("service", "Dịch vụ thử nghiệm {s} theo ISO/IEC 17025"),
            ("service", "Dịch vụ phân tích dư lượng thuốc bảo vệ thực vật trong {s}"),
        ],
        "subjects": ["khối lượng", "nhiệt độ", "áp suất", "nông sản", "thủy sản", "phân bón"],
        "keywords": ["thử nghiệm", "hiệu chuẩn", "kiểm nghiệm", "phòng thí nghiệm"],
        "advantages": "Trả kết quả trong 3 ngày làm việc, phòng thí nghiệm được công nhận VILAS.",
        "applications": "Doanh nghiệp sản xuất, xuất khẩu, cơ quan quản lý.",
    },
}

DEMAND_TEMPLATES = {
    "aquaculture": (
        "Cần công nghệ phòng bệnh cho {s}",
        "Tỷ lệ hao hụt {s} do dịch bệnh trên 40%.",
        "Giảm hao hụt xuống dưới 15%, không dùng kháng sinh.",
    ),
    "rice": (
        "Cần giống lúa chịu mặn thay thế cho vùng trồng {s}",
        "Xâm nhập mặn mùa khô làm mất trắng 20% diện tích {s}.",
        "Giống chịu mặn 4‰, năng suất trên 6 tấn/ha.",
    ),
    "fruit": (
        "Cần công nghệ bảo quản {s} xuất khẩu đường biển",
        "{s} hư hỏng 25% trong 30 ngày vận chuyển.",
        "Bảo quản được 35 ngày, đạt yêu cầu thị trường EU.",
    ),
    "food": (
        "Cần dây chuyền chế biến sâu {s}",
        "Giá {s} tươi biến động mạnh vào chính vụ.",
        "Sản phẩm chế biến có hạn dùng 12 tháng, đạt OCOP 4 sao.",
    ),
    "packaging": (
        "Cần bao bì thân thiện môi trường thay thế nhựa từ {s}",
        "Khách hàng nước ngoài yêu cầu bỏ bao bì nhựa dùng một lần.",
        "Bao bì phân hủy sinh học, giá tăng không quá 15%.",
    ),
    "environment": (
        "Cần hệ thống xử lý nước thải cho cơ sở {s}",
        "Nước thải {s} vượt quy chuẩn, bị nhắc nhở nhiều lần.",
        "Đạt QCVN cột A, chi phí vận hành dưới 5.000 đồng/m³.",
    ),
    "energy": (
        "Cần giải pháp năng lượng cho {s}",
        "Chi phí điện của {s} chiếm 30% giá thành.",
        "Giảm 30% chi phí năng lượng, hoàn vốn dưới 5 năm.",
    ),
    "lab": (
        "Cần đơn vị thử nghiệm {s} định kỳ",
        "Chưa có đối tác thử nghiệm {s} gần nhà máy.",
        "Hợp đồng thử nghiệm hằng tháng, trả kết quả trong 3 ngày.",
    ),
}

PROVIDER_TYPES = {"university", "research_institute", "public_st_unit", "st_enterprise"}
SEEKER_TYPES = {"enterprise", "startup", "hospital", "state_agency", "other", "st_enterprise"}
OFFER_STATUS = [
    ("published", 70),
    ("draft", 8),
    ("submitted", 6),
    ("rejected", 3),
    ("paused", 4),
    ("expired", 5),
    ("withdrawn", 4),
]
DEMAND_STATUS = [
    ("published", 66),
    ("draft", 8),
    ("submitted", 8),
    ("rejected", 3),
    ("paused", 3),
    ("expired", 6),
    ("withdrawn", 6),
]
CONN_STAGES = [
    ("requested", 14),
    ("accepted", 12),
    ("declined", 10),
    ("meeting", 16),
    ("mou", 10),
    ("contract", 10),
    ("closed_success", 18),
    ("closed_failure", 10),
]
MODES = [
    "sale",
    "licence_exclusive",
    "licence_nonexclusive",
    "joint_venture",
    "rnd_cooperation",
    "consulting_training",
]
PLACES = [
    "Trung tâm Hội nghị thành phố Cần Thơ",
    "Trường Đại học Cần Thơ, Khu II",
    "Nhà văn hóa Lao động Cần Thơ",
    "Khách sạn Mường Thanh Luxury Cần Thơ",
]


@contextlib.contextmanager
def _manual_timestamps(*models: Any) -> Iterator[None]:
    """Let bulk_create keep the created_at/updated_at values we set (history in the past)."""
    saved = []
    for model in models:
        for name in ("created_at", "updated_at"):
            try:
                f = model._meta.get_field(name)
            except Exception:  # noqa: BLE001,S112 - model without that field
                continue
            saved.append((f, f.auto_now, f.auto_now_add))
            f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _aware(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(rng.randint(7, 17), rng.randint(0, 59)))
    )


def generate(
    scale: str = "small",
    seed: int = 2016,
    organizations: list | None = None,
    experts: list | None = None,
    log: Callable[[str], Any] = print,
) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    from openstx.directory.models import Organization
    from openstx.exchange.models import (
        Connection,
        ConnectionStep,
        Demand,
        Event,
        ListingTransition,
        Meeting,
        Message,
        Offer,
    )
    from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

    if Offer.objects.filter(external_id__startswith="demo-offer-").exists():
        log("Exchange demo data already loaded.")
        return {}
    conf = SCALES.get(scale, SCALES["small"])
    rng = random.Random(seed + 31)
    today = timezone.localdate()
    organizations = list(organizations or Organization.objects.all()[:200])
    experts = list(experts or [])
    if not organizations:
        organizations = [
            Organization.objects.create(
                name="Viện Nghiên cứu Phát triển ĐBSCL",
                type="research_institute",
                external_id="demo-org-exchange",
            )
        ]
    providers = [o for o in organizations if o.type in PROVIDER_TYPES] or organizations
    seekers = [o for o in organizations if o.type in SEEKER_TYPES] or organizations
    all_codes = {c for t in THEMES.values() for c in t["fields"]}
    fields = {f.code: f for f in FieldOfScience.objects.filter(code__in=all_codes)}
    provinces = list(AdministrativeUnit.objects.filter(level=1, is_current=True).order_by("code"))
    mekong = [
        p
        for p in provinces
        if any(
            k in p.name
            for k in ("Cần Thơ", "An Giang", "Đồng Tháp", "Vĩnh Long", "Cà Mau", "Tây Ninh")
        )
    ] or provinces
    User = get_user_model()  # noqa: N806
    staff = list(User.objects.filter(role__in=["broker", "officer"]).order_by("pk")[:5])
    themes = list(THEMES)

    def region() -> Any:
        return (
            rng.choice(mekong)
            if mekong and rng.random() < 0.9
            else (rng.choice(provinces) if provinces else None)
        )

    def dates(status: str) -> dict[str, Any]:
        created = today - dt.timedelta(days=rng.randint(5, 720))
        values: dict[str, Any] = {"created_at": _aware(created, rng)}
        values["updated_at"] = values["created_at"]
        if status not in ("draft",):
            values["submitted_at"] = values["created_at"] + dt.timedelta(hours=rng.randint(1, 48))
        if status in ("published", "paused", "expired", "withdrawn"):
            values["published_at"] = values["submitted_at"] + dt.timedelta(hours=rng.randint(4, 96))
            if status == "expired":
                values["valid_until"] = today - dt.timedelta(days=rng.randint(1, 60))
            else:
                values["valid_until"] = today + dt.timedelta(days=rng.randint(10, 365))
        return values

    # --- offers ---------------------------------------------------------------------------
    offers: list[Any] = []
    offer_fields: list[tuple[int, list[Any]]] = []
    offer_theme: list[str] = []
    for i in range(conf["offers"]):
        theme_key = themes[i % len(themes)]
        theme = THEMES[theme_key]
        kind, template = rng.choice(theme["titles"])
        subject = rng.choice(theme["subjects"])
        title = template.format(s=subject)
        if i >= len(themes) * 6:  # city scale: vary titles so they read as distinct offers
            title += f" (phiên bản {2018 + (i % 8)})"
        status = _weighted(rng, OFFER_STATUS)
        owner = rng.choice(providers)
        price = (
            None if rng.random() < 0.3 else rng.choice([50, 120, 250, 480, 900, 1500]) * 1_000_000
        )
        modes = (
            rng.sample(MODES, rng.randint(1, 3)) if kind != "service" else ["consulting_training"]
        )
        summary = (
            f"{title} do {owner.short_name or owner.name} phát triển, "
            f"đã ứng dụng thử nghiệm tại {rng.choice(mekong).name if mekong else 'ĐBSCL'}."
        )
        missing_quality = status == "draft" and rng.random() < 0.5
        offers.append(
            Offer(
                external_id=f"demo-offer-{i + 1:05d}",
                title=title,
                slug=slugify_vi(title, 100),
                kind=kind,
                summary="" if missing_quality else summary[:300],
                description=(
                    f"<p>{summary}</p><p>Công nghệ gồm quy trình kỹ thuật, hướng dẫn vận "
                    f"hành và chuyển giao tại chỗ cho {subject}.</p>"
                ),
                keywords="; ".join(rng.sample(theme["keywords"], 3) + [subject]),
                trl=None
                if missing_quality
                else rng.choices(range(3, 10), weights=[1, 2, 3, 4, 5, 4, 3])[0],
                advantages="" if missing_quality else theme["advantages"],
                applications=theme["applications"],
                ip_items=rng.choice(
                    [
                        "",
                        "Bằng độc quyền giải pháp hữu ích số 2-0002345",
                        "Đơn đăng ký sáng chế số 1-2023-01234",
                        "",
                    ]
                ),
                transfer_modes=",".join(modes),
                price_vnd=price,
                price_negotiable=price is None,
                owner=owner,
                origin=rng.choice(
                    ["", f"Đề tài cấp thành phố mã số KC-{2019 + i % 6}-{i % 40:02d}"]
                ),
                region=region(),
                status=status,
                moderation_note="Bổ sung thông tin sở hữu trí tuệ và giá chuyển giao."
                if status == "rejected"
                else "",
                confidential_detail="<p>Thông số kỹ thuật chi tiết và bản vẽ chỉ chia sẻ sau khi ký NDA.</p>",
                contact_name=f"Phòng Quản lý khoa học – {owner.short_name or owner.name}"[:200],
                contact_email=f"lienhe{i % 97}@example.vn",
                **dates(status),
            )
        )
        offer_fields.append((i, [fields[c] for c in theme["fields"] if c in fields]))
        offer_theme.append(theme_key)

    with _manual_timestamps(Offer):
        Offer.objects.bulk_create(offers, batch_size=500)
    through = Offer.fields.through
    through.objects.bulk_create(
        [
            through(offer_id=offers[i].pk, fieldofscience_id=f.pk)
            for i, fs in offer_fields
            for f in fs
        ],
        batch_size=1000,
    )

    # --- demands --------------------------------------------------------------------------
    demands: list[Any] = []
    demand_theme: list[str] = []
    demand_fields: list[tuple[int, list[Any]]] = []
    for i in range(conf["demands"]):
        theme_key = themes[i % len(themes)]
        title_t, problem_t, outcome = DEMAND_TEMPLATES[theme_key]
        subject = rng.choice(THEMES[theme_key]["subjects"])
        title = title_t.format(s=subject)
        if i >= len(themes) * 4:
            title += f" – đợt {1 + i // (len(themes) * 4)}"
        status = _weighted(rng, DEMAND_STATUS)
        low = rng.choice([0, 50, 100, 200, 500]) * 1_000_000
        d_dates = dates(status)
        deadline = (
            today + dt.timedelta(days=rng.randint(60, 540))
            if status in ("draft", "submitted", "published", "paused", "rejected")
            else today - dt.timedelta(days=rng.randint(1, 200))
        )
        demands.append(
            Demand(
                external_id=f"demo-demand-{i + 1:05d}",
                title=title,
                slug=slugify_vi(title, 100),
                problem=f"<p>{problem_t.format(s=subject)}</p>",
                desired_outcome=f"<p>{outcome}</p>",
                constraints="<p>Thiết bị vận hành được với lao động phổ thông, có bảo hành tại chỗ.</p>",
                keywords="; ".join(rng.sample(THEMES[theme_key]["keywords"], 2) + [subject]),
                min_trl=rng.choice([None, 5, 6, 7, 8]),
                budget_min_vnd=low,
                budget_max_vnd=low + rng.choice([100, 300, 800, 1500]) * 1_000_000,
                deadline=deadline,
                requester=rng.choice(seekers),
                requester_anonymous=rng.random() < 0.2,
                region=region(),
                status=status,
                moderation_note="Mô tả rõ hơn yêu cầu kỹ thuật." if status == "rejected" else "",
                contact_name="Bộ phận kỹ thuật",
                contact_email=f"nhucau{i % 89}@example.vn",
                **d_dates,
            )
        )
        demand_theme.append(theme_key)
        demand_fields.append((i, [fields[c] for c in THEMES[theme_key]["fields"] if c in fields]))
    with _manual_timestamps(Demand):
        Demand.objects.bulk_create(demands, batch_size=500)
    dthrough = Demand.fields.through
    dthrough.objects.bulk_create(
        [
            dthrough(demand_id=demands[i].pk, fieldofscience_id=f.pk)
            for i, fs in demand_fields
            for f in fs
        ],
        batch_size=1000,
    )

    # --- moderation log -------------------------------------------------------------------
    officer = next((u for u in staff if u.role == "officer"), None)
    transitions = []
    for kind, items in (("offer", offers), ("demand", demands)):
        for obj in items:
            if obj.status == "draft":
                continue
            transitions.append(
                ListingTransition(
                    **{kind: obj}, action="submit", from_status="draft", to_status="submitted"
                )
            )
            if obj.status == "rejected":
                transitions.append(
                    ListingTransition(
                        **{kind: obj},
                        action="reject",
                        actor=officer,
                        from_status="submitted",
                        to_status="rejected",
                        comment=obj.moderation_note,
                    )
                )
            elif obj.status != "submitted":
                transitions.append(
                    ListingTransition(
                        **{kind: obj},
                        action="approve",
                        actor=officer,
                        from_status="submitted",
                        to_status="published",
                    )
                )
                if obj.status != "published":
                    action = {"paused": "pause", "expired": "expire", "withdrawn": "withdraw"}[
                        obj.status
                    ]
                    transitions.append(
                        ListingTransition(
                            **{kind: obj},
                            action=action,
                            from_status="published",
                            to_status=obj.status,
                        )
                    )
    ListingTransition.objects.bulk_create(transitions, batch_size=1000)

    # --- events ---------------------------------------------------------------------------
    events = []
    for j in range(conf["events"]):
        year = today.year - (conf["events"] - 1 - j) // 2
        day = dt.date(year, 4 if j % 2 == 0 else 10, 12 + j % 10)
        label = "Techmart ĐBSCL" if j % 2 == 0 else "Chợ công nghệ và thiết bị Cần Thơ"
        events.append(
            Event(
                external_id=f"demo-event-{j + 1}",
                title=f"{label} {year}",
                slug=slugify_vi(f"{label} {year}", 100),
                start_date=day,
                end_date=day + dt.timedelta(days=2),
                place=rng.choice(PLACES),
                status=Event.Status.PUBLISHED,
                published_at=timezone.now(),
                description="<p>Kết nối cung – cầu công nghệ khu vực Đồng bằng sông "
                "Cửu Long, trình diễn thiết bị và ký kết hợp đồng.</p>",
            )
        )
    Event.objects.bulk_create(events)
    live_offers = [o for o in offers if o.status == "published"]
    live_demands = [d for d in demands if d.status == "published"]
    for e in events:
        e.offers.add(
            *rng.sample(live_offers, min(len(live_offers), max(4, len(live_offers) // 10)))
        )
        e.demands.add(
            *rng.sample(live_demands, min(len(live_demands), max(2, len(live_demands) // 10)))
        )
        e.participants.add(*rng.sample(organizations, min(len(organizations), 12)))

    # --- connections, deals, messages, meetings --------------------------------------------
    offers_by_theme: dict[str, list[Any]] = {}
    for o, t in zip(offers, offer_theme, strict=True):
        if o.status in ("published", "paused", "expired", "withdrawn"):
            offers_by_theme.setdefault(t, []).append(o)
    demands_by_theme: dict[str, list[tuple[Any, str]]] = {}
    for d, t in zip(demands, demand_theme, strict=True):
        if d.status in ("published", "paused", "expired", "withdrawn"):
            demands_by_theme.setdefault(t, []).append(d)
    connections, steps, messages_, meetings = [], [], [], []
    order = ["requested", "accepted", "meeting", "mou", "contract", "closed"]
    contract_types = ["transfer", "licence", "service", "rnd", "equipment"]
    for k in range(conf["connections"]):
        theme_key = themes[k % len(themes)]
        pool_o = offers_by_theme.get(theme_key) or [o for o in offers if o.status == "published"]
        pool_d = demands_by_theme.get(theme_key) or [d for d in demands if d.status == "published"]
        if not pool_o:
            break
        offer = rng.choice(pool_o)
        stage_key = _weighted(rng, CONN_STAGES)
        origin = rng.random()
        demand = rng.choice(pool_d) if pool_d and origin < 0.65 else None
        broker = rng.choice(staff) if staff and demand is not None and origin < 0.4 else None
        expert = (
            rng.choice(experts) if experts and demand is not None and 0.55 < origin < 0.65 else None
        )
        created = _aware(today - dt.timedelta(days=rng.randint(3, 600)), rng)
        conn = Connection(
            external_id=f"demo-conn-{k + 1:05d}",
            offer=None if expert else offer,
            demand=demand,
            expert=expert,
            seeker_org=demand.requester if demand else rng.choice(seekers),
            provider_org=(expert.organization if expert else offer.owner),
            broker=broker,
            initiated_by=broker,
            responder_side="provider" if demand is None or broker else "seeker",
            message="Chúng tôi quan tâm và mong được trao đổi thêm.",
            event=rng.choice(events) if events and rng.random() < 0.25 else None,
            created_at=created,
            updated_at=created,
        )
        if stage_key != "requested":
            conn.responded_at = created + dt.timedelta(
                hours=rng.choice([2, 5, 12, 24, 48, 96, 170])
            )
        if stage_key == "declined":
            conn.stage = "declined"
            conn.close_reason = "Chưa phù hợp với quy mô sản xuất hiện tại."
        elif stage_key.startswith("closed"):
            conn.stage = "closed"
            conn.outcome = "success" if stage_key == "closed_success" else "failure"
            conn.closed_at = conn.responded_at + dt.timedelta(days=rng.randint(30, 200))
            conn.close_reason = (
                "Chuyển giao thành công, đã nghiệm thu."
                if conn.outcome == "success"
                else "Hai bên không thống nhất được giá chuyển giao."
            )
        else:
            conn.stage = stage_key
        reached = order.index(
            "closed"
            if conn.stage == "closed"
            else ("accepted" if conn.stage == "declined" else conn.stage)
        )
        if conn.stage == "closed" and conn.outcome == "failure":
            reached = rng.choice([2, 3])
        if reached >= order.index("mou"):
            conn.mou_date = (conn.responded_at + dt.timedelta(days=rng.randint(10, 40))).date()
            conn.mou_note = "Biên bản ghi nhớ hợp tác chuyển giao công nghệ."
        if reached >= order.index("contract"):
            conn.contract_date = conn.mou_date + dt.timedelta(days=rng.randint(10, 60))
            conn.contract_type = rng.choice(contract_types)
            conn.contract_value_vnd = rng.choice([80, 150, 250, 400, 650, 1200, 2500]) * 1_000_000
        connections.append((conn, reached))
    with _manual_timestamps(Connection):
        Connection.objects.bulk_create([c for c, _r in connections], batch_size=500)
    for conn, reached in connections:
        at = conn.created_at
        steps.append(
            ConnectionStep(
                connection=conn,
                action="request",
                from_stage="",
                to_stage="requested",
                actor=conn.broker,
                comment=conn.message,
            )
        )
        if conn.stage == "declined":
            steps.append(
                ConnectionStep(
                    connection=conn,
                    action="decline",
                    from_stage="requested",
                    to_stage="declined",
                    comment=conn.close_reason,
                )
            )
            continue
        prev = "requested"
        for stage in order[1 : reached + 1]:
            action = {"accepted": "accept", "closed": "close"}.get(stage, stage)
            steps.append(
                ConnectionStep(connection=conn, action=action, from_stage=prev, to_stage=stage)
            )
            prev = stage
        if conn.stage == "closed" and order[reached] != "closed":
            steps.append(
                ConnectionStep(
                    connection=conn,
                    action="close",
                    from_stage=prev,
                    to_stage="closed",
                    comment=conn.close_reason,
                )
            )
        if reached >= 1:
            messages_.append(
                Message(
                    connection=conn,
                    author=conn.broker,
                    body="Xin gửi lịch làm việc dự kiến vào tuần tới.",
                )
            )
            messages_.append(
                Message(connection=conn, body="Đồng ý, chúng tôi sẽ chuẩn bị mẫu thử.")
            )
        if reached >= order.index("meeting"):
            online = rng.random() < 0.3
            meetings.append(
                Meeting(
                    connection=conn,
                    date=at + dt.timedelta(days=rng.randint(3, 20)),
                    place="" if online else rng.choice(PLACES),
                    online=online,
                    link="https://meet.example.vn/phong-hop" if online else "",
                    minutes="Hai bên thống nhất thử nghiệm quy mô pilot trong 3 tháng.",
                )
            )
    ConnectionStep.objects.bulk_create(steps, batch_size=1000)
    Message.objects.bulk_create(messages_, batch_size=1000)
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    # a successful deal closes the demand it met
    fulfilled = {c.demand_id for c, _r in connections if c.outcome == "success" and c.demand_id}
    Demand.objects.filter(pk__in=fulfilled, status="published").update(status="withdrawn")

    counts = {
        "offers": len(offers),
        "demands": len(demands),
        "connections": len(connections),
        "deals": sum(1 for c, _r in connections if c.contract_value_vnd),
        "events": len(events),
    }
    log(
        "Exchange: {offers} offers, {demands} demands, {connections} connections, "
        "{deals} deals, {events} events".format(**counts)
    )
    return counts
