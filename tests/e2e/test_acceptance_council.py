"""An acceptance council in the browser: the officer forms it (suggested members, conflicts
shown), invites; each expert accepts and enters a score sheet; the officer concludes, reads the
computed outcome, downloads the Vietnamese minutes and accepts the task."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from docx import Document

from openstx.projects.models import Council, Task
from tests.projects.factories import (
    ExpertFactory,
    OrganizationFactory,
    TaskFactory,
    UserFactory,
    field,
    team,
)

pytestmark = pytest.mark.browser

ROLES = [
    ("chair", "0.9"),
    ("vice_chair", "0.8"),
    ("reviewer_1", "0.8"),
    ("reviewer_2", "0.7"),
    ("secretary", "0.8"),
]


def test_acceptance_council_from_invitations_to_minutes(
    page, browser, live_server, login, mailoutbox
):
    aqua = field("40501", "Nuôi trồng thủy sản")
    host = OrganizationFactory(name="Trường Đại học Cần Thơ")
    officer = UserFactory(username="canbo", role="officer", full_name="Cán bộ Sở")
    task = TaskFactory(
        code="ĐT-2024-15",
        title="Nuôi tôm càng xanh toàn đực trong ruộng lúa",
        host=host,
        state="submitted",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2025, 12, 31),
    )
    team(task, ExpertFactory(full_name="Trần Văn Chủ Nhiệm", organization=host))
    task.fields.set([aqua])
    colleague = ExpertFactory(full_name="Đồng Nghiệp Cùng Trường", organization=host)
    colleague.fields.set([aqua])
    experts = []
    for i, (_role, _share) in enumerate(ROLES):
        user = UserFactory(username=f"expert{i}", full_name=f"Chuyên gia {i}")
        expert = ExpertFactory(
            full_name=f"Chuyên Gia Số {i}",
            degree="TS",
            user=user,
            organization=OrganizationFactory(),
            keywords="tôm càng xanh",
        )
        expert.fields.set([aqua])
        experts.append(expert)

    # the officer forms the council
    login(page, officer)
    page.goto(task.get_absolute_url())
    # the toolbar's link (its disabled "accept" step says "Cần thành lập hội đồng … trước")
    page.click("#task-toolbar [data-action=council] a")
    page.select_option("#id_purpose", "acceptance")
    page.fill("#id_meeting_date", "2025-12-20")
    page.fill("#id_place", "Sở Khoa học và Công nghệ thành phố Cần Thơ")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/projects/councils/*/")
    council = Council.objects.get(task=task)
    # suggestions: eligible experts ranked, the host's colleague excluded with the reason
    assert "Chuyên Gia Số 0" in page.inner_text("#suggestions")
    assert "Đồng Nghiệp Cùng Trường" in page.inner_text("#excluded")
    assert "tổ chức chủ trì" in page.inner_text("#excluded")
    for expert, (role, _share) in zip(experts, ROLES, strict=True):
        row = page.locator("#suggestions tr", has_text=expert.full_name)
        row.locator("select[name=role]").select_option(role)
        row.locator("button[type=submit]").click()
        page.wait_for_url(f"**/projects/councils/{council.pk}/")
    assert council.members.count() == 5
    page.click("#send-invitations")
    page.wait_for_url(f"**/projects/councils/{council.pk}/")
    assert len(mailoutbox) == 5

    # each expert accepts and scores, in their own browser session
    for expert, (_role, share) in zip(experts, ROLES, strict=True):
        context = browser.new_context(base_url=live_server.url, locale="vi-VN")
        pg = context.new_page()
        try:
            login(pg, expert.user)
            pg.goto("/projects/my-councils/")
            assert task.title in pg.inner_text("#invitations")
            pg.click("#invitations button[value=accept]")
            pg.wait_for_url("**/projects/my-councils/")
            pg.click("#duties >> text=Nhập phiếu đánh giá của tôi")
            for criterion in council.rules["criteria"]:
                pg.fill(f"#id_c_{criterion['code']}", str(float(criterion["max"]) * float(share)))
            pg.check("input[name=vote][value=pass]")
            pg.click("main form button[type=submit]")
            pg.wait_for_url(f"**/projects/councils/{council.pk}/")
        finally:
            context.close()

    # the officer concludes: average 80/100, 5 of 5 in favour -> "Khá"
    page.goto(council.get_absolute_url())
    assert "Khá" in page.inner_text("#preview")
    page.fill("#notes", "Đề nghị bổ sung số liệu vụ 2025.")
    page.click("#conclude")
    page.wait_for_url(f"**/projects/councils/{council.pk}/")
    assert page.inner_text("#council-outcome") == "Khá"
    with page.expect_download() as download_info:
        page.click("#minutes-link")
    data = Path(download_info.value.path()).read_bytes()
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "BIÊN BẢN HỌP HỘI ĐỒNG" in text
    assert "Kết quả: Khá" in text and "Điểm trung bình: 80/100." in text

    # the task can now be accepted, with the council's rating
    page.goto(task.get_absolute_url())
    page.click("#task-toolbar [data-action=step-accept] a")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/projects/{task.pk}/")
    task = Task.objects.get(pk=task.pk)
    assert (task.state, task.rating) == ("accepted", "good")
    assert "Đã nghiệm thu" in page.inner_text("#task-state")
