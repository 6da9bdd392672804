"""Standards records and training courses are written through their service functions, which
check permission and validate whatever called them (form, API or script)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openstx.ipr import services
from openstx.ipr.models import StandardRecord, TrainingCourse
from tests.factories import MembershipFactory, OfficerFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_officers_save_standards_records_and_the_model_rules_hold():
    member = UserFactory()
    MembershipFactory(user=member, organization=OrganizationFactory())
    record = StandardRecord(
        kind=StandardRecord._meta.get_field("kind").choices[0][0], title="Nước mắm"
    )
    with pytest.raises(PermissionDenied):
        services.save_standard(record, member)
    assert not StandardRecord.objects.exists()
    saved = services.save_standard(record, OfficerFactory())
    assert saved.pk and StandardRecord.objects.count() == 1
    with pytest.raises(ValidationError):
        services.save_standard(StandardRecord(kind="nonsense", title="x"), OfficerFactory())
    assert StandardRecord.objects.count() == 1


def test_only_officers_save_training_courses():
    with pytest.raises(PermissionDenied):
        services.save_course(TrainingCourse(title="Tập huấn SHTT"), UserFactory())
    course = services.save_course(TrainingCourse(title="Tập huấn SHTT"), OfficerFactory())
    assert TrainingCourse.objects.get().pk == course.pk


def test_startup_profile_is_kept_by_its_own_administrators():
    from openstx.directory.models import Organization
    from openstx.portal.models import StartupProfile
    from openstx.portal.services import save_startup_profile

    startup = OrganizationFactory(type=Organization.Type.STARTUP)
    admin = UserFactory()
    MembershipFactory(user=admin, organization=startup, role="admin")
    plain = UserFactory()
    MembershipFactory(user=plain, organization=startup)
    with pytest.raises(PermissionDenied):
        save_startup_profile(StartupProfile(organization=startup), plain)
    assert save_startup_profile(StartupProfile(organization=startup), admin).pk
