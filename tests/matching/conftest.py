"""Fixtures for matching tests: a small Mekong Delta exchange with real e5 vectors.

The model is loaded once per session (``e5``); identical texts are encoded once per process
(``embeddings._memo``), so the per-test databases cost no model time after the first test.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from openstx.accounts.models import Membership, User
from openstx.directory.models import Expert, Organization
from openstx.exchange.models import Demand, Offer
from openstx.matching import embeddings, services
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience
from tests.factories import PASSWORD


@pytest.fixture(scope="session")
def e5():
    return embeddings.get_model()


@pytest.fixture(autouse=True)
def _matching_settings(settings):
    settings.OPENSTX_MATCHING_AUTO = False  # jobs are exercised explicitly
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.invalidate()
    yield
    services.invalidate()


def user(username: str, org: Organization | None = None, role: str = "") -> User:
    u = User.objects.create(
        username=username,
        email=f"{username}@example.vn",
        full_name=username.title(),
        role=role or User.Role.MEMBER,
    )
    u.set_password(PASSWORD)
    u.save()
    if org is not None:
        Membership.objects.create(user=u, organization=org, status=Membership.Status.APPROVED)
    return u


def field(code: str, name: str) -> FieldOfScience:
    level = {1: 1, 3: 2, 5: 3}.get(len(code), 4)
    parent = FieldOfScience.objects.filter(
        code=code[: {3: 1, 5: 3, 7: 5}.get(len(code), 0)]
    ).first()
    return FieldOfScience.objects.get_or_create(
        code=code, defaults={"name_vi": name, "name_en": name, "level": level, "parent": parent}
    )[0]


def offer(
    title: str,
    owner: Organization,
    fields: list,
    trl: int | None,
    status: str = "published",
    region=None,
    keywords: str = "",
    description: str = "",
) -> Offer:
    o = Offer.objects.create(
        title=title,
        owner=owner,
        trl=trl,
        status=status,
        region=region,
        keywords=keywords,
        description=description,
        published_at=timezone.now() if status == "published" else None,
    )
    o.fields.set(fields)
    return o


def demand(
    title: str,
    requester: Organization,
    fields: list,
    min_trl: int | None = None,
    status: str = "published",
    region=None,
    problem: str = "",
    anonymous: bool = False,
) -> Demand:
    d = Demand.objects.create(
        title=title,
        requester=requester,
        min_trl=min_trl,
        status=status,
        region=region,
        problem=problem,
        requester_anonymous=anonymous,
        published_at=timezone.now() if status == "published" else None,
    )
    d.fields.set(fields)
    return d


@pytest.fixture
def world(db, e5):
    f4 = field("4", "Khoa học nông nghiệp")
    f401 = field("401", "Trồng trọt")
    f40107 = field("40107", "Bảo quản và chế biến nông sản")
    f405 = field("405", "Thủy sản")
    f2 = field("2", "Khoa học kỹ thuật và công nghệ")
    f203 = field("203", "Kỹ thuật cơ khí")
    ct = AdministrativeUnit.objects.create(code="92", name="Thành phố Cần Thơ", level=1)
    vl = AdministrativeUnit.objects.create(code="86", name="Vĩnh Long", level=1)
    institute = Organization.objects.create(
        name="Viện Cây ăn quả miền Nam", type="research_institute"
    )
    business = Organization.objects.create(name="Vựa xoài Cao Lãnh Bí Mật", type="enterprise")
    w = SimpleNamespace(
        f4=f4,
        f401=f401,
        f40107=f40107,
        f405=f405,
        f2=f2,
        f203=f203,
        ct=ct,
        vl=vl,
        institute=institute,
        business=business,
        researcher=user("researcher", institute),
        owner=user("owner", business),
        outsider=user("outsider"),
        broker=user("broker", role="broker"),
    )
    w.mango = offer(
        "Chế phẩm bao màng chitosan kéo dài thời gian bảo quản xoài sau thu hoạch",
        institute,
        [f40107],
        7,
        region=ct,
        keywords="bao màng; bảo quản xoài; chậm chín",
        description="Phủ màng chitosan làm chậm quá trình chín, giảm hư hỏng khi vận chuyển xa.",
    )
    w.shrimp = offer(
        "Chế phẩm vi sinh Bacillus xử lý đáy ao nuôi tôm",
        institute,
        [f405],
        8,
        region=vl,
        keywords="đáy ao; khí độc",
    )
    w.dryer = offer(
        "Máy sấy lúa tháp tuần hoàn tiết kiệm trấu", institute, [f203], 9, keywords="máy sấy lúa"
    )
    w.low_trl = offer(
        "Màng bao xoài nano thử nghiệm trong phòng thí nghiệm", institute, [f40107], 3
    )
    w.draft = offer("Chế phẩm bảo quản xoài chưa công bố", institute, [f40107], 8, status="draft")
    w.need = demand(
        "Xoài chín nhanh, để vài ngày là hỏng",
        business,
        [f401],
        min_trl=5,
        region=ct,
        problem="Chở xoài lên Sài Gòn tới nơi đã mềm nhũn, có đốm đen, mối trả hàng.",
        anonymous=True,
    )
    w.draft_need = demand("Nhu cầu nháp về bảo quản xoài", business, [f401], status="draft")
    w.expert = Expert.objects.create(
        full_name="Nguyễn Văn Quả",
        academic_title="PGS",
        degree="TS",
        keywords="bảo quản sau thu hoạch; xoài; bao màng",
        biography="Nghiên cứu công nghệ sau thu hoạch trái cây nhiệt đới.",
    )
    w.expert.fields.set([f40107])
    w.other_expert = Expert.objects.create(full_name="Trần Thị Cơ Khí", keywords="máy sấy; cơ khí")
    w.other_expert.fields.set([f203])
    return w
