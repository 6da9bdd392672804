"""Indicator values against hand-computed fixtures, open data, budget entry, permissions."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from openstx.ipr.models import IPRecord
from openstx.reports import registry, services
from openstx.reports.models import BudgetYear


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user("canbo", "canbo@so.gov.vn", "x", role="officer")


@pytest.fixture
def budgets():
    BudgetYear.objects.create(
        year=2017,
        development_investment_vnd=60_000_000_000,
        recurrent_vnd=40_000_000_000,
        total_provincial_budget_vnd=8_000_000_000_000,
    )
    BudgetYear.objects.create(
        year=2018,
        development_investment_vnd=70_000_000_000,
        recurrent_vnd=50_000_000_000,
        total_provincial_budget_vnd=10_000_000_000_000,
    )


def _value(key, year, group, y1=2017, y2=2018):
    t = services.table(registry.get(key), y1, y2)
    return t.value(group, year)


@pytest.mark.django_db
def test_budget_share_and_change_are_computed_from_entered_figures(budgets):
    # 2018: (70 + 50) bn of 10,000 bn = 1.2 %; development share 70/120 = 58.33 %
    assert _value("budget.share", 2018, "of_total") == 1.2
    assert _value("budget.share", 2018, "development") == 58.33
    assert _value("budget.share", 2017, "of_total") == 1.25
    # 2018 against 2017: 120 bn vs 100 bn = +20 %
    assert _value("budget.change", 2018, "change") == 20.0
    assert _value("budget.change", 2017, "change") is None  # no 2016 figures
    assert _value("budget.st_budget", 2018, "recurrent") == 50_000_000_000


@pytest.mark.django_db
def test_ip_applications_and_grants_by_type_and_year():
    def ip(n, type_, applied, status="filed", certified=None):
        IPRecord.objects.create(
            type=type_,
            title=f"Nhãn hiệu {n}",
            application_number=f"4-2018-{n:05d}",
            application_date=applied,
            status=status,
            certificate_date=certified,
        )

    ip(1, "trademark", dt.date(2017, 3, 1))
    ip(2, "trademark", dt.date(2017, 5, 1), "granted", dt.date(2018, 6, 1))
    ip(3, "trademark", dt.date(2018, 1, 9))
    ip(4, "patent", dt.date(2018, 2, 2), "granted", dt.date(2018, 12, 30))
    ip(5, "patent", dt.date(2016, 2, 2), "granted", dt.date(2017, 1, 5))  # filed before the period
    assert _value("ipr.applications", 2017, "trademark") == 2
    assert _value("ipr.applications", 2018, "trademark") == 1
    assert _value("ipr.applications", 2018, "patent") == 1
    assert _value("ipr.grants", 2018, "trademark") == 1
    assert _value("ipr.grants", 2018, "patent") == 1
    assert _value("ipr.grants", 2017, "patent") == 1
    assert _value("ipr.applications", 2017, "industrial_design") == 0


@pytest.mark.django_db
def test_every_registered_indicator_computes_on_an_empty_database():
    keys = [i.key for i in registry.all_indicators()]
    assert {
        "budget.share",
        "projects.tasks_accepted",
        "ipr.applications",
        "exchange.deal_value",
        "directory.researchers",
        "library.documents",
    } <= set(keys)
    for t in services.tables(2016, 2019):
        assert t.groups, t.indicator.key
        assert t.svg().startswith("<svg")


def test_period_validation():
    with pytest.raises(ValueError):
        services.check_period(2019, 2016)
    with pytest.raises(ValueError):
        services.check_period(1800, 2016)


def test_vietnamese_number_formatting():
    assert services.format_value("vnd", 1234567000) == "1.234.567.000 đ"
    assert services.format_value("percent", 12.5) == "12,50 %"
    assert services.format_value("count", None) == "–"


@pytest.mark.django_db
def test_open_data_csv_and_json(client, budgets):
    url = (
        reverse("reports:indicator-data", args=["budget.share", "json"])
        + "?year_from=2017&year_to=2018"
    )
    data = json.loads(client.get(url).content)
    assert data["key"] == "budget.share" and data["unit"] == "percent"
    assert {
        "indicator": "budget.share",
        "year": 2018,
        "group": "of_total",
        "label": data["rows"][2]["label"],
        "value": 1.2,
        "unit": "percent",
    } in data["rows"]
    csv_text = client.get(url.replace(".json", ".csv")).content.decode()
    assert csv_text.splitlines()[0] == "indicator,year,group,label,value,unit"
    assert "2018,of_total" in csv_text
    api = client.get("/api/v1/indicators/budget.share?year_from=2017&year_to=2018").json()
    assert api["rows"] == data["rows"]
    assert client.get("/api/v1/indicators/nope").status_code == 404
    assert (
        client.get("/api/v1/indicators/budget.share?year_from=2019&year_to=2016").status_code == 400
    )
    assert any(i["key"] == "ipr.grants" for i in client.get("/api/v1/indicators").json())


@pytest.mark.django_db
def test_statistics_page_shows_charts_tables_and_drilldown(client, budgets):
    html = client.get(
        reverse("reports:statistics") + "?year_from=2017&year_to=2018"
    ).content.decode()
    assert "<svg" in html and "<table" in html
    assert "1,20 %" in html  # 2018 share in a table cell
    assert reverse("reports:budget") not in html  # staff links hidden from the public
    bad = client.get(reverse("reports:statistics") + "?year_from=2019&year_to=2016")
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


@pytest.mark.django_db
def test_budget_entry_is_for_staff_and_validated(client, django_user_model, officer):
    member = django_user_model.objects.create_user("dn", "dn@example.vn", "x")
    client.force_login(member)
    assert client.get(reverse("reports:budget")).status_code == 403
    with pytest.raises(PermissionError):
        services.save_budget_year(
            member,
            2020,
            development_investment_vnd=1,
            recurrent_vnd=1,
            total_provincial_budget_vnd=10,
        )
    client.force_login(officer)
    form = {
        "year": 2020,
        "development_investment_vnd": 5,
        "recurrent_vnd": 6,
        "total_provincial_budget_vnd": 10,
        "note": "",
    }
    response = client.post(reverse("reports:budget"), form)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not BudgetYear.objects.filter(year=2020).exists()
    form["total_provincial_budget_vnd"] = 1000
    assert client.post(reverse("reports:budget"), form).status_code == 302
    form["recurrent_vnd"] = 7  # the same year again updates it, with history
    assert client.post(reverse("reports:budget"), form).status_code == 302
    b = BudgetYear.objects.get(year=2020)
    assert (
        b.recurrent_vnd == 7
        and b.history.count() == 2
        and b.history.first().history_user == officer
    )
