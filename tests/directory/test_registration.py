"""A business registers its own organisation: tax code, 2025 administrative units, type; usable
for drafts at once, public (listed, listings publishable) after an officer verifies it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from openstx.accounts.models import Membership
from openstx.core.permissions import VIEW, can, organization_ids, restrict
from openstx.directory import services
from openstx.directory.models import Organization
from openstx.exchange.models import Notification
from openstx.taxonomy.models import AdministrativeUnit
from tests.factories import AdministrativeUnitFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    can_tho = AdministrativeUnitFactory(code="92", name="Thành phố Cần Thơ")
    ward = AdministrativeUnitFactory(
        code="31117", name="Phường Ninh Kiều", level=AdministrativeUnit.Level.WARD, parent=can_tho
    )
    ha_noi = AdministrativeUnitFactory(code="01", name="Thành phố Hà Nội")
    other_ward = AdministrativeUnitFactory(
        code="00004", name="Phường Ba Đình", level=AdministrativeUnit.Level.WARD, parent=ha_noi
    )
    return {"92": can_tho, "ward": ward, "01": ha_noi, "other_ward": other_ward}


def _form(places, **extra):
    data = {
        "name": "Công ty TNHH Thủy sản Phương Nam",
        "short_name": "Phương Nam",
        "kind": "business",
        "tax_code": "1800 123 456",
        "province": places["92"].pk,
        "ward": places["ward"].pk,
        "address": "Số 12 đường 30/4",
        "website": "phuongnam.vn",
    }
    data.update(extra)
    return data


def test_member_registers_and_becomes_administrator(client, places, officer):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("directory:organization-register"))
    assert page.status_code == 200 and "hx-get" in page.content.decode()
    r = client.post(reverse("directory:organization-register"), _form(places))
    org = Organization.objects.get(name="Công ty TNHH Thủy sản Phương Nam")
    assert r.status_code == 302 and r["Location"] == org.get_absolute_url()
    assert org.tax_code == "1800123456" and org.type == Organization.Type.ENTERPRISE
    assert org.admin_unit == places["ward"] and org.website == "https://phuongnam.vn"
    assert org.awaiting_verification and not org.verified and org.registered_by == user
    membership = Membership.objects.get(user=user, organization=org)
    assert membership.role == Membership.Role.ADMIN
    assert membership.status == Membership.Status.APPROVED
    # officers are told, with a link to the verification screen
    note = Notification.objects.get(user=officer, verb="organization_registered")
    assert note.url == reverse("directory:organization-verify", args=[org.pk])
    # the member sees their own organisation's page; the public does not (yet)
    assert client.get(org.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(org.get_absolute_url()).status_code == 404
    listing = client.get(reverse("directory:organization-list")).content.decode()
    assert "Phương Nam" not in listing


@pytest.mark.parametrize(
    "tax_code,ok,stored",
    [
        ("1800123456", True, "1800123456"),
        ("1800123456-001", True, "1800123456-001"),
        ("1800123456001", True, "1800123456-001"),
        ("180012345", False, None),
        ("18001234560011", False, None),
        ("1800123456-01", False, None),
        ("18OO123456", False, None),
    ],
)
def test_tax_code_format(places, tax_code, ok, stored):
    from openstx.directory.forms import OrganizationRegistrationForm

    form = OrganizationRegistrationForm(_form(places, tax_code=tax_code))
    assert form.is_valid() is ok, form.errors
    if ok:
        assert form.cleaned_data["tax_code"] == stored


def test_tax_code_required_for_businesses_not_for_institutes(places):
    from openstx.directory.forms import OrganizationRegistrationForm

    assert not OrganizationRegistrationForm(_form(places, tax_code="")).is_valid()
    form = OrganizationRegistrationForm(_form(places, tax_code="", kind="research_institute"))
    assert form.is_valid(), form.errors


def test_duplicate_tax_code_is_refused(places):
    from openstx.directory.forms import OrganizationRegistrationForm

    OrganizationFactory(name="Công ty Phương Nam (cũ)", tax_code="1800123456-001")
    form = OrganizationRegistrationForm(_form(places, tax_code="1800123456001"))
    assert not form.is_valid() and "tax_code" in form.errors
    # the service checks too (API, scripts)
    with pytest.raises(ValidationError):
        services.register_organization(
            UserFactory(),
            {"name": "X", "kind": "business", "tax_code": "1800123456-001", "province": None},
        )


def test_ward_must_be_in_the_province(places):
    from openstx.directory.forms import OrganizationRegistrationForm

    form = OrganizationRegistrationForm(_form(places, ward=places["other_ward"].pk))
    assert not form.is_valid() and "ward" in form.errors


def test_ward_options_follow_the_province(client, places):
    r = client.get(reverse("directory:ward-options"), {"province": places["92"].pk})
    html = r.content.decode()
    assert "Phường Ninh Kiều" in html and "Ba Đình" not in html
    assert "<option" in client.get(reverse("directory:ward-options")).content.decode()


def _register(places, user=None, **extra):
    user = user or UserFactory()
    data = _form(places, **extra)
    data["province"] = places["92"]
    data["ward"] = places["ward"]
    data["tax_code"] = data["tax_code"].replace(" ", "")
    return user, services.register_organization(user, data)


def test_usable_for_drafts_at_once_publishable_after_verification(places, officer):
    from openstx.exchange import services as exchange
    from tests.exchange.factories import DemandFactory

    user, org = _register(places)
    assert org.pk in organization_ids(user)
    demand = DemandFactory(requester=org, created_by=user, status="submitted")
    with pytest.raises(exchange.TransitionError, match="xác minh|verif"):
        exchange.transition(demand, "approve", officer)
    services.verify_organization(officer, org)
    org.refresh_from_db()
    assert org.verified and not org.awaiting_verification
    exchange.transition(demand, "approve", officer)
    demand.refresh_from_db()
    assert demand.status == "published"
    # the registrant is told
    assert Notification.objects.filter(user=user, verb="organization_verified").exists()


def test_only_officers_verify(places):
    user, org = _register(places)
    with pytest.raises(PermissionDenied):
        services.verify_organization(user, org)


def test_visibility_before_and_after_verification(places, officer):
    user, org = _register(places)
    stranger = UserFactory()
    qs = Organization.objects.filter(pk=org.pk)
    assert not restrict(qs, stranger, VIEW).exists() and not can(stranger, VIEW, org)
    assert restrict(qs, user, VIEW).exists() and can(user, VIEW, org)
    assert restrict(qs, officer, VIEW).exists()
    services.verify_organization(officer, org)
    org.refresh_from_db()
    assert restrict(qs, stranger, VIEW).exists() and can(stranger, VIEW, org)


def test_possible_duplicates_for_the_officer(client, places, officer):
    same_code = OrganizationFactory(name="Chi nhánh khác hẳn", tax_code="1800123456")
    branch = OrganizationFactory(name="Một tên khác", tax_code="1800123456-002")
    same_name = OrganizationFactory(name="CÔNG TY CỔ PHẦN THUỶ SẢN PHƯƠNG NAM")
    unrelated = OrganizationFactory(name="Công ty TNHH Thủy sản Phương Bắc Mới Thành Lập")
    _user, org = _register(places, tax_code="1800123456-001")
    found = {o.pk: reason for o, reason in services.possible_duplicates(org)}
    assert same_code.pk in found and branch.pk in found and same_name.pk in found
    assert unrelated.pk not in found
    client.force_login(officer)
    queue = client.get(reverse("directory:organization-verification")).content.decode()
    assert org.name in queue
    page = client.get(reverse("directory:organization-verify", args=[org.pk])).content.decode()
    assert same_name.name in page and same_code.name in page
    r = client.post(reverse("directory:organization-verify", args=[org.pk]))
    assert r.status_code == 302
    org.refresh_from_db()
    assert org.verified and not org.awaiting_verification


def test_verification_screens_are_for_officers(client, places):
    user, org = _register(places)
    client.force_login(user)
    assert client.get(reverse("directory:organization-verification")).status_code == 403
    assert client.post(reverse("directory:organization-verify", args=[org.pk])).status_code == 403


def test_name_key_folds_legal_forms():
    assert services.name_key("Công ty TNHH Thủy sản Phương Nam") == services.name_key(
        "CÔNG TY CỔ PHẦN THUỶ SẢN PHƯƠNG NAM"
    )
