import pytest

from openstx.core.lookup import find_by_ident
from openstx.core.models import Job
from openstx.directory.models import Organization


@pytest.mark.django_db
def test_external_id_wins_then_platform_id():
    first = Organization.objects.create(name="Viện A", external_id="X-1")
    numeric = Organization.objects.create(name="Viện B", external_id=str(first.pk))
    qs = Organization.objects.all()
    assert find_by_ident(qs, "X-1") == first
    assert find_by_ident(qs, f" {first.pk} ") == numeric  # a numeric external id is an external id
    assert find_by_ident(qs, str(numeric.pk)) == numeric
    assert find_by_ident(qs, "nope") is None
    assert find_by_ident(qs, "") is None


@pytest.mark.django_db
def test_models_without_external_id_use_the_platform_id():
    job = Job.objects.create(kind="x")
    assert find_by_ident(Job.objects.all(), str(job.pk)) == job
    assert find_by_ident(Job.objects.all(), "abc") is None
