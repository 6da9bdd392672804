"""Import/export of S&T tasks (KIND ``projects``) through the one pipeline (core.importing).

Columns: ``external_id, code, title, level, form, fields, ordering_agency, host, leader, start,
end, budget_total_vnd, state, rating, accepted_on, objectives, expected_products,
source_demand``. Only
``external_id`` and ``title`` are required. ``host`` takes an organisation ``external_id`` or
name (created if new); ``leader`` an expert ``external_id`` or full name (created if new, at the
host); ``state`` a state code or its label from the active life-cycle configuration, so that
the registry's history can be loaded as it stands; ``source_demand`` names the technology
demand the task was ordered from by its ``external_id`` or platform id (an unknown one rejects
the row).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core import importing
from openstx.core.importing import (
    CREATED,
    Column,
    ImportContext,
    ModelImporter,
    RowError,
    choice,
    date,
    decimal,
    register,
    text,
)
from openstx.core.text import clean, fold
from openstx.projects.models import Form, Level, Rating, Task, TaskMember, TaskTransition
from openstx.projects.workflow import get_workflow

LEVEL_ALIASES = {
    "cấp quốc gia": "national",
    "quốc gia": "national",
    "nhà nước": "national",
    "cấp bộ": "ministerial",
    "bộ": "ministerial",
    "cấp tỉnh": "provincial",
    "tỉnh": "provincial",
    "cấp thành phố": "provincial",
    "thành phố": "provincial",
    "cấp tỉnh/thành phố": "provincial",
    "cấp huyện": "district",
    "huyện": "district",
    "cấp quận": "district",
    "cấp cơ sở": "grassroots",
    "cơ sở": "grassroots",
}
FORM_ALIASES = {
    "đề tài": "de_tai",
    "dự án sxtn": "du_an_sxtn",
    "dự án sản xuất thử nghiệm": "du_an_sxtn",
    "đề án": "de_an",
    "dự án kh&cn": "du_an_khcn",
    "dự án khcn": "du_an_khcn",
    "dự án khoa học và công nghệ": "du_an_khcn",
    "chương trình": "chuong_trinh",
}
RATING_ALIASES = {"xuất sắc": "excellent", "khá": "good", "đạt": "pass", "không đạt": "fail"}


def parse_field(value: Any, ctx: ImportContext) -> int:
    from openstx.taxonomy import services as taxonomy

    return taxonomy.resolve_field_id(value)


def parse_host(value: Any, ctx: ImportContext) -> int:
    from openstx.directory.importers import resolve_organization_id

    return resolve_organization_id(value, ctx, create=True)


def _expert_index(ctx: ImportContext) -> dict[str, dict[str, int]]:
    def build() -> dict[str, dict[str, int]]:
        from openstx.directory.models import Expert

        by_ext: dict[str, int] = {}
        by_name: dict[str, int] = {}
        for pk, ext, name in Expert.objects.values_list("pk", "external_id", "full_name"):
            if ext:
                by_ext[ext] = pk
            by_name.setdefault(fold(name), pk)
        return {"ext": by_ext, "name": by_name}

    return ctx.cached("experts", build)


def parse_leader(value: Any, ctx: ImportContext) -> Any:
    """Resolved later (the host is needed to create an unknown leader)."""
    return clean(importing.as_text(value))


def parse_demand(value: Any, ctx: ImportContext) -> int:
    from openstx.core.lookup import find_by_ident
    from openstx.exchange.models import Demand

    ident = clean(importing.as_text(value))
    demand = find_by_ident(Demand.objects.only("pk"), ident)
    if demand is None:
        raise RowError(_("no technology demand %(ident)r") % {"ident": ident})
    return demand.pk


def parse_state(value: Any, ctx: ImportContext) -> str:
    config = ctx.cached("workflow", get_workflow)
    raw = clean(importing.as_text(value))
    if raw in config.states:
        return raw
    key = fold(raw)
    for code, state in config.states.items():
        if key in (fold(state.get("label", "")), fold(state.get("label_vi", ""))):
            return code
    raise RowError(
        _("%(value)r is not a state of the life cycle (%(states)s)")
        % {"value": raw, "states": ", ".join(config.states)}
    )


@register
class TaskImporter(ModelImporter):
    kind = "projects"
    label = _("S&T tasks")
    model = Task
    parse_writes = True  # unknown hosts and leaders are created
    columns = [
        Column("external_id", required=True, parse=text(100)),
        Column("code", parse=text(64)),
        Column("title", required=True, parse=text(500)),
        Column("level", parse=choice(Level, LEVEL_ALIASES), default="provincial"),
        Column("form", parse=choice(Form, FORM_ALIASES), default="de_tai"),
        Column("fields", parse=parse_field, multiple=True),
        Column("ordering_agency", parse=text(300)),
        Column("host", parse=parse_host, default=None),
        Column("leader", parse=parse_leader, default=None),
        Column("start", parse=date(), default=None),
        Column("end", parse=date(), default=None),
        Column("budget_total_vnd", parse=decimal(0), default=None),
        Column("state", parse=parse_state, default=""),
        Column("rating", parse=choice(Rating, RATING_ALIASES), default=""),
        Column("accepted_on", parse=date(), default=None),
        Column("objectives", multiline=True),
        Column("expected_products", multiline=True),
        Column("source_demand", parse=parse_demand, default=None),
    ]

    def validate(self, values: dict[str, Any], ctx: ImportContext) -> None:
        start, end = values.get("start"), values.get("end")
        if start and end and start > end:
            raise RowError(_("the end date is before the start date"), "end")

    def _leader_id(self, name: str | None, host_id: int | None, ctx: ImportContext) -> int | None:
        if not name:
            return None
        index = _expert_index(ctx)
        if name in index["ext"]:
            return index["ext"][name]
        key = fold(name)
        if key in index["name"]:
            return index["name"][key]
        if len(name) > 200:
            raise RowError(_("leader name too long"), "leader")
        from openstx.directory.models import Expert

        expert = Expert(full_name=name, organization_id=host_id)
        expert.save()
        index["name"][key] = expert.pk
        ctx.warnings.append(
            _("line %(line)s: created expert %(name)r") % {"line": ctx.line, "name": name}
        )
        return expert.pk

    def to_model(self, values: dict[str, Any], ctx: ImportContext) -> tuple[dict, dict]:
        out: dict[str, Any] = {}
        simple = {
            "code": "code",
            "title": "title",
            "level": "level",
            "form": "form",
            "ordering_agency": "ordering_agency",
            "start": "start_date",
            "end": "end_date",
            "rating": "rating",
            "accepted_on": "accepted_on",
            "objectives": "objectives",
            "expected_products": "expected_products",
        }
        for col, attr in simple.items():
            if col in values:
                out[attr] = values[col]
        if "host" in values:
            out["host_id"] = values["host"]
        if "source_demand" in values:
            out["source_demand_id"] = values["source_demand"]
        if "leader" in values:
            host_id = values.get("host")
            out["leader_id"] = self._leader_id(values["leader"], host_id, ctx)
        if "budget_total_vnd" in values:
            amount = values["budget_total_vnd"]
            out["budget_total_vnd"] = int(amount) if amount is not None else None
        if values.get("state"):
            out["state"] = values["state"]
        m2m = {"fields": values["fields"]} if "fields" in values else {}
        return out, m2m

    def before_create(self, obj: Any, ctx: ImportContext) -> None:
        config = ctx.cached("workflow", get_workflow)
        obj.workflow_id = config.row.pk
        if not obj.state:
            obj.state = config.initial
        obj.state_changed_at = timezone.now()

    def apply_batch(self, rows, ctx):
        outcomes = super().apply_batch(rows, ctx)
        now = timezone.now()
        created = [pk for outcome, pk in outcomes if outcome == CREATED]
        user = ctx.history_user
        if created:
            tasks = Task.objects.filter(pk__in=created).values_list("pk", "state")
            TaskTransition.objects.bulk_create(
                TaskTransition(
                    task_id=pk,
                    action="import",
                    from_state="",
                    to_state=state,
                    actor=user,
                    comment=_("Imported"),
                    at=now,
                )
                for pk, state in tasks
            )
        pks = [pk for _o, pk in outcomes]
        leaders = dict(
            Task.objects.filter(pk__in=pks, leader__isnull=False).values_list("pk", "leader_id")
        )
        have = set(
            TaskMember.objects.filter(task_id__in=leaders, role=TaskMember.Role.LEADER).values_list(
                "task_id", "expert_id"
            )
        )
        missing = [(t, e) for t, e in leaders.items() if (t, e) not in have]
        if missing:
            TaskMember.objects.filter(
                task_id__in=[t for t, _e in missing], role=TaskMember.Role.LEADER
            ).update(role=TaskMember.Role.KEY)
            for task_id, expert_id in missing:
                TaskMember.objects.update_or_create(
                    task_id=task_id, expert_id=expert_id, defaults={"role": TaskMember.Role.LEADER}
                )
        return outcomes

    def on_committed(self, pks: list[Any], ctx: ImportContext) -> None:
        try:
            from openstx.search import outbox

            outbox.record_changes(Task, pks)
        except (ImportError, AttributeError):
            pass

    # -- export --

    def export_queryset(self, ctx: ImportContext) -> QuerySet[Task]:
        qs = super().export_queryset(ctx)
        assert isinstance(qs, QuerySet)  # the model is set, so the base gives a queryset
        return qs.select_related("host", "leader", "source_demand").prefetch_related("fields")

    def export_row(self, obj: Task, ctx: ImportContext) -> dict[str, Any]:
        return {
            "external_id": obj.external_id or f"task-{obj.pk}",
            "code": obj.code,
            "title": obj.title,
            "level": obj.level,
            "form": obj.form,
            "fields": [f.code for f in obj.fields.all()],
            "ordering_agency": obj.ordering_agency,
            "host": (obj.host.external_id or obj.host.name) if obj.host else "",
            "leader": (obj.leader.external_id or obj.leader.full_name) if obj.leader else "",
            "start": obj.start_date,
            "end": obj.end_date,
            "budget_total_vnd": obj.budget_total_vnd,
            "state": obj.state,
            "rating": obj.rating,
            "accepted_on": obj.accepted_on,
            "objectives": obj.objectives,
            "expected_products": obj.expected_products,
            "source_demand": (obj.source_demand.external_id or str(obj.source_demand_id))
            if obj.source_demand
            else "",
        }
