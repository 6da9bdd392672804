"""The writer: crash and resume, gaps, reindex swap and resume, search-check drift, pruning."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openstx.directory.models import Organization
from openstx.search import check, outbox, writer
from openstx.search.index import IndexStore, default_store, read_state
from openstx.search.models import OutboxEntry, SearchNode, SearchState
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def docs():
    searcher, _ = default_store().searcher()
    return searcher.num_docs if searcher else 0


def make(n, prefix="Trạm thủy văn"):
    return [OrganizationFactory(name=f"{prefix} {i}") for i in range(n)]


class Crash(Exception):
    pass


def test_crash_after_commit_before_position_then_resume(apply, search, monkeypatch):
    apply()  # empty index
    make(50)
    calls = {"n": 0}

    def crash(total):
        calls["n"] += 1
        if calls["n"] == 2:  # second batch committed to Tantivy, position not saved
            raise Crash

    monkeypatch.setattr(writer, "after_commit_hook", crash)
    with pytest.raises(Crash):
        apply(batch_size=10)
    monkeypatch.setattr(writer, "after_commit_hook", None)
    assert (
        read_state(default_store().current_path())["last_applied"] < OutboxEntry.objects.last().id
    )
    apply(batch_size=10)  # resumes, re-applying the second batch
    assert search("tram thuy van", per_page=100).total == 50
    assert docs() == 50
    drift = check.check()
    assert drift.ok, drift.as_dict()


def test_stop_after_n_rows_then_continue(apply, search):
    apply()
    make(30)
    first = apply(batch_size=10, stop_after=10)
    assert first["applied"] == 10
    assert search("tram thuy van").total == 10
    apply()
    assert search("tram thuy van", per_page=100).total == 30
    assert docs() == 30


def test_changes_collapse_and_delete(apply, search):
    apply()
    org = OrganizationFactory(name="Tên cũ")
    org.name = "Tên mới"
    org.save()
    apply()
    assert search("tên mới").total == 1 and search("cũ").total == 0
    org.delete()
    apply()
    assert docs() == 0


def test_out_of_order_commit_gap_is_picked_up(apply, search):
    apply()
    a, b = make(2, "Trạm bơm")
    # simulate PostgreSQL committing id N+2 before id N+1
    top = OutboxEntry.objects.order_by("-id").first().id
    OutboxEntry.objects.create(id=top + 2, model="directory.organization", pk_value=str(b.pk))
    apply()
    state = read_state(default_store().current_path())
    assert str(top + 1) in state["gaps"]
    assert writer.safe_id(state) <= top  # the hole holds pruning back
    Organization.objects.filter(pk=a.pk).update(name="Trạm bơm đến muộn")
    OutboxEntry.objects.create(id=top + 1, model="directory.organization", pk_value=str(a.pk))
    apply()
    assert search("đến muộn").total == 1
    assert str(top + 1) not in read_state(default_store().current_path())["gaps"]


def test_reindex_swaps_generation_atomically(apply, search):
    make(12)
    apply()
    store = default_store()
    before = store.current_path()
    out = io.StringIO()
    call_command("reindex", "--no-progress", stdout=out)
    after = store.current_path()
    assert after != before and after.exists()
    assert search("tram thuy van", per_page=50).total == 12
    assert (store.root / "CURRENT").read_text().strip() == after.name
    # a change after the swap goes to the new generation
    OrganizationFactory(name="Trạm thủy văn mới")
    apply()
    assert search("tram thuy van", per_page=50).total == 13


def test_reindex_resumes_after_interruption(apply, search, monkeypatch):
    make(30)
    apply()
    store = default_store()
    live = store.current_path()
    real_build = writer.build
    seen = {"n": 0}

    def flaky(spec, obj):
        seen["n"] += 1
        if seen["n"] == 25:
            raise Crash
        return real_build(spec, obj)

    monkeypatch.setattr(writer, "build", flaky)
    with pytest.raises(Crash):
        writer.rebuild(commit_every=10)
    monkeypatch.setattr(writer, "build", real_build)
    assert store.current_path() == live  # the live index is untouched
    assert search("tram thuy van", per_page=50).total == 30
    assert len(store.unfinished_builds()) == 1
    result = writer.rebuild(commit_every=10)
    assert result["resumed"] is True
    assert store.current_path() != live
    assert docs() == 30
    assert check.check().ok


def test_reindex_cleans_generations_left_by_killed_runs(apply, search):
    """#15.11: a run killed while building, while creating its directory or before its swap
    deleted the old generations leaves directories behind; the next run removes them."""
    make(5)
    apply()
    store = default_store()
    first = store.current_path()
    writer.rebuild()
    previous_live = store.current_path()  # `first` is kept as the previous generation
    # an abandoned build (killed long ago), then a newer one (killed just now)
    abandoned = store.new_generation()
    (abandoned / "state.json").write_text(json.dumps({"building": True, "done": {}}))
    newest = store.new_generation()
    (newest / "state.json").write_text(
        json.dumps({**writer.snapshot_position(), "building": True, "done": {}})
    )
    half_created = store.new_generation()  # killed before its state was written
    assert len(list(store.root.glob("gen-*"))) == 5
    result = writer.rebuild()
    assert result["resumed"] is True and result["generation"] == newest.name
    left = sorted(p.name for p in store.root.glob("gen-*"))
    assert left == sorted([previous_live.name, newest.name])
    assert not abandoned.exists() and not half_created.exists() and not first.exists()
    assert search("tram thuy van", per_page=50).total == 5


def test_reindex_one_type(apply, search):
    make(3)
    apply()
    with outbox.suppressed():
        Organization.objects.filter(name__endswith="1").update(name="Đổi tên lặng lẽ")
    assert search("lặng lẽ").total == 0
    call_command("reindex", "--type", "organization", "--no-progress", stdout=io.StringIO())
    assert search("lặng lẽ").total == 1
    with pytest.raises(CommandError):
        call_command("reindex", "--type", "nope", "--no-progress", stdout=io.StringIO())


def test_search_check_reports_drift_and_fix(apply):
    orgs = make(5)
    apply()
    assert check.check().ok
    call_command("search-check", "--no-progress", stdout=io.StringIO())  # exit 0
    with outbox.suppressed():
        Organization.objects.filter(pk=orgs[0].pk).update(description="đã sửa")  # stale
        Organization.objects.filter(pk=orgs[1].pk).delete()  # extra
        Organization.objects.create(name="Chưa có trong chỉ mục")  # missing
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("search-check", "--json", "--no-progress", stdout=out)
    assert exc.value.returncode == 1
    report = json.loads(out.getvalue())
    assert report["ok"] is False
    assert report["stale"] == [f"organization:{orgs[0].pk}"]
    assert report["extra"] == [f"organization:{orgs[1].pk}"]
    assert len(report["missing"]) == 1
    with pytest.raises(CommandError):
        call_command("search-check", "--fix", "--no-progress", stdout=io.StringIO())
    assert check.check().ok


def test_prune_and_node_behind_pruning_point_rebuilds(apply, search, tmp_path, settings):
    settings.SEARCH_GAP_SECONDS = 0  # PostgreSQL sequences are not reset between tests
    a = IndexStore(tmp_path / "node-a", name="node-a")
    b = IndexStore(tmp_path / "node-b", name="node-b")
    writer.apply_pending(store=a)
    writer.apply_pending(store=b)
    make(3)
    writer.apply_pending(store=a)
    assert OutboxEntry.objects.count() == 3  # node b has not applied them yet
    writer.apply_pending(store=b)
    assert OutboxEntry.objects.count() == 0  # every node passed: pruned
    assert SearchState.objects.get(key="pruned_through").value > 0
    # node c appears with an old position (e.g. restored from an old backup)
    make(2, "Trạm mới")
    writer.apply_pending(store=a)
    writer.apply_pending(store=b)
    c = IndexStore(tmp_path / "node-c", name="node-c")
    result = writer.apply_pending(store=c)
    assert result.get("rebuilt") is True
    for store in (a, b, c):
        assert search("tram", store=store, per_page=50).total == 5
    assert set(SearchNode.objects.values_list("name", flat=True)) >= {"node-a", "node-b", "node-c"}


def test_silent_node_behind_pruning_point_rebuilds(search, tmp_path, settings):
    settings.SEARCH_GAP_SECONDS = 0  # PostgreSQL sequences are not reset between tests
    from django.utils import timezone

    a = IndexStore(tmp_path / "node-a", name="node-a")
    b = IndexStore(tmp_path / "node-b", name="node-b")
    writer.apply_pending(store=a)
    writer.apply_pending(store=b)
    make(2, "Trạm cũ")
    writer.apply_pending(store=a)
    writer.apply_pending(store=b)
    # node b goes silent for longer than the node timeout; a keeps applying and prunes
    SearchNode.objects.filter(name="node-b").update(
        heartbeat=timezone.now() - timezone.timedelta(days=30)
    )
    make(3, "Trạm mới")
    writer.apply_pending(store=a)
    assert OutboxEntry.objects.count() == 0
    assert writer.safe_id(read_state(b.current_path())) < writer.pruned_through()
    result = writer.apply_pending(store=b)  # b comes back: behind the pruning point
    assert result.get("rebuilt") is True
    assert search("tram moi", store=b).complete == 3
    assert search("tram", store=b, per_page=50).total == 5
