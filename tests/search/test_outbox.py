"""The outbox row is written in the record's transaction, by signals or explicitly."""

from __future__ import annotations

import pytest
from django.db import transaction

from openstx.directory.models import Expert, Organization
from openstx.search import outbox
from openstx.search.models import OutboxEntry
from tests.factories import ExpertFactory, FieldOfScienceFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def rows():
    return list(OutboxEntry.objects.order_by("id").values_list("model", "pk_value", "op"))


def test_save_and_delete_write_rows():
    org = OrganizationFactory()
    assert rows() == [("directory.organization", str(org.pk), "u")]
    pk = org.pk
    org.delete()
    assert rows()[-1] == ("directory.organization", str(pk), "d")


def test_rolled_back_change_leaves_no_row():
    before = OutboxEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        OrganizationFactory(name="Sẽ bị hủy")
        assert OutboxEntry.objects.count() == before + 1  # written inside the transaction
        raise RuntimeError("roll back")
    assert OutboxEntry.objects.count() == before
    assert not Organization.objects.filter(name="Sẽ bị hủy").exists()


def test_m2m_changes():
    org = OrganizationFactory()
    field = FieldOfScienceFactory()
    OutboxEntry.objects.all().delete()
    org.fields.add(field)
    assert rows() == [("directory.organization", str(org.pk), "u")]
    OutboxEntry.objects.all().delete()
    org.fields.remove(field)
    assert rows() == [("directory.organization", str(org.pk), "u")]
    org.fields.add(field)
    OutboxEntry.objects.all().delete()
    org.fields.clear()
    assert rows() == [("directory.organization", str(org.pk), "u")]
    # (reverse-side changes, field.organizations.add(...), are hooked too, but
    # simple_history's m2m tracking fails on that side for models without history)


def test_dependents_follow_related_changes(apply, search):
    org = OrganizationFactory(name="Viện Cũ")
    expert = ExpertFactory(full_name="Võ Văn Kiệt", organization=org)
    apply()
    assert search("Viện Cũ", types=["expert"]).total == 1
    org.name = "Học viện Mới"
    org.save()
    assert ("directory.expert", str(expert.pk), "u") in rows()
    apply()
    assert search("Học viện Mới", types=["expert"]).total == 1
    old = search("Viện Cũ", types=["expert"])
    assert old.complete == 0 and old.partial and old.missing == ["cũ"]


def test_bulk_helpers_and_suppression(apply, search):
    with outbox.suppressed():
        objs = Organization.objects.bulk_create(
            [Organization(name=f"Trạm khuyến nông {i}", slug=f"t{i}") for i in range(5)]
        )
        OrganizationFactory(name="Không ghi")
    assert OutboxEntry.objects.count() == 0
    with transaction.atomic():
        assert outbox.record_changes(Organization, [o.pk for o in objs]) == 5
    apply()
    assert search("tram khuyen nong").total == 5
    Organization.objects.filter(pk__in=[o.pk for o in objs[:2]]).delete()  # signals fire
    apply()
    assert search("tram khuyen nong").total == 3
    outbox.record_deletes(Organization, [objs[2].pk])
    apply()
    assert search("tram khuyen nong").total == 2


def test_unchanged_contact_details_not_indexed_but_change_recorded():
    e = ExpertFactory()
    OutboxEntry.objects.all().delete()
    Expert.objects.filter(pk=e.pk).update(phone="1")  # bypasses signals: caller must record
    assert OutboxEntry.objects.count() == 0
    outbox.record_change(e)
    assert OutboxEntry.objects.count() == 1


def test_inline_apply_mode(settings, search):
    settings.SEARCH_APPLY = "inline"
    from django.test.utils import CaptureQueriesContext  # noqa: F401

    with transaction.atomic():
        OrganizationFactory(name="Tìm thấy ngay")
    # on_commit callbacks do not run inside the test transaction; run them explicitly
    from django.db import connection

    for _sid, callback, _robust in list(connection.run_on_commit):
        callback()
    assert search("tìm thấy ngay").total == 1
