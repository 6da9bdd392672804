"""All state changes and business rules of IP, standards and training records, and the
statistics the reports app reads (plain data, no templates)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openstx.core.permissions import CHANGE, can, is_officer
from openstx.core.writes import save_allowed
from openstx.ipr.classes import normalize_classes
from openstx.ipr.models import (
    CERTIFIED_STATUSES,
    Attendance,
    IPRecord,
    IPStatus,
    IPTransition,
    IPType,
    StandardAttachment,
    StandardRecord,
    TrainingCourse,
)

S = IPStatus

#: The status workflow: filed → formality examination → published → substantive examination →
#: granted | refused | withdrawn; a certificate later lapses (fees not paid) or expires.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.FILED: (S.FORMALITY, S.REFUSED, S.WITHDRAWN),
    S.FORMALITY: (S.PUBLISHED, S.REFUSED, S.WITHDRAWN),
    S.PUBLISHED: (S.SUBSTANTIVE, S.REFUSED, S.WITHDRAWN),
    S.SUBSTANTIVE: (S.GRANTED, S.REFUSED, S.WITHDRAWN),
    S.GRANTED: (S.LAPSED, S.EXPIRED),
    S.REFUSED: (),
    S.WITHDRAWN: (),
    S.LAPSED: (),
    S.EXPIRED: (),
}
#: Copyright registration has no publication or substantive examination.
EXTRA_TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    IPType.SOFTWARE_COPYRIGHT: {S.FILED: (S.GRANTED,), S.FORMALITY: (S.GRANTED,)},
}


def allowed_transitions(record: IPRecord) -> list[str]:
    extra = EXTRA_TRANSITIONS.get(record.type, {}).get(record.status, ())
    return list(TRANSITIONS.get(record.status, ())) + list(extra)


def can_transition(user: Any, record: IPRecord) -> bool:
    return is_officer(user) and can(user, CHANGE, record)


@transaction.atomic
def transition(
    record: IPRecord,
    to_status: str,
    user: Any,
    *,
    comment: str = "",
    date: dt.date | None = None,
    certificate_number: str = "",
    certificate_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
) -> IPTransition:
    """Move ``record`` to ``to_status`` (an allowed step), recording who, when and why.

    Raises ``PermissionDenied`` for a user who is not an officer and ``ValidationError`` for a
    step the workflow does not allow or a grant without a certificate number.
    """
    if not can_transition(user, record):
        raise PermissionDenied(_("Only department officers can change the status of an IP record."))
    record = IPRecord.objects.select_for_update().get(pk=record.pk)
    if to_status not in IPStatus.values:
        raise ValidationError(_("Unknown status %(status)r.") % {"status": to_status})
    if to_status not in allowed_transitions(record):
        raise ValidationError(
            _("A record that is %(from)s cannot become %(to)s.")
            % {"from": IPStatus(record.status).label, "to": IPStatus(to_status).label}
        )
    if to_status in (S.REFUSED, S.WITHDRAWN) and not comment.strip():
        raise ValidationError(_("Give the reason in the comment."))
    if to_status == S.GRANTED:
        record.certificate_number = certificate_number.strip() or record.certificate_number
        record.certificate_date = (
            certificate_date or record.certificate_date or date or timezone.localdate()
        )
        if expiry_date:
            record.expiry_date = expiry_date
        if not record.certificate_number:
            raise ValidationError(_("A granted record needs its certificate number."))
    step = IPTransition.objects.create(
        record=record,
        from_status=record.status,
        to_status=to_status,
        comment=comment.strip(),
        date=date,
        actor=user if getattr(user, "is_authenticated", False) else None,
    )
    record.status = to_status
    record.status_changed_at = step.at
    record._change_reason = f"status: {step.from_status} → {to_status}"  # type: ignore[attr-defined]
    record.save()
    return step


def save_record(record: IPRecord, user: Any) -> IPRecord:
    """Create or update a record from a form (officers only); classes are validated."""
    if record.pk and not can(user, CHANGE, record):
        raise PermissionDenied
    if not record.pk and not is_officer(user):
        raise PermissionDenied
    record.classes = normalize_classes(record.type, record.classes)
    creating = record.pk is None
    record.save()
    if creating:
        IPTransition.objects.create(
            record=record,
            from_status="",
            to_status=record.status,
            date=record.application_date,
            actor=user if getattr(user, "is_authenticated", False) else None,
            comment=_("Record created"),
        )
    return record


# --- Standards and training ---------------------------------------------------------------


def save_standard(record: StandardRecord, user: Any) -> StandardRecord:
    """Create or update a standards/quality record (officers; CHANGE as the policy says)."""
    return save_allowed(record, user)


def save_course(course: TrainingCourse, user: Any) -> TrainingCourse:
    """Create or update a training course (officers; CHANGE as the policy says)."""
    return save_allowed(course, user)


def add_dossier_document(record: StandardRecord, upload: Any, user: Any) -> StandardAttachment:
    """Attach a dossier document; size capped and type sniffed from the content."""
    from openstx.ipr.uploads import check_attachment

    if not (is_officer(user) or can(user, CHANGE, record)):
        raise PermissionDenied
    checked = check_attachment(upload)
    return StandardAttachment.objects.create(
        record=record,
        file=checked.content,
        name=checked.name,
        mime_type=checked.mime_type,
        size=checked.size,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )


def add_attendee(
    course: TrainingCourse,
    *,
    name: str,
    organization_name: str = "",
    contact: str = "",
    organization: Any = None,
    user: Any = None,
) -> Attendance:
    """Register an attendee; refused when the course is full."""
    if user is not None and not is_officer(user):
        raise PermissionDenied
    with transaction.atomic():
        course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
        if course.capacity is not None and course.attendances.count() >= course.capacity:
            raise ValidationError(
                _("The course is full (%(capacity)d places).") % {"capacity": course.capacity}
            )
        return Attendance.objects.create(
            course=course,
            name=name,
            organization=organization,
            organization_name=organization_name or (organization.name if organization else ""),
            contact=contact,
        )


# --- Statistics (read by the statistics page and the reports app) ------------------------


def _grant_year_expr():
    return ExtractYear("certificate_date")


def applications_and_grants(
    queryset: QuerySet | None = None, years: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """``[{"type", "year", "applications", "grants"}, ...]`` sorted by type then year.

    Applications are counted in the year of their application date; grants (records that are
    granted, lapsed or expired) in the year of their certificate date, or of the application
    when the certificate date is unknown.
    """
    qs = IPRecord.objects.all() if queryset is None else queryset
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(
        lambda: {"applications": 0, "grants": 0}
    )
    for row in (
        qs.exclude(application_date=None)
        .annotate(y=ExtractYear("application_date"))
        .values("type", "y")
        .annotate(n=Count("pk"))
    ):
        counts[(row["type"], row["y"])]["applications"] += row["n"]
    certified = qs.filter(status__in=CERTIFIED_STATUSES)
    for row in (
        certified.exclude(certificate_date=None)
        .annotate(y=ExtractYear("certificate_date"))
        .values("type", "y")
        .annotate(n=Count("pk"))
    ):
        counts[(row["type"], row["y"])]["grants"] += row["n"]
    for row in (
        certified.filter(certificate_date=None)
        .exclude(application_date=None)
        .annotate(y=ExtractYear("application_date"))
        .values("type", "y")
        .annotate(n=Count("pk"))
    ):
        counts[(row["type"], row["y"])]["grants"] += row["n"]
    wanted = set(years) if years is not None else None
    order = {t: i for i, t in enumerate(IPType.values)}
    return [
        {"type": t, "year": y, **v}
        for (t, y), v in sorted(counts.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1]))
        if wanted is None or y in wanted
    ]


def totals_by_type(queryset: QuerySet | None = None) -> list[dict[str, Any]]:
    """``[{"type", "label", "applications", "grants"}]`` over all years, in type order."""
    sums: dict[str, dict[str, int]] = {t: {"applications": 0, "grants": 0} for t in IPType.values}
    for row in applications_and_grants(queryset):
        sums[row["type"]]["applications"] += row["applications"]
        sums[row["type"]]["grants"] += row["grants"]
    return [
        {"type": t, "label": str(IPType(t).label), **v}
        for t, v in sums.items()
        if v["applications"] or v["grants"]
    ]


def totals_by_year(queryset: QuerySet | None = None) -> list[dict[str, Any]]:
    """``[{"year", "applications", "grants"}]`` over all types."""
    sums: dict[int, dict[str, int]] = defaultdict(lambda: {"applications": 0, "grants": 0})
    for row in applications_and_grants(queryset):
        sums[row["year"]]["applications"] += row["applications"]
        sums[row["year"]]["grants"] += row["grants"]
    return [{"year": y, **v} for y, v in sorted(sums.items())]


def support_by_year(queryset: QuerySet | None = None) -> list[dict[str, Any]]:
    """``[{"year", "records", "amount_vnd"}]``: records supported by the department and the
    amounts given, by application year (records without a date are left out)."""
    qs = IPRecord.objects.all() if queryset is None else queryset
    rows = (
        qs.filter(supported=True)
        .exclude(application_date=None)
        .annotate(y=ExtractYear("application_date"))
        .values("y")
        .annotate(records=Count("pk"), amount=Sum("support_amount_vnd"))
        .order_by("y")
    )
    return [
        {"year": r["y"], "records": r["records"], "amount_vnd": int(r["amount"] or 0)} for r in rows
    ]


def standards_by_year(queryset: QuerySet | None = None) -> list[dict[str, Any]]:
    """``[{"kind", "year", "records", "amount_vnd"}]`` of standards and quality records."""
    qs = StandardRecord.objects.all() if queryset is None else queryset
    rows = (
        qs.exclude(received_date=None)
        .annotate(y=ExtractYear("received_date"))
        .values("kind", "y")
        .annotate(records=Count("pk"), amount=Sum("support_amount_vnd"))
        .order_by("kind", "y")
    )
    return [
        {
            "kind": r["kind"],
            "year": r["y"],
            "records": r["records"],
            "amount_vnd": int(r["amount"] or 0),
        }
        for r in rows
    ]


def training_by_year(queryset: QuerySet | None = None) -> list[dict[str, Any]]:
    """``[{"year", "courses", "attendees"}]``."""
    qs = TrainingCourse.objects.all() if queryset is None else queryset
    courses = dict(
        qs.exclude(start_date=None)
        .annotate(y=ExtractYear("start_date"))
        .values_list("y")
        .annotate(n=Count("pk"))
    )
    attendees = dict(
        Attendance.objects.filter(course__in=qs.exclude(start_date=None))
        .annotate(y=ExtractYear("course__start_date"))
        .values_list("y")
        .annotate(n=Count("pk"))
    )
    return [
        {"year": y, "courses": courses[y], "attendees": attendees.get(y, 0)}
        for y in sorted(courses)
    ]


def statistics(queryset: QuerySet | None = None) -> dict[str, Any]:
    """Everything the public statistics page shows, as data."""
    return {
        "by_type": totals_by_type(queryset),
        "by_year": totals_by_year(queryset),
        "by_type_year": applications_and_grants(queryset),
        "support": support_by_year(queryset),
        "standards": standards_by_year(),
        "training": training_by_year(),
    }


# --- Export -------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("external_id", "external_id"),
    ("type", "type"),
    ("title", "title"),
    ("applicant", "applicant"),
    ("application_number", "application_number"),
    ("application_date", "application_date"),
    ("status", "status"),
    ("certificate_number", "certificate_number"),
    ("certificate_date", "certificate_date"),
    ("expiry_date", "expiry_date"),
    ("classes", "classes"),
    ("supported", "supported"),
    ("support_amount_vnd", "support_amount_vnd"),
    ("task", "task_reference"),
    ("offer", "offer"),
]


def export_xlsx(queryset: QuerySet, out: Any) -> int:
    """Write the records of ``queryset`` to an XLSX workbook (a path or a file object)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from openstx.core.importing import xlsx_row

    wb = Workbook()
    ws = wb.active
    ws.title = "IP"
    labels = {
        "external_id": _("External ID"),
        "type": _("Type"),
        "title": _("Title or mark"),
        "applicant": pgettext("ip", "Applicant"),
        "application_number": _("Application number"),
        "application_date": _("Application date"),
        "status": _("Status"),
        "certificate_number": _("Certificate number"),
        "certificate_date": _("Certificate date"),
        "expiry_date": _("Expiry date"),
        "classes": _("Classes"),
        "supported": _("Supported"),
        "support_amount_vnd": _("Support amount (VND)"),
        "task": _("S&T task"),
        "offer": _("Technology offer"),
    }
    ws.append([str(labels[c]) for c, _a in EXPORT_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    count = 0
    records = queryset.select_related("applicant_organization", "task", "offer")
    for rec in records.iterator(chunk_size=1000):
        ws.append(
            xlsx_row(
                ws,
                [
                    rec.external_id or "",
                    rec.get_type_display(),
                    rec.title,
                    rec.applicant,
                    rec.application_number,
                    rec.application_date,
                    rec.get_status_display(),
                    rec.certificate_number,
                    rec.certificate_date,
                    rec.expiry_date,
                    rec.classes,
                    _("yes") if rec.supported else _("no"),
                    rec.support_amount_vnd,
                    rec.task.code if rec.task_id and rec.task.code else rec.task_reference,
                    (rec.offer.external_id or str(rec.offer_id)) if rec.offer_id else "",
                ],
            )
        )
        count += 1
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
    widths = [14, 22, 40, 36, 18, 14, 22, 18, 14, 14, 20, 10, 18, 24, 14]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = w
    ws.freeze_panes = "A2"
    wb.save(out)
    return count


__all__ = [
    "TRANSITIONS",
    "add_attendee",
    "add_dossier_document",
    "allowed_transitions",
    "applications_and_grants",
    "export_xlsx",
    "save_record",
    "statistics",
    "support_by_year",
    "totals_by_type",
    "totals_by_year",
    "transition",
    "Q",
]


def export_sheet(kind: str, queryset: QuerySet, path: Any) -> int:
    """Standards or training records of ``queryset`` (already filtered and restricted) to a
    file in the columns ``openstx import KIND`` reads, so an edited export can be imported back."""
    from openstx.core.importing import ImportContext, get_importer, write_rows

    importer = get_importer(kind)
    ctx = ImportContext(kind=kind)
    rows = (importer.export_row(obj, ctx) for obj in queryset.order_by("pk").iterator(1000))
    return write_rows(path, importer.export_columns(), rows)


# --- Spreadsheet import as a background job ------------------------------------------------

IMPORT_JOB_KIND = "ipr.import"


def _import_folder() -> Any:
    from pathlib import Path

    from django.conf import settings

    return Path(settings.DATA_DIR) / "ipr-imports"


def start_import(kind: str, data: bytes, name: str, user: Any, *, dry_run: bool = False) -> Any:
    """Keep the uploaded sheet in the data directory and import it in a background job
    (core.jobs). The job's parameters are kept in ``job.result`` until it finishes, so a job
    that died can be run again on the same file (:func:`rerun_import`)."""
    import uuid
    from pathlib import Path

    from openstx.core.importing import get_importer
    from openstx.core.text import nfc

    if not is_officer(user):
        raise PermissionDenied(_("Only department officers may import records."))
    get_importer(kind)  # an unknown kind fails here, not in the worker
    folder = _import_folder() / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(nfc(name)).name or "sheet.xlsx")
    path.write_bytes(data)
    return _enqueue_import(
        {"kind": kind, "path": str(path), "name": path.name, "dry_run": dry_run}, user
    )


def _enqueue_import(params: dict[str, Any], user: Any) -> Any:
    from openstx.core.jobs import enqueue
    from openstx.core.models import Job
    from openstx.ipr.tasks import import_sheet

    with transaction.atomic():
        job = enqueue(
            import_sheet,
            kind=IMPORT_JOB_KIND,
            user=user,
            title=_("Import of %(name)s") % {"name": params["name"]},
            kind_=params["kind"],
            path=params["path"],
            dry_run=params["dry_run"],
            user_id=getattr(user, "pk", None),
        )
        Job.objects.filter(pk=job.pk).update(result={"params": params})
        job.result = {"params": params}
    return job


def rerun_import(job: Any, user: Any) -> Any:
    """Run a failed import again on the same file. Records are found again by external id or
    natural key, so the rows the first run wrote are updated or left unchanged, not doubled."""
    from pathlib import Path

    from openstx.core.models import Job

    if not is_officer(user):
        raise PermissionDenied(_("Only department officers may import records."))
    params = (job.result or {}).get("params")
    if job.status != Job.Status.FAILED or not params:
        raise ValidationError(_("Only an import that failed can be run again."))
    if not Path(params["path"]).exists():
        raise ValidationError(_("The uploaded file is no longer kept; upload it again."))
    return _enqueue_import(params, user)


def run_import_job(job: Any, *, kind: str, path: str, dry_run: bool, user_id: int | None) -> dict:
    """The body of the import job: the one pipeline on the kept file, progress on the job row.
    The file is removed once the import has finished (kept if it died, for a re-run)."""
    import shutil
    from pathlib import Path

    from django.contrib.auth import get_user_model

    from openstx.ipr.importers import import_file

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    result = import_file(kind, path, user=user, dry_run=dry_run, job=job)
    folder = Path(path).parent
    if folder.parent == _import_folder():
        shutil.rmtree(folder, ignore_errors=True)
    return {**result.as_dict(), "total": result.total}
