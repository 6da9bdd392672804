from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from openstx.core.permissions import can, is_officer, restrict
from openstx.reports import registry, services
from openstx.reports.forms import BudgetYearForm, NarrativeForm, PeriodForm, ReportForm
from openstx.reports.models import BudgetYear, GeneratedReport
from openstx.web import fragments


def _period(request: HttpRequest) -> tuple[PeriodForm, int, int]:
    y1, y2 = services.default_period()
    # only the years bind the form: ?area=budget alone keeps the default period, no errors
    given = {k: request.GET[k] for k in ("year_from", "year_to") if request.GET.get(k)}
    data = {"year_from": y1, "year_to": y2, **given} if given else None
    form = PeriodForm(data, initial={"year_from": y1, "year_to": y2})
    if given and form.is_valid():
        y1, y2 = form.cleaned_data["year_from"], form.cleaned_data["year_to"]
    return form, y1, y2


def statistics(request: HttpRequest) -> HttpResponse:
    """Public statistics: every indicator as a chart with its table, by area."""
    form, y1, y2 = _period(request)
    area = request.GET.get("area") if request.GET.get("area") in registry.AREAS else None

    def sections_html() -> str:
        tables = services.tables(y1, y2, area)
        sections = [
            {"key": key, "title": title, "tables": [t for t in tables if t.indicator.area == key]}
            for key, title in registry.AREAS.items()
        ]
        return render_to_string(
            "reports/_statistics_sections.html",
            {"sections": [s for s in sections if s["tables"]], "year_from": y1, "year_to": y2},
        )

    # the tables and charts are the same for every viewer: rendered once per data version,
    # period, area and language (openstx.web.fragments)
    html = fragments.cached(
        fragments.key("statistics", fragments.data_version(), y1, y2, area), sections_html
    )
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "year_from": y1,
            "year_to": y2,
            "area": area,
            "areas": registry.AREAS,
            "sections_html": mark_safe(html),  # noqa: S308 — rendered by our own template
            "staff": is_officer(request.user),
        },
    )


def indicator_data(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """Open data: one indicator as CSV or JSON for the chosen period."""
    indicator = registry.get(key)
    if indicator is None:
        raise Http404
    _form, y1, y2 = _period(request)
    t = services.table(indicator, y1, y2)
    if fmt == "csv":
        response = HttpResponse(services.to_csv(t), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(services.to_json(t), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-{y1}-{y2}.{fmt}"'
    return response


@login_required
def budget(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        raise PermissionDenied
    instance = None
    if request.GET.get("year", "").isdigit():
        instance = BudgetYear.objects.filter(year=int(request.GET["year"])).first()
    form = BudgetYearForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_budget_year(
                request.user,
                form.cleaned_data["year"],
                **{
                    k: form.cleaned_data[k]
                    for k in (
                        "development_investment_vnd",
                        "recurrent_vnd",
                        "total_provincial_budget_vnd",
                        "note",
                    )
                },
            )
        except (ValueError, PermissionError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Budget figures saved."))
            return redirect("reports:budget")
    years = restrict(BudgetYear.objects.all(), request.user)
    return render(request, "reports/budget.html", {"form": form, "years": years})


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """Staff page: write the narrative sections and generate the report as a background job."""
    if not is_officer(request.user):
        raise PermissionDenied
    y1, y2 = services.default_period()
    data = request.POST if request.method == "POST" else request.GET
    period = PeriodForm(data or None, initial={"year_from": y1, "year_to": y2})
    if period.is_bound and period.is_valid():
        y1, y2 = period.cleaned_data["year_from"], period.cleaned_data["year_to"]
    narrative = NarrativeForm(
        request.POST if request.POST.get("action") == "save" else None,
        initial=services.narratives(y1, y2),
    )
    if request.method == "POST" and period.is_valid():
        action = request.POST.get("action")
        if action == "save" and narrative.is_valid():
            services.save_narratives(request.user, y1, y2, narrative.cleaned_data)
            messages.success(request, _("Report text saved."))
        elif action == "generate":
            generate = ReportForm(request.POST)
            if not generate.is_valid():
                messages.error(request, _("Choose a format for the report."))
            else:
                try:
                    services.request_report(request.user, y1, y2, generate.cleaned_data["format"])
                except ValueError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(
                        request, _("The report is being generated; its progress is shown below.")
                    )
        return redirect(reverse("reports:report") + f"?year_from={y1}&year_to={y2}")
    reports = restrict(GeneratedReport.objects.select_related("job", "created_by"), request.user)[
        :20
    ]
    return render(
        request,
        "reports/report.html",
        {
            "period": period,
            "narrative": narrative,
            "reports": reports,
            "year_from": y1,
            "year_to": y2,
            "letterhead": services.letterhead(),
            # sanitised on save (services.rich_text): shown as the report will print it
            "assessment": services.rich_text(services.narratives(y1, y2).get("overview", "")),
        },
    )


@login_required
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    obj = get_object_or_404(GeneratedReport, pk=pk)
    if not can(request.user, "view", obj) or not obj.file or not obj.file.name:
        raise Http404
    return FileResponse(
        obj.file.open("rb"), as_attachment=True, filename=obj.file.name.rsplit("/", 1)[-1]
    )
