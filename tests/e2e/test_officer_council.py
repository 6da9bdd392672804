"""An officer builds a council by typing names, at 1366 and 360 px: the type-ahead suggests
experts with their organisation, marks the host's colleague with the conflict, the pick is
accepted and the colleague refused with the organisation named; the task page's toolbar shows
the acceptance step disabled with the reason. Screenshots go to ``OPENSTX_SCREENSHOT_DIR``
(default ``var/screenshots``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.projects.factories import (
    CouncilFactory,
    ExpertFactory,
    OrganizationFactory,
    TaskFactory,
    UserFactory,
    team,
)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]


def shoot(page: Any, name: str, width: int) -> None:
    folder = Path(os.environ.get("OPENSTX_SCREENSHOT_DIR") or REPO / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"officer_{name}_{width}.png"), full_page=True)


def no_serious_violations(page: Any) -> None:
    """axe-core (vendored; injected by the test only) finds nothing serious or critical."""
    from tests.e2e.test_interface_a11y import run_axe

    blocking = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    assert not blocking, blocking


def no_overflow(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def options(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#id_expert-options option", "els => els.map(o => ({value: o.value, label: o.label}))"
    )


@pytest.mark.parametrize("width", [1366, 360])
def test_officer_builds_a_council_by_typing_names(page, login, width):
    host = OrganizationFactory(name="Trường Đại học Cần Thơ")
    other = OrganizationFactory(name="Viện Lúa Đồng bằng sông Cửu Long")
    officer = UserFactory(username="canbo", role="officer", full_name="Cán bộ Sở")
    task = TaskFactory(title="Nuôi tôm càng xanh toàn đực", host=host, state="submitted")
    team(task, ExpertFactory(full_name="Trần Văn Chủ Nhiệm", organization=host))
    chosen = ExpertFactory(full_name="Nguyễn Thị Hương Giang", organization=other)
    colleague = ExpertFactory(full_name="Nguyễn Văn Hương", organization=host)

    page.set_viewport_size({"width": width, "height": 900})
    login(page, officer)

    # the task page: the acceptance step is shown, disabled, with the reason
    page.goto(task.get_absolute_url())
    accept = page.locator("#task-toolbar [data-action=step-accept]")
    expect(accept.locator("[aria-disabled=true]")).to_be_visible()
    expect(accept).to_contain_text("Cần thành lập hội đồng nghiệm thu trước")
    no_overflow(page)
    shoot(page, "task_toolbar", width)
    no_serious_violations(page)

    council = CouncilFactory(task=task)
    page.goto(council.get_absolute_url())
    box = page.locator("#id_expert")
    box.scroll_into_view_if_needed()
    box.press_sequentially("huong", delay=30)  # typed without accents
    page.wait_for_function(
        "() => document.querySelectorAll('#id_expert-options option').length >= 2"
    )
    found = options(page)
    by_value = {o["value"]: o["label"] for o in found}
    (pick,) = [v for v in by_value if v.endswith(f"(#{chosen.pk})")]
    assert "Nguyễn Thị Hương Giang" in pick and other.name in pick  # name and organisation
    assert by_value[pick] == ""  # no conflict
    marked = [v for v in by_value if f"(#{colleague.pk})" in v]
    assert marked and host.name in marked[0]
    assert "Xung đột lợi ích" in by_value[marked[0]] and host.name in by_value[marked[0]]
    no_overflow(page)
    shoot(page, "council_typeahead", width)
    no_serious_violations(page)

    box.fill(pick)  # what choosing the suggestion puts in the box
    page.select_option("#id_role", "chair")
    page.click("#council-member-form button[type=submit]")
    page.wait_for_url(f"**/projects/councils/{council.pk}/")
    expect(page.locator("#council-members")).to_contain_text("Nguyễn Thị Hương Giang")
    expect(page.locator("#council-members")).to_contain_text(other.name)

    # the host's colleague is refused, and the message names the organisation
    page.locator("#id_expert").fill(marked[0])
    page.click("#council-member-form button[type=submit]")
    page.wait_for_url(f"**/projects/councils/{council.pk}/")
    message = page.inner_text(".messages")
    assert "xung đột lợi ích" in message and host.name in message
    assert council.members.count() == 1
    no_overflow(page)
    shoot(page, "council_conflict", width)
