"""Dates dd/mm/yyyy and money in VND with triệu/tỷ, in both interface languages (issue #17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format, get_format

from openstx.core import money
from openstx.core.charts import bar_chart_svg, hbar_chart_svg


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_dates_read_day_first_in_both_languages(lang):
    day = dt.date(2026, 3, 7)
    moment = dt.datetime(2026, 3, 7, 14, 5)
    with translation.override(lang):
        assert date_format(day) == "07/03/2026"
        assert date_format(day, "SHORT_DATE_FORMAT") == "07/03/2026"
        assert date_format(moment, "DATETIME_FORMAT") == "07/03/2026 14:05"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "07/03/2026 14:05"
        # a bare {{ date }} in a template uses DATE_FORMAT
        assert Template("{{ d }}").render(Context({"d": day})) == "07/03/2026"
        # <input type="date"> sends ISO; people may type dd/mm/yyyy
        assert get_format("DATE_INPUT_FORMATS")[:2] == ["%Y-%m-%d", "%d/%m/%Y"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_date_fields_accept_day_first(lang):
    from django import forms

    class F(forms.Form):
        day = forms.DateField()

    with translation.override(lang):
        f = F({"day": "07/03/2026"})
        assert f.is_valid(), f.errors
        assert f.cleaned_data["day"] == dt.date(2026, 3, 7)
        assert F({"day": "2026-03-07"}).is_valid()


def test_money_in_vietnamese_uses_words_not_letters():
    with translation.override("vi"):
        assert money.format_vnd(1_500_000_000) == "1.500.000.000 đ"
        assert money.short_vnd(1_500_000_000) == "1,5 tỷ đồng"
        assert money.short_vnd(250_000_000) == "250 triệu đồng"
        assert money.short_vnd(500_000) == "500.000 đồng"
        assert money.short_amount(61_000_000_000, compact=True) == "61 tỷ"
        assert money.short_amount(12_300, compact=True) == "12,3 nghìn"
        assert money.format_number(1234.5, decimals=1) == "1.234,5"
        assert money.format_vnd(None) == ""


def test_money_in_english():
    with translation.override("en"):
        assert money.format_vnd(1_500_000_000) == "1,500,000,000 VND"
        assert money.short_vnd(1_500_000_000) == "VND 1.5 billion"
        assert money.short_vnd(250_000_000) == "VND 250 million"
        assert money.short_amount(1_500_000_000, compact=True) == "1.5B"
        assert money.format_number(1234.5, decimals=1) == "1,234.5"


def test_money_filters_in_templates():
    t = Template("{% load money %}{{ v|vnd }} | {{ v|vnd_short }} | {{ v|amount_short }}")
    with translation.override("vi"):
        assert t.render(Context({"v": 2_500_000_000})) == "2.500.000.000 đ | 2,5 tỷ đồng | 2,5 tỷ"
    with translation.override("en"):
        assert t.render(Context({"v": 2_500_000_000})) == (
            "2,500,000,000 VND | VND 2.5 billion | 2.5 billion"
        )


def test_app_filters_share_the_core_format():
    for lib in ("exchange_tags", "ipr_tags", "projects_tags"):
        t = Template("{% load " + lib + " %}{{ v|vnd }}")
        with translation.override("vi"):
            assert t.render(Context({"v": 15_000_000})) == "15.000.000 đ", lib
        with translation.override("en"):
            assert t.render(Context({"v": 15_000_000})) == "15,000,000 VND", lib


def test_chart_axes_say_ty_and_trieu_in_vietnamese():
    series = [("Vốn", [1_000_000_000, 2_000_000_000])]  # axis 0 … 2 tỷ in quarters
    with translation.override("vi"):
        svg = bar_chart_svg(["2024", "2025"], series, title="Ngân sách", fmt=money.format_vnd)
        assert ">1,5 tỷ<" in svg and ">500 triệu<" in svg
        assert "B<" not in svg and "M<" not in svg
        assert "2.000.000.000 đ" in svg  # the exact value in the bar's tooltip
        assert "1.500" in hbar_chart_svg(["A"], [1500])
    with translation.override("en"):
        svg = bar_chart_svg(["2024", "2025"], series, title="Budget")
        assert ">1.5B<" in svg and ">500M<" in svg
        assert "1,500" in hbar_chart_svg(["A"], [1500])
