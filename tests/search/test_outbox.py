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


def test_position_advances_when_written_and_again_on_commit(django_capture_on_commit_callbacks):
    """Cached pages, counts and fragments are versioned by the outbox position (kept in the
    cache, not read from the database on every request): it moves on at the write, for readers
    inside the transaction, and again after the commit, for copies other processes rendered
    from the data before it."""
    start = outbox.position()
    assert outbox.position() == start  # stable while nothing is written
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        OrganizationFactory(name="Hợp tác xã Mỹ Xuyên")
        OrganizationFactory(name="Hợp tác xã Long Phú")
        at_write = outbox.position()
        assert at_write != start
    assert callbacks.count(outbox.advance) == 1  # once per transaction, not per row
    for callback in callbacks:
        callback()
    assert outbox.position() not in (start, at_write)


def test_position_survives_the_cache_dropping_it():
    from django.core.cache import caches

    before = outbox.position()
    caches["default"].delete(outbox.POSITION_KEY)
    after = outbox.position()
    assert after != before and outbox.position() == after


def test_a_rolled_back_write_does_not_stop_later_applies(
    settings, django_capture_on_commit_callbacks
):
    """A transaction that wrote the outbox and rolled back used to leave a per-thread flag set,
    and no later commit from that thread scheduled the index writer again."""
    settings.SEARCH_APPLY = "celery"
    with pytest.raises(RuntimeError), transaction.atomic():
        OrganizationFactory(name="Sẽ bị hủy")
        raise RuntimeError("roll back")
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        OrganizationFactory(name="Được lưu")
    assert outbox._apply_after_commit in callbacks
