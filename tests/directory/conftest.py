from __future__ import annotations

import pytest

from openstx.accounts.models import Membership
from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience
from tests.factories import (
    AdministrativeUnitFactory,
    ExpertFactory,
    FieldOfScienceFactory,
    MembershipFactory,
    OfficerFactory,
    OrganizationFactory,
    UserFactory,
)


@pytest.fixture
def fields(db):
    """A small tree: 1 > 106 > 10616, and 2."""
    natural = FieldOfScienceFactory(
        code="1", level=1, name_vi="Khoa học tự nhiên", name_en="Natural sciences"
    )
    biology = FieldOfScienceFactory(
        code="106", level=2, parent=natural, name_vi="Sinh học", name_en="Biology"
    )
    biotech = FieldOfScienceFactory(
        code="10616", level=3, parent=biology, name_vi="Công nghệ sinh học", name_en="Biotechnology"
    )
    engineering = FieldOfScienceFactory(code="2", level=1, name_vi="Khoa học kỹ thuật và công nghệ")
    return {"1": natural, "106": biology, "10616": biotech, "2": engineering}


@pytest.fixture
def units(db):
    can_tho = AdministrativeUnitFactory(
        code="92", name="Thành phố Cần Thơ", division_type="thành phố trung ương"
    )
    ninh_kieu = AdministrativeUnitFactory(
        code="31117", name="Phường Ninh Kiều", level=AdministrativeUnit.Level.WARD, parent=can_tho
    )
    hau_giang = AdministrativeUnitFactory(
        code="old-93", name="Hậu Giang", is_current=False, successor=can_tho
    )
    ha_noi = AdministrativeUnitFactory(code="01", name="Thành phố Hà Nội")
    return {"92": can_tho, "ward": ninh_kieu, "old-93": hau_giang, "01": ha_noi}


@pytest.fixture
def org(db):
    return OrganizationFactory(
        name="Trường Đại học Cần Thơ", short_name="CTU", external_id="ORG-CTU"
    )


@pytest.fixture
def org_member(org):
    user = UserFactory()
    MembershipFactory(user=user, organization=org, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def org_admin(org):
    user = UserFactory()
    MembershipFactory(user=user, organization=org, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def pending_member(org):
    user = UserFactory()
    MembershipFactory(user=user, organization=org, status=Membership.Status.PENDING)
    return user


@pytest.fixture
def officer(db):
    return OfficerFactory()


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def expert_user(db):
    return UserFactory()


@pytest.fixture
def expert(org, expert_user):
    return ExpertFactory(
        full_name="Nguyễn Văn Thủy",
        organization=org,
        user=expert_user,
        external_id="EXP-1",
        email="thuy@ctu.edu.vn",
        phone="0292 3831 234",
    )


__all__ = ["FieldOfScience"]
