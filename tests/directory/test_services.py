from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from openstx.directory import services
from openstx.directory.models import Expert, Organization
from tests.factories import ExpertFactory, OrganizationFactory


def test_create_and_update_with_history(officer, fields, units):
    org = services.create_organization(
        officer,
        {
            "name": "Viện Lúa",
            "type": "research_institute",
            "fields": [fields["106"]],
            "admin_unit": units["92"],
        },
    )
    assert org.history.count() == 2  # created, then its fields
    assert org.history.first().history_user == officer
    assert [f.code for f in org.fields.all()] == ["106"]
    services.update_organization(
        officer, org, {"short_name": "CLRRI", "fields": [fields["10616"], fields["2"]]}
    )
    org.refresh_from_db()
    assert org.short_name == "CLRRI"
    assert sorted(f.code for f in org.fields.all()) == ["10616", "2"]
    assert org.history.count() == 3  # one record for the edit, m2m included
    latest = org.history.first()
    delta = latest.diff_against(latest.prev_record)
    assert set(delta.changed_fields) == {"short_name", "fields"}


def test_permissions_enforced(member, org, expert, expert_user):
    with pytest.raises(PermissionDenied):
        services.create_organization(member, {"name": "X"})
    with pytest.raises(PermissionDenied):
        services.update_organization(member, org, {"name": "X"})
    with pytest.raises(PermissionDenied):
        services.update_expert(member, expert, {"full_name": "X"})
    services.update_expert(expert_user, expert, {"position": "Trưởng khoa"})
    assert Expert.objects.get(pk=expert.pk).position == "Trưởng khoa"


def test_member_cannot_verify(org_member, org):
    services.update_organization(org_member, org, {"verified": True, "address": "Khu II"})
    org.refresh_from_db()
    assert not org.verified and org.address == "Khu II"


def test_lookup_by_id_or_external_id(org):
    qs = Organization.objects.all()
    assert services.get_by_id_or_external_id(qs, "ORG-CTU") == org
    assert services.get_by_id_or_external_id(qs, str(org.pk)) == org
    with pytest.raises(Organization.DoesNotExist):
        services.get_by_id_or_external_id(qs, "nope")


def test_filters(fields, units):
    a = OrganizationFactory(
        name="Viện Công nghệ Sinh học", type="research_institute", admin_unit=units["ward"]
    )
    a.fields.set([fields["10616"]])
    b = OrganizationFactory(name="Công ty Cơ khí", type="enterprise", admin_unit=units["01"])
    b.fields.set([fields["2"]])
    qs = Organization.objects.all()
    assert list(services.filter_organizations(qs, {"field": fields["1"]})) == [a]  # descendants
    assert list(services.filter_organizations(qs, {"field": "2"})) == [b]
    assert list(services.filter_organizations(qs, {"admin_unit": units["92"]})) == [
        a
    ]  # ward in province
    assert list(services.filter_organizations(qs, {"admin_unit": units["old-93"]})) == [
        a
    ]  # old → successor
    assert list(services.filter_organizations(qs, {"q": "cong nghe sinh"})) == [a]
    assert list(services.filter_organizations(qs, {"q": "CÔNG TY"})) == [b]
    assert list(services.filter_organizations(qs, {"type": "enterprise"})) == [b]
    assert list(services.filter_organizations(qs, {"sort": "newest"})) == [b, a]
    e1 = ExpertFactory(
        full_name="Lê Văn Tôm",
        organization=a,
        academic_title="GS",
        open_to_consulting=True,
        keywords="tôm càng xanh",
    )
    e1.fields.set([fields["10616"]])
    ExpertFactory(full_name="Phạm Cơ Khí", organization=b, degree="KS")
    eqs = Expert.objects.all()
    assert list(services.filter_experts(eqs, {"field": fields["106"]})) == [e1]
    assert list(services.filter_experts(eqs, {"admin_unit": units["92"]})) == [e1]
    assert list(services.filter_experts(eqs, {"academic_title": "GS"})) == [e1]
    assert list(services.filter_experts(eqs, {"open_to_consulting": True})) == [e1]
    assert list(services.filter_experts(eqs, {"q": "tom cang"})) == [e1]
    assert list(services.filter_experts(eqs, {"organization": b})).__len__() == 1
    assert services.filter_experts(eqs, {"degree": "KS"}).get().full_name == "Phạm Cơ Khí"
