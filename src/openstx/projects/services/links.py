"""Links to other areas: outputs (to offers and IP), calls that name a task, and tasks
ordered from technology demands nobody answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.permissions import is_officer
from openstx.projects.models import (
    Task,
    TaskOutput,
)
from openstx.projects.services.notices import notify
from openstx.projects.services.tasks import _require_officer, save_task, user_roles

# --- Outputs ---------------------------------------------------------------------------------


def add_output(task: Task, user: Any, **values: Any) -> TaskOutput:
    if not (
        is_officer(user) or "host" in user_roles(user, task) or "leader" in user_roles(user, task)
    ):
        raise PermissionDenied(_("Only officers and the task's host may record outputs."))
    output = TaskOutput(task=task, **values)
    if output.publication_id and not output.title:
        publication = output.publication
        assert publication is not None  # publication_id is set
        output.title = publication.title
        output.doi = output.doi or publication.doi
        output.publication_kind = output.publication_kind or publication.kind
        output.year = output.year or publication.year
    if output.ip_record_id and not output.ip_reference:
        ip_record = output.ip_record
        assert ip_record is not None  # ip_record_id is set
        output.ip_reference = ip_record.certificate_number or ip_record.application_number
    output.full_clean()
    output.save()
    record = output.ip_record
    if record is not None and record.task_id is None:
        record.task = task  # the IP registry learns which task the record came from
        record.save(update_fields=["task", "updated_at"])
    return output


def calls_for_task(task: Task) -> list[Any]:
    """The published calls for proposals of the portal that concern ``task`` (read-only)."""
    from openstx.portal.models import Article

    return list(
        Article.objects.visible()
        .filter(category=Article.Category.CALL, tasks=task)
        .order_by("-publish_at")[:20]
    )


def offer_from_output(output: TaskOutput, user: Any):
    """Turn a technology result into a draft technology offer of the host organisation,
    pre-filled from the task (title, description, fields, origin); link it to the output."""
    from openstx.exchange import services as exchange
    from openstx.exchange.models import Offer

    task = output.task
    if output.offer is not None:
        return output.offer
    if task.host_id is None:
        raise ValidationError(_("The task has no host organisation to own the offer."))
    parts = [
        output.description,
        task.objectives and _("Objectives: ") + task.objectives,
        task.expected_products and _("Products: ") + task.expected_products,
    ]
    offer = Offer(
        kind=Offer.Kind.TECHNOLOGY,
        title=(output.title or task.title)[:300],
        summary=(output.description or task.title)[:300],
        description="\n\n".join(p for p in parts if p),
        owner_id=task.host_id,
        origin=f"{task.code} {task.title}".strip()[:500],
        contact_name=task.leader.full_name if task.leader else "",
    )
    exchange.save_listing(  # saves ``offer`` itself (and returns it)
        offer,
        user,
        fields=list(task.fields.all()),
        organization=task.host,
        comment=_("Created from the results of task %(code)s") % {"code": task.code},
    )
    output.offer = offer
    output.save(update_fields=["offer", "updated_at"])
    return offer


# --- From unmet demand to ordered research ---------------------------------------------------


ANSWERED_STAGES = ("accepted", "meeting", "mou", "contract")


def without_good_match(demands: Iterable[Any], threshold: float | None = None) -> list[Any]:
    """Drop demands for which the matching app finds an offer scoring at least ``threshold``
    (``PROJECTS_UNMET_MATCH_THRESHOLD``; unset: keep all — the exchange could not connect them)."""
    threshold = (
        threshold
        if threshold is not None
        else getattr(settings, "PROJECTS_UNMET_MATCH_THRESHOLD", None)
    )
    demands = list(demands)
    if threshold is None:
        return demands
    from openstx.matching import services as matching

    kept = []
    for demand in demands:
        best = matching.match_demand(demand, limit=1)
        if not best or best[0].score < threshold:
            kept.append(demand)
    return kept


def unmet_demands(
    *, days: int | None = None, field_id: int | None = None, region_id: int | None = None
):
    """Published demands older than ``days`` (``PROJECTS_UNMET_DEMAND_DAYS``, default 60) with
    no accepted/active connection, no successful deal and no task ordered from them yet."""
    from openstx.exchange.models import Demand

    days = days if days is not None else int(getattr(settings, "PROJECTS_UNMET_DEMAND_DAYS", 60))
    cutoff = timezone.now() - dt.timedelta(days=days)
    ordered = Task.objects.filter(source_demand__isnull=False).values("source_demand")
    qs = (
        Demand.objects.filter(status="published", published_at__lte=cutoff)
        .exclude(connections__stage__in=ANSWERED_STAGES)
        .exclude(connections__outcome="success")
        .exclude(pk__in=ordered)
        .select_related("requester", "region")
        .prefetch_related("fields")
        .distinct()
    )
    if field_id:
        from openstx.taxonomy.services import field_descendant_ids

        qs = qs.filter(fields__in=field_descendant_ids(field_id))
    if region_id:
        qs = qs.filter(region_id=region_id)
    return qs.order_by("published_at")


@transaction.atomic
def task_from_demand(demand: Any, user: Any) -> Task:
    """One step: a task proposal (đề xuất đặt hàng) pre-filled from the demand and linked to
    it; the requester is told by e-mail and notification."""
    from openstx.core.richtext import plain_text

    _require_officer(user)
    existing = Task.objects.filter(source_demand=demand).first()
    if existing is not None:
        return existing
    task = Task(
        title=demand.title[:500],
        level="provincial",
        form="de_tai",
        ordering_agency=getattr(settings, "PROJECTS_ORDERING_AGENCY", "Sở Khoa học và Công nghệ"),
        objectives=plain_text(demand.desired_outcome or demand.problem, 5000),
        expected_products=plain_text(demand.desired_outcome, 5000),
        source_demand=demand,
    )
    save_task(
        task,
        user,
        fields=list(demand.fields.all()),
        comment=_("Ordered from technology demand #%(id)s") % {"id": demand.pk},
    )
    from openstx.exchange import services as exchange

    notify(
        exchange.listing_users(demand),
        "task_ordered",
        gettext_lazy("Your technology need is being ordered as an S&T task"),
        gettext_lazy(
            "The department has proposed an S&T task from your demand “%(title)s”. "
            "You can follow its progress on the task page."
        ),
        task.get_absolute_url(),
        params={"title": demand.title},
    )
    return task
