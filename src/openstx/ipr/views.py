"""Pages of IP, standards and training records (thin: rules live in services.py)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from openstx.core.charts import bar_chart_svg, short_label, vi_number
from openstx.core.permissions import CHANGE, VIEW, can, is_officer, restrict
from openstx.ipr import services
from openstx.ipr.filters import IPFilterForm, StandardFilterForm
from openstx.ipr.forms import (
    AttendeeForm,
    DossierForm,
    ImportForm,
    IPRecordForm,
    StandardRecordForm,
    TrainingCourseForm,
    TransitionForm,
)
from openstx.ipr.models import (
    IPRecord,
    IPStatus,
    IPType,
    StandardAttachment,
    StandardKind,
    StandardRecord,
    TrainingCourse,
)

PAGE_SIZE = 50


def _officer_required(request: HttpRequest) -> None:
    if not is_officer(request.user):
        raise PermissionDenied


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# --- IP records ---------------------------------------------------------------------------


def _filtered_records(request: HttpRequest) -> tuple[IPFilterForm, Any]:
    form = IPFilterForm(request.GET or None, user=request.user)
    qs = restrict(IPRecord.objects.select_related("applicant_organization"), request.user, VIEW)
    return form, form.filter(qs)


def record_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered_records(request)
    organization = None
    if form.is_valid() and form.cleaned_data.get("organization"):
        from openstx.directory.models import Organization

        organization = Organization.objects.filter(pk=form.cleaned_data["organization"]).first()
    return render(
        request,
        "ipr/record_list.html",
        {
            "form": form,
            "page": _page(request, qs),
            "count": qs.count(),
            "organization": organization,
            "can_edit": is_officer(request.user),
            "export_query": request.GET.urlencode(),
        },
    )


def record_export(request: HttpRequest) -> HttpResponse:
    _form, qs = _filtered_records(request)
    buffer = io.BytesIO()
    services.export_xlsx(qs, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ip-records-{dt.date.today():%Y%m%d}.xlsx"'
    )
    return response


def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        restrict(
            IPRecord.objects.select_related("applicant_organization", "offer", "task"),
            request.user,
            VIEW,
        ),
        pk=pk,
    )
    context: dict[str, Any] = {
        "record": record,
        "transitions": record.transitions.select_related("actor"),
        "can_edit": can(request.user, CHANGE, record) and is_officer(request.user),
        # a task that is not public yet (a proposal) is not named to those who may not see it
        "task_visible": record.task is not None and can(request.user, VIEW, record.task),
        "offer_visible": record.offer is not None and can(request.user, VIEW, record.offer),
    }
    if context["can_edit"]:
        choices = [(s, IPStatus(s).label) for s in services.allowed_transitions(record)]
        context["transition_form"] = TransitionForm(choices=choices) if choices else None
    return render(request, "ipr/record_detail.html", context)


@login_required
def record_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _officer_required(request)
    record = get_object_or_404(IPRecord, pk=pk) if pk else IPRecord()
    initial = {"task": request.GET["task"]} if not pk and request.GET.get("task") else None
    form = IPRecordForm(request.POST or None, instance=record, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        services.save_record(record, request.user)
        messages.success(request, _("The IP record was saved."))
        return redirect(record)
    return render(request, "ipr/record_form.html", {"form": form, "record": record})


@login_required
@require_POST
def record_transition(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(IPRecord, pk=pk)
    choices = [(s, IPStatus(s).label) for s in IPStatus.values]
    form = TransitionForm(request.POST, choices=choices)
    if not form.is_valid():
        messages.error(request, _("Choose the new status."))
        return redirect(record)
    data = form.cleaned_data
    try:
        services.transition(
            record,
            data["to_status"],
            request.user,
            comment=data.get("comment") or "",
            date=data.get("date"),
            certificate_number=data.get("certificate_number") or "",
            certificate_date=data.get("certificate_date"),
            expiry_date=data.get("expiry_date"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The status was changed."))
    return redirect(record)


# --- Statistics ---------------------------------------------------------------------------


def _chart(title: str, categories: list[str], series: list[tuple[str, list[int]]]) -> Any:
    """An SVG chart from core.charts (its inputs are escaped there); the template puts the
    table of the same numbers beside it."""
    from django.utils.safestring import mark_safe

    svg = bar_chart_svg([short_label(c) for c in categories], series, title=title, fmt=vi_number)
    return mark_safe(svg)  # noqa: S308 - bar_chart_svg escapes every text it draws


def statistics(request: HttpRequest) -> HttpResponse:
    data = services.statistics()
    years = [row["year"] for row in data["by_year"]]
    by_year_chart = _chart(
        _("Applications and certificates by year"),
        [str(y) for y in years],
        [
            (pgettext("ip", "Applications"), [r["applications"] for r in data["by_year"]]),
            (_("Certificates"), [r["grants"] for r in data["by_year"]]),
        ],
    )
    by_type_chart = _chart(
        _("Applications and certificates by type"),
        [str(r["label"]) for r in data["by_type"]],
        [
            (pgettext("ip", "Applications"), [r["applications"] for r in data["by_type"]]),
            (_("Certificates"), [r["grants"] for r in data["by_type"]]),
        ],
    )
    support_chart = _chart(
        _("Support given by the department (VND)"),
        [str(r["year"]) for r in data["support"]],
        [(_("Amount (VND)"), [r["amount_vnd"] for r in data["support"]])],
    )
    # the type × year table
    labels = dict(IPType.choices)
    matrix: dict[str, dict[int, dict[str, int]]] = {}
    for row in data["by_type_year"]:
        matrix.setdefault(row["type"], {})[row["year"]] = row
    type_year = [
        {
            "label": labels.get(t, t),
            "cells": [matrix[t].get(y, {"applications": 0, "grants": 0}) for y in years],
        }
        for t in IPType.values
        if t in matrix
    ]
    kinds = dict(StandardKind.choices)
    standards = [{**r, "label": kinds.get(r["kind"], r["kind"])} for r in data["standards"]]
    return render(
        request,
        "ipr/statistics.html",
        {
            "data": data,
            "years": years,
            "type_year": type_year,
            "standards": standards,
            "charts": {
                "by_year": by_year_chart,
                "by_type": by_type_chart,
                "support": support_chart,
            },
            "total_applications": sum(r["applications"] for r in data["by_year"]),
            "total_grants": sum(r["grants"] for r in data["by_year"]),
            "total_support": sum(r["amount_vnd"] for r in data["support"]),
        },
    )


# --- Standards and quality records ----------------------------------------------------------


def _sheet_response(kind: str, queryset: Any, name: str) -> HttpResponse:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.xlsx"
        services.export_sheet(kind, queryset, path)
        data = path.read_bytes()
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{dt.date.today():%Y%m%d}.xlsx"'
    return response


def _filtered_standards(request: HttpRequest) -> tuple[StandardFilterForm, Any]:
    form = StandardFilterForm(request.GET or None)
    qs = form.filter(
        restrict(StandardRecord.objects.select_related("organization"), request.user, VIEW)
    )
    return form, qs


def standard_export(request: HttpRequest) -> HttpResponse:
    _form, qs = _filtered_standards(request)
    return _sheet_response("standards", qs, "standards-records")


def _courses(request: HttpRequest) -> Any:
    return restrict(TrainingCourse.objects.select_related("organizer"), request.user, VIEW)


def course_export(request: HttpRequest) -> HttpResponse:
    return _sheet_response("training", _courses(request), "training-courses")


def standard_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered_standards(request)
    return render(
        request,
        "ipr/standard_list.html",
        {
            "form": form,
            "page": _page(request, qs),
            "count": qs.count(),
            "can_edit": is_officer(request.user),
            "export_query": request.GET.urlencode(),
        },
    )


def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(restrict(StandardRecord.objects.all(), request.user, VIEW), pk=pk)
    can_edit = is_officer(request.user)
    form = DossierForm(request.POST or None, request.FILES or None) if can_edit else None
    if request.method == "POST":
        if not can_edit or form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_dossier_document(record, form.cleaned_data["file"], request.user)
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                messages.success(request, _("The document was added to the dossier."))
                return redirect(record)
    attachments = restrict(StandardAttachment.objects.filter(record=record), request.user, VIEW)
    return render(
        request,
        "ipr/standard_detail.html",
        {
            "record": record,
            "attachments": attachments,
            "form": form,
            "can_edit": can_edit,
        },
    )


def standard_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(
        restrict(StandardAttachment.objects.all(), request.user, VIEW), pk=pk
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.mime_type,
    )


@login_required
def standard_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _officer_required(request)
    record = get_object_or_404(StandardRecord, pk=pk) if pk else StandardRecord()
    form = StandardRecordForm(request.POST or None, instance=record, user=request.user)
    if request.method == "POST" and form.is_valid():
        record = services.save_standard(form.save(commit=False), request.user)
        form.save_m2m()
        messages.success(request, _("The record was saved."))
        return redirect(record)
    return render(
        request,
        "ipr/simple_form.html",
        {
            "form": form,
            "title": _("Standards and quality record"),
            "cancel": "ipr:standard-list",
        },
    )


# --- Training ---------------------------------------------------------------------------------


def course_list(request: HttpRequest) -> HttpResponse:
    qs = _courses(request)
    from django.db.models import Count

    qs = qs.annotate(attendee_count=Count("attendances")).order_by("-start_date", "-pk")
    return render(
        request,
        "ipr/course_list.html",
        {
            "page": _page(request, qs),
            "count": qs.count(),
            "can_edit": is_officer(request.user),
        },
    )


def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(restrict(TrainingCourse.objects.all(), request.user, VIEW), pk=pk)
    can_edit = is_officer(request.user)
    form = AttendeeForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if not can_edit or form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.add_attendee(course, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The attendee was added."))
                return redirect(course)
    from openstx.ipr.models import Attendance

    attendees = restrict(Attendance.objects.filter(course=course), request.user, VIEW)
    return render(
        request,
        "ipr/course_detail.html",
        {
            "course": course,
            "attendees": attendees,
            "attendee_total": course.attendances.count(),
            "form": form,
            "can_edit": can_edit,
        },
    )


@login_required
def course_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _officer_required(request)
    course = get_object_or_404(TrainingCourse, pk=pk) if pk else TrainingCourse()
    form = TrainingCourseForm(request.POST or None, instance=course, user=request.user)
    if request.method == "POST" and form.is_valid():
        course = services.save_course(form.save(commit=False), request.user)
        form.save_m2m()
        messages.success(request, _("The course was saved."))
        return redirect(course)
    return render(
        request,
        "ipr/simple_form.html",
        {
            "form": form,
            "title": _("Training course"),
            "cancel": "ipr:course-list",
        },
    )


# --- Import ---------------------------------------------------------------------------------


def _import_job(request: HttpRequest, job_id: int) -> Any:
    from openstx.core.models import Job

    job = get_object_or_404(Job, pk=job_id, kind=services.IMPORT_JOB_KIND)
    if not (is_officer(request.user) or job.created_by_id == request.user.pk):
        raise PermissionDenied
    return job


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Staff upload a spreadsheet; its header is checked here, then the one import pipeline
    runs in a background job whose page shows the progress and each rejected row."""
    _officer_required(request)
    from openstx.core.importing import ImportFileError
    from openstx.core.models import Job
    from openstx.ipr.importers import check_sheet
    from openstx.ipr.uploads import check_spreadsheet

    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        try:
            data = check_spreadsheet(upload)
            check_sheet(kind, data, upload.name)
        except (ValidationError, ImportFileError) as exc:
            form.add_error("file", exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            job = services.start_import(
                kind, data, upload.name, request.user, dry_run=form.cleaned_data["dry_run"]
            )
            return redirect("ipr:import-status", job_id=job.pk)
    jobs = Job.objects.filter(kind=services.IMPORT_JOB_KIND).select_related("created_by")[:10]
    return render(request, "ipr/import.html", {"form": form, "jobs": jobs})


@login_required
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "ipr/import_status.html", {"job": _import_job(request, job_id)})


@login_required
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The part of the status page that htmx polls until the job has finished."""
    return render(
        request, "ipr/includes/import_progress.html", {"job": _import_job(request, job_id)}
    )


@login_required
@require_POST
def import_rerun(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _import_job(request, job_id)
    try:
        new = services.rerun_import(job, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("ipr:import-status", job_id=job.pk)
    return redirect("ipr:import-status", job_id=new.pk)


# --- Type-ahead lookups ------------------------------------------------------------------------


def lookup(request: HttpRequest, kind: str) -> HttpResponse:
    """Suggestions for an :class:`~openstx.ipr.lookups.IdentField` (``<option>`` elements)."""
    from django.http import Http404

    from openstx.ipr.lookups import LOOKUPS, ident_of, label_of

    if kind not in LOOKUPS:
        raise Http404
    # the first non-empty parameter (QueryDict[key] is its last value, as .values() gives)
    text = request.GET.get("q") or next((request.GET[k] for k in request.GET if request.GET[k]), "")
    options = [
        {"ident": ident_of(obj), "label": label_of(obj)}
        for obj in LOOKUPS[kind].search(request.user, text)
    ]
    return render(request, "ipr/includes/lookup_options.html", {"options": options})
