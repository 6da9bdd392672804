"""Every response carries a strict Content-Security-Policy, and no template needs it loosened."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import openstx

TEMPLATES = sorted(Path(openstx.__file__).parent.glob("*/templates/**/*.html"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/exchange/offers/", "/search/?q=xoài", "/api/v1/offers"])
def test_pages_and_api_send_a_strict_policy(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_cached_anonymous_page_keeps_the_policy(client, settings):
    settings.OPENSTX_PAGE_CACHE_SECONDS = 60
    first = client.get("/exchange/offers/")
    second = client.get("/exchange/offers/")
    assert first.status_code == second.status_code == 200
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_a_setting_overrides_one_directive(settings):
    from openstx.web.security import policy_header

    settings.OPENSTX_CSP = {"img-src": "'self' data: https://tiles.example.vn"}
    header = policy_header()
    assert "img-src 'self' data: https://tiles.example.vn" in header
    assert "script-src 'self'" in header


def test_templates_have_no_inline_script_handlers_or_styles():
    """What the policy would block in a browser: inline handlers, style attributes, inline
    script (JSON-LD and JSON data blocks are data, not script, and are allowed)."""
    problems = []
    for template in TEMPLATES:
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text):
            problems.append(f"{template}: inline handler {match.group(0).strip()}")
        for match in re.finditer(r"\sstyle\s*=\s*[\"']", text):
            problems.append(f"{template}: style attribute")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            if "application/ld+json" not in match.group(
                1
            ) and "application/json" not in match.group(1):
                problems.append(f"{template}: inline <script>")
        if "javascript:" in text:
            problems.append(f"{template}: javascript: URL")
    assert problems == []


def test_charts_carry_no_inline_style():
    """core.charts draws inline SVG into pages: a style attribute there is blocked too."""
    from openstx.core.charts import bar_chart_svg, hbar_chart_svg

    for svg in (
        bar_chart_svg(["2024", "2025"], [("Đề tài", [3, 5])], title="Đề tài theo năm"),
        hbar_chart_svg(["Thủy sản", "Nông nghiệp"], [4, 2], title="Lĩnh vực"),
    ):
        assert "<svg" in svg and "style=" not in svg
