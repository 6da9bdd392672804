"""JSON API for S&T tasks and councils (under /api/v1/projects/).

Public callers get public fields of public tasks; the dossier (budget lines, team, timeline)
is included for viewers allowed to see it. IDs accept the platform id or the ``external_id``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from openstx.accounts.auth import api_auth, optional_user
from openstx.core.api import BodyIn, PageParams, errors, get_or_404, page_of, paginate
from openstx.core.permissions import VIEW, restrict
from openstx.projects import services
from openstx.projects.filters import filter_tasks
from openstx.projects.models import Task
from openstx.projects.policies import can_see_dossier

router = Router(tags=["projects"])


class TaskOut(Schema):
    id: int
    external_id: str | None = None
    code: str
    title: str
    level: str
    form: str
    state: str
    state_label: str
    fields: list[str] = Field(default_factory=list)
    ordering_agency: str
    host: str | None = None
    host_id: int | None = None
    leader: str | None = None
    leader_id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    extended_end_date: dt.date | None = None
    rating: str
    objectives: str
    expected_products: str
    url: str

    @staticmethod
    def resolve_fields(obj: Task) -> list[str]:
        return [f.code for f in obj.fields.all()]

    @staticmethod
    def resolve_host(obj: Task) -> str | None:
        return str(obj.host) if obj.host_id else None

    @staticmethod
    def resolve_leader(obj: Task) -> str | None:
        return obj.leader.display_name if obj.leader is not None else None

    @staticmethod
    def resolve_url(obj: Task) -> str:
        return obj.get_absolute_url()


class BudgetLineOut(Schema):
    year: int
    source: str
    amount_vnd: int


class TaskStepOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None = None
    comment: str
    data: dict[str, Any]
    at: dt.datetime


class OutputOut(Schema):
    id: int
    kind: str
    title: str
    year: int | None = None
    doi: str
    publication_id: int | None = None
    ip_record_id: int | None = None
    ip_reference: str
    offer_id: int | None = None
    count: int


class TaskDetailOut(TaskOut):
    source_demand_id: int | None = None
    outputs: list[OutputOut] = Field(default_factory=list)
    budget_total_vnd: int | None = None
    budget: list[BudgetLineOut] | None = None
    timeline: list[TaskStepOut] | None = None
    next_steps: list[str] | None = None


class StepIn(BodyIn):
    action: str
    comment: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


def _get_task(request: Any, ident: str) -> Task:
    qs = Task.objects.select_related("host", "leader")
    return get_or_404(qs, ident, optional_user(request), per_object=True)


TaskPage = page_of(TaskOut)


@router.get("/tasks", response=TaskPage)
def list_tasks(
    request,
    paging: Query[PageParams],
    q: str = "",
    level: str = "",
    form: str = "",
    state: str = "",
    field: str = "",
    host: str = "",
    year: str = "",
):
    viewer = optional_user(request)
    qs = restrict(Task.objects.all(), viewer, VIEW).select_related("host", "leader", "workflow")
    qs, _active = filter_tasks(
        qs,
        {
            "q": q,
            "level": level,
            "form": form,
            "state": state,
            "field": field,
            "host": host,
            "year": year,
        },
    )
    qs = qs.prefetch_related("fields").order_by("-start_date", "-pk")
    return paginate(qs, paging.page, paging.page_size)


@router.get("/tasks/{ident}", response={200: TaskDetailOut, **errors(404)})
def get_task(request, ident: str):
    task = _get_task(request, ident)
    viewer = optional_user(request)
    task.budget = task.timeline = task.next_steps = None  # type: ignore[attr-defined]
    if can_see_dossier(viewer, task):
        task.budget = list(task.budget_lines.all())  # type: ignore[attr-defined]
        task.timeline = [  # type: ignore[attr-defined]
            {
                "action": t.action,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "actor": str(t.actor) if t.actor_id else None,
                "comment": t.comment,
                "data": t.data,
                "at": t.at,
            }
            for t in services.timeline(task)
        ]
        task.next_steps = [  # type: ignore[attr-defined]
            i["step"].code for i in services.available_steps(viewer, task) if not i["blockers"]
        ]
    else:
        task.budget_total_vnd = None
        task.source_demand_id = None  # who asked for the research is part of the dossier
    return task


@router.post(
    "/tasks/{ident}/steps",
    response={200: TaskDetailOut, **errors(400, 403, 404)},
    auth=api_auth,
)
def perform_step(request, ident: str, payload: StepIn):
    task = _get_task(request, ident)
    try:
        services.perform(
            task, payload.action, request.user, comment=payload.comment, data=payload.data
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "Forbidden")
    except ValidationError as exc:
        msgs = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise HttpError(400, "; ".join(f"{k}: {', '.join(v)}" for k, v in msgs.items()))
    return get_task(request, str(task.pk))
