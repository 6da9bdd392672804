"""Tasks in the one search index: public fields only, non-public tasks for staff and the host."""

from __future__ import annotations

import pytest

from openstx.projects import services
from openstx.projects.models import Task

from .factories import TaskFactory, field

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def index_dir(tmp_path, settings):
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.SEARCH_NODE_NAME = f"test-node:{tmp_path.name}"
    settings.SEARCH_APPLY = ""


def run(q, **kwargs):
    from openstx.search import service, writer

    writer.apply_pending()
    return service.search(q, **kwargs)


def test_tasks_are_searchable_with_access_scope(officer, host_user, host_org, leader):
    public = TaskFactory(
        title="Nuôi tôm càng xanh toàn đực trong ruộng lúa",
        state="in_progress",
        host=host_org,
        leader=leader,
    )
    public.fields.set([field("40501", "Nuôi trồng thủy sản")])
    TaskFactory(title="Đề xuất nuôi tôm sú trong rừng ngập mặn", state="proposed", host=host_org)
    anon = run("nuôi tôm", types=["task"])
    assert [h.title for h in anon.hits] == [public.title]
    assert run("nuoi tom cang xanh").total >= 1  # without diacritics
    assert run("nuôi tôm", user=officer, types=["task"]).total == 2
    assert run("nuôi tôm", user=host_user, types=["task"]).total == 2
    assert run(leader.full_name, types=["task"]).total == 1  # the leader is a public field


def test_a_step_updates_the_index(officer):
    task = services.save_task(Task(title="Chế phẩm vi sinh xử lý rơm rạ"), officer)
    assert run("rơm rạ").total == 0
    services.perform(task, "list", officer, data={"decision_number": "1/QĐ"})
    assert run("rơm rạ").total == 1


def test_imported_tasks_are_searchable(tmp_path):
    from openstx.core.importing import run_import

    path = tmp_path / "t.csv"
    path.write_text("external_id,title,state\nX-1,Sấy khóm giữ màu,in_progress\n", encoding="utf-8")
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert run_import("projects", path).created == 1
    assert run("sấy khóm").total == 1
