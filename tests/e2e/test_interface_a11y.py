"""Every main page passes an automated accessibility check and fits a phone.

For each page, at 1366 px and 360 px: axe-core (vendored from the npm registry under
``web/static/vendor/axe-core/``, injected here only, never served in pages) reports no serious or
critical violation; at 360 px the page does not scroll sideways; on list pages the filters are
folded so the first result is on the first phone screen. Screenshots go to
``OPENSTX_SCREENSHOT_DIR`` (default ``var/screenshots`` under the repository) as
``<page>-<width>.png``, kept by CI as artefacts.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from tests.exchange.factories import DemandFactory, OfferFactory
from tests.factories import ExpertFactory, OfficerFactory, OrganizationFactory

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "src/openstx/web/static/vendor/axe-core/axe.min.js"
WIDTHS = (1366, 360)
PHONE = 360
BLOCKING = ("serious", "critical")
# list pages whose filters fold on a phone (a <details class="filter-panel">)
LIST_PAGES = {"offers", "demands", "experts", "organisations", "tasks", "search", "library", "ip"}


def screenshot_dir() -> Path:
    path = Path(os.environ.get("OPENSTX_SCREENSHOT_DIR") or REPO / "var" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the current page (WCAG 2 A/AA and best-practice rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # DevTools evaluation: not subject to CSP
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary.slice(0, 160))}));
        }"""
    )
    return list(result)


def check_page(page: Any, name: str, path: str, report: dict[str, Any]) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        status = response.status if response else 0
        violations = run_axe(page)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        entry: dict[str, Any] = {"status": status, "violations": violations, "blocking": blocking}
        if width == PHONE:
            entry["overflow"] = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            if name in LIST_PAGES:
                entry["first_result_top"] = page.evaluate(
                    """() => {
                        const panel = document.querySelector('details.filter-panel');
                        const item = document.querySelector(
                            '.layout-sidebar section .card, .layout-sidebar section li, ' +
                            '.layout-sidebar section tr td, .layout-sidebar section h3');
                        return {folded: panel ? !panel.open : null,
                                top: item ? item.getBoundingClientRect().top + window.scrollY : null};
                    }"""
                )
        page.screenshot(path=str(screenshot_dir() / f"{name}-{width}.png"), full_page=True)
        report[f"{name}-{width}"] = entry


def assert_clean(report: dict[str, Any]) -> None:
    problems = []
    for key, entry in report.items():
        for v in entry["blocking"]:
            problems.append(f"{key}: {v['impact']} {v['id']} ({v['help']}): {v['nodes']}")
        if entry.get("overflow", 0) > 0:
            problems.append(f"{key}: scrolls sideways by {entry['overflow']} px")
        first = entry.get("first_result_top")
        if first is not None:
            if first["folded"] is not True:
                problems.append(f"{key}: the filters are not folded on a phone")
            if first["top"] is not None and first["top"] > 900:
                problems.append(f"{key}: first result at {first['top']:.0f} px, below the screen")
    for key, entry in report.items():  # the figures, for the log (pytest -s)
        ids = ",".join(sorted({v["id"] for v in entry["violations"]}))
        print(
            f"axe {key}: {len(entry['violations'])} violations, {len(entry['blocking'])} serious/critical [{ids}]"
        )
    assert not problems, "\n".join(problems)


@pytest.fixture
def content(db: None) -> dict[str, Any]:
    """One of each kind of record the main pages show."""
    from openstx.exchange.models import Event, ListingStatus
    from tests.ipr.factories import IPRecordFactory
    from tests.library.factories import DocumentFactory
    from tests.portal.factories import ArticleFactory
    from tests.projects.factories import TaskFactory

    org = OrganizationFactory(name="Viện Nghiên cứu Nuôi trồng Thủy sản")
    expert = ExpertFactory(full_name="Nguyễn Thị Thu Hà", organization=org)
    offer = OfferFactory(
        title="Máy sấy lạnh nông sản", status=ListingStatus.PUBLISHED, owner=org, trl=7
    )
    demand = DemandFactory(title="Cần máy sấy xoài", status=ListingStatus.PUBLISHED)
    document = DocumentFactory()
    record = IPRecordFactory()
    task = TaskFactory()
    ArticleFactory()
    Event.objects.create(
        title="Chợ công nghệ và thiết bị 2027",
        status=Event.Status.PUBLISHED,
        start_date=dt.date.today() + dt.timedelta(days=20),
        place="Trung tâm Hội nghị thành phố",
    )
    return {
        "org": org,
        "expert": expert,
        "offer": offer,
        "demand": demand,
        "document": document,
        "record": record,
        "task": task,
    }


def public_pages(c: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("offers", "/exchange/offers/"),
        ("offer", c["offer"].get_absolute_url()),
        ("demands", "/exchange/demands/"),
        ("demand", c["demand"].get_absolute_url()),
        ("experts", "/directory/experts/"),
        ("expert", c["expert"].get_absolute_url()),
        ("organisations", "/directory/organizations/"),
        ("organisation", c["org"].get_absolute_url()),
        ("search", "/search/?q=m%C3%A1y%20s%E1%BA%A5y"),
        ("library", "/library/"),
        ("document", c["document"].get_absolute_url()),
        ("ip", "/ip/"),
        ("statistics", "/statistics/"),
        ("news", "/portal/"),
        ("events", "/exchange/events/"),
        ("contact", "/portal/contact/"),
        ("login", "/accounts/login/"),
        ("signup", "/accounts/signup/"),
        ("error-404", "/khong-co-trang-nay/"),
    ]


def test_public_pages_are_accessible_and_fit_a_phone(page: Any, content: dict[str, Any]) -> None:
    report: dict[str, Any] = {}
    for name, path in public_pages(content):
        check_page(page, name, path, report)
    assert report["error-404-1366"]["status"] == 404
    assert_clean(report)


def test_officer_pages_are_accessible_and_fit_a_phone(
    page: Any, login: Any, content: dict[str, Any]
) -> None:
    officer = OfficerFactory()
    login(page, officer)
    report: dict[str, Any] = {}
    for name, path in [
        ("tasks", "/projects/"),
        ("task", content["task"].get_absolute_url()),
        ("ip-record", content["record"].get_absolute_url()),
        ("moderation", "/exchange/moderation/"),
    ]:
        check_page(page, name, path, report)
    assert_clean(report)
