"""Several web nodes on one PostgreSQL converge: each applies the same ordered outbox."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from openstx.directory.models import Organization
from openstx.search import check, writer
from openstx.search.index import IndexStore
from openstx.search.models import OutboxEntry, SearchNode
from openstx.search.service import search
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nodes(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("several nodes share one PostgreSQL database (SQLite is single-node)")
    return (
        IndexStore(tmp_path / "data-1" / "search", name="web-1"),
        IndexStore(tmp_path / "data-2" / "search", name="web-2"),
    )


def test_change_through_one_node_is_searchable_on_both(nodes, settings):
    settings.SEARCH_GAP_SECONDS = 0  # sequences are not reset between tests: no stale holes
    one, two = nodes
    writer.apply_pending(store=one)
    writer.apply_pending(store=two)
    with transaction.atomic():  # "made through node one": its request's transaction
        org = OrganizationFactory(name="Trung tâm Ứng dụng tiến bộ KH&CN Hậu Giang")
    writer.apply_pending(store=one)
    assert search("ung dung tien bo", store=one).total == 1
    assert search("ung dung tien bo", store=two).total == 0  # not applied yet on node two
    writer.apply_pending(store=two)
    assert search("ung dung tien bo", store=two).total == 1
    # update and delete converge too, and the outbox is pruned once both passed
    with transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(name="Trung tâm đã đổi tên")
        from openstx.search import outbox

        outbox.record_change(Organization.objects.get(pk=org.pk))
    for store in nodes:
        writer.apply_pending(store=store)
    for store in nodes:
        assert search("đã đổi tên", store=store).total == 1
        assert check.check(store=store).ok
    assert OutboxEntry.objects.count() == 0
    org.delete()
    for store in nodes:
        writer.apply_pending(store=store)
        assert search("trung tam", store=store).total == 0
    assert {n.name for n in SearchNode.objects.all()} >= {"web-1", "web-2"}


def test_concurrent_uncommitted_transaction_is_not_skipped(nodes):
    """An outbox id allocated before a later one but committed after it is still applied."""
    import threading

    one, _two = nodes
    writer.apply_pending(store=one)
    started, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            OrganizationFactory(name="Giao dịch chậm")  # takes the smaller outbox id
            started.set()
            release.wait(10)
        connection.close()

    t = threading.Thread(target=slow_writer)
    t.start()
    started.wait(10)
    OrganizationFactory(name="Giao dịch nhanh")  # larger id, committed first
    writer.apply_pending(store=one)
    assert search("giao dịch nhanh", store=one).complete == 1
    release.set()
    t.join()
    writer.apply_pending(store=one)
    assert search("giao dịch chậm", store=one).complete == 1
