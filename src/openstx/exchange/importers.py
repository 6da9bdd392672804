"""Import/export of offers and demands (KINDs ``offers`` and ``demands``, docs/importing.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core import importing
from openstx.core.importing import Column, ImportContext, ModelImporter, RowError, register
from openstx.core.richtext import sanitize_html
from openstx.core.text import slugify_vi
from openstx.directory.importers import (
    parse_admin_unit,
    parse_field,
    parse_organization_deferred,
)
from openstx.exchange.models import RESERVED_SLUGS, Demand, ListingStatus, Offer, TransferMode
from openstx.taxonomy import services as taxonomy

S = ListingStatus
STATUS_ALIASES: dict[str, str] = {
    "Nháp": S.DRAFT,
    "Chờ duyệt": S.SUBMITTED,
    "Đã đăng": S.PUBLISHED,
    "Công bố": S.PUBLISHED,
    "Tạm dừng": S.PAUSED,
    "Hết hạn": S.EXPIRED,
    "Rút lại": S.WITHDRAWN,
    "Từ chối": S.REJECTED,
}
KIND_ALIASES = {
    "Công nghệ": "technology",
    "Thiết bị": "equipment",
    "Dịch vụ": "service",
    "Giải pháp": "solution",
}
MODE_ALIASES: dict[str, str] = {
    "Chuyển nhượng": TransferMode.SALE,
    "Bán": TransferMode.SALE,
    "Li-xăng độc quyền": TransferMode.EXCLUSIVE,
    "Li-xăng không độc quyền": TransferMode.NON_EXCLUSIVE,
    "Góp vốn": TransferMode.JOINT_VENTURE,
    "Liên doanh": TransferMode.JOINT_VENTURE,
    "Hợp tác nghiên cứu": TransferMode.RND,
    "Tư vấn": TransferMode.CONSULTING,
    "Đào tạo": TransferMode.CONSULTING,
}


def rich_text(value: Any, ctx: ImportContext) -> str:
    return sanitize_html(str(value))


def vnd(value: Any, ctx: ImportContext) -> int:
    number = importing.decimal(0)(value, ctx)
    if number != int(number):
        raise RowError(_("VND amounts are whole numbers"))
    if number > 10**15:
        raise RowError(_("amount too large"))
    return int(number)


def _slug(title: str) -> str:
    slug = slugify_vi(title, 100)
    return slug + "-1" if slug in RESERVED_SLUGS else slug


class _ListingImporter(ModelImporter):
    # An unknown owner/requester name creates the organisation when the row is written.
    org_column = ""
    derived_fields = ["slug"]

    def prepare(self, ctx: ImportContext) -> None:
        taxonomy.clear_caches()

    def to_model(self, values: dict[str, Any], ctx: ImportContext) -> tuple[dict, dict]:
        model_values, _m2m = super().to_model(values, ctx)
        if self.org_column in values:
            if values[self.org_column] is None:
                raise RowError(_("a value is required"), self.org_column)
            model_values[f"{self.org_column}_id"] = values[self.org_column]
        if "region" in values:
            model_values["region_id"] = values["region"]
        m2m = {"fields": values["fields"]} if "fields" in values else {}
        return model_values, m2m

    def before_create(self, obj: Any, ctx: ImportContext) -> None:
        if not getattr(obj, f"{self.org_column}_id", None):
            raise RowError(_("a value is required for a new record"), self.org_column)
        obj.slug = _slug(obj.title)

    def update_derived(self, obj: Any, ctx: ImportContext) -> None:
        obj.slug = _slug(obj.title)

    def apply_batch(self, rows, ctx):
        outcomes = super().apply_batch(rows, ctx)
        pks = [pk for _o, pk in outcomes]
        changed = [pk for outcome, pk in outcomes if outcome != importing.UNCHANGED]
        if changed:
            # Bulk writes skip the signals that feed the search outbox: record the rows here,
            # in the batch's transaction (docs/search.md, the outbox).
            from openstx.search import outbox

            outbox.record_changes(self.model, changed)
        now, today = timezone.now(), timezone.localdate()
        live = self.model.objects.filter(pk__in=pks, status=S.PUBLISHED)
        live.filter(published_at__isnull=True).update(published_at=now)
        live.filter(valid_until__isnull=True).update(valid_until=today + dt.timedelta(days=365))
        return outcomes

    def export_queryset(self, ctx: ImportContext) -> QuerySet[Any]:
        qs = super().export_queryset(ctx)
        assert isinstance(qs, QuerySet)  # the base returns a queryset whenever a model is set
        return qs.select_related(self.org_column, "region").prefetch_related("fields")

    @staticmethod
    def _codes(obj: Any) -> list[str]:
        return sorted(f.code for f in obj.fields.all())

    @staticmethod
    def _org(org: Any) -> str:
        return (org.external_id or org.name) if org else ""


@register
class OfferImporter(_ListingImporter):
    kind = "offers"
    label = "Technology offers"
    model = Offer
    org_column = "owner"
    columns = [
        Column("external_id", required=True, parse=importing.text(100)),
        Column("title", required=True, parse=importing.text(300)),
        Column("summary", parse=importing.text(300)),
        Column("description", multiline=True, parse=rich_text),
        Column(
            "kind",
            parse=importing.choice(Offer.Kind, KIND_ALIASES),
            default="technology",
            help="technology, equipment, service, solution",
        ),
        Column("fields", multiple=True, parse=parse_field, help="codes or names separated by ;"),
        Column("keywords", parse=importing.text(500)),
        Column("trl", parse=importing.integer(1, 9), default=None, help="1–9"),
        Column(
            "transfer_modes",
            multiple=True,
            parse=importing.choice(TransferMode, MODE_ALIASES),
            help="sale; licence_exclusive; licence_nonexclusive; joint_venture; "
            "rnd_cooperation; consulting_training",
        ),
        Column("price_vnd", parse=vnd, default=None, help="VND, blank = negotiable"),
        Column(
            "owner",
            parse=parse_organization_deferred,
            default=None,
            help="organisation external_id or name (created if new)",
        ),
        Column("region", parse=parse_admin_unit, default=None, help="province code or name"),
        Column("status", parse=importing.choice(S, STATUS_ALIASES), default=S.DRAFT),
    ]

    def to_model(self, values: dict[str, Any], ctx: ImportContext) -> tuple[dict, dict]:
        model_values, m2m = super().to_model(values, ctx)
        if "transfer_modes" in values:
            model_values["transfer_modes"] = ",".join(dict.fromkeys(values["transfer_modes"]))
        if "price_vnd" in values:
            model_values["price_negotiable"] = values["price_vnd"] is None
        return model_values, m2m

    def export_row(self, obj: Offer, ctx: ImportContext) -> dict[str, Any]:
        return {
            "external_id": obj.external_id or "",
            "title": obj.title,
            "summary": obj.summary,
            "description": obj.description,
            "kind": obj.kind,
            "fields": self._codes(obj),
            "keywords": obj.keywords,
            "trl": obj.trl,
            "transfer_modes": obj.transfer_mode_list,
            "price_vnd": obj.price_vnd,
            "owner": self._org(obj.owner),
            "region": obj.region.code if obj.region else "",
            "status": obj.status,
        }


@register
class DemandImporter(_ListingImporter):
    kind = "demands"
    label = "Technology demands"
    model = Demand
    org_column = "requester"
    columns = [
        Column("external_id", required=True, parse=importing.text(100)),
        Column("title", required=True, parse=importing.text(300)),
        Column("description", multiline=True, parse=rich_text, help="the problem to solve"),
        Column("fields", multiple=True, parse=parse_field, help="codes or names separated by ;"),
        Column("min_trl", parse=importing.integer(1, 9), default=None),
        Column("budget_min_vnd", parse=vnd, default=None),
        Column("budget_max_vnd", parse=vnd, default=None),
        Column(
            "requester",
            parse=parse_organization_deferred,
            default=None,
            help="organisation external_id or name (created if new)",
        ),
        Column(
            "requester_anonymous",
            parse=importing.boolean(),
            default=False,
            help="yes: the public never sees the requester",
        ),
        Column("region", parse=parse_admin_unit, default=None),
        Column("deadline", parse=importing.date(), default=None),
        Column("status", parse=importing.choice(S, STATUS_ALIASES), default=S.DRAFT),
    ]

    def validate(self, values: dict[str, Any], ctx: ImportContext) -> None:
        low, high = values.get("budget_min_vnd"), values.get("budget_max_vnd")
        if low is not None and high is not None and low > high:
            raise RowError(_("budget_min_vnd is above budget_max_vnd"), "budget_max_vnd")
        deadline = values.get("deadline")
        if (
            deadline
            and deadline < timezone.localdate()
            and values.get("status") in (S.DRAFT, S.SUBMITTED, S.PUBLISHED)
        ):
            raise RowError(_("the deadline of an open demand is in the past"), "deadline")

    def to_model(self, values: dict[str, Any], ctx: ImportContext) -> tuple[dict, dict]:
        values = dict(values)
        if "description" in values:
            values["problem"] = values.pop("description")
        return super().to_model(values, ctx)

    def export_row(self, obj: Demand, ctx: ImportContext) -> dict[str, Any]:
        from openstx.exchange.services import can_see_requester

        # user=None is the operator's command line: everything. Any other viewer (the public
        # included) never learns an anonymous requester.
        show = ctx.user is None or can_see_requester(ctx.user, obj)
        return {
            "external_id": obj.external_id or "",
            "title": obj.title,
            "description": obj.problem,
            "fields": self._codes(obj),
            "min_trl": obj.min_trl,
            "budget_min_vnd": obj.budget_min_vnd,
            "budget_max_vnd": obj.budget_max_vnd,
            "requester": self._org(obj.requester) if show else "",
            "requester_anonymous": obj.requester_anonymous,
            "region": obj.region.code if obj.region else "",
            "deadline": obj.deadline,
            "status": obj.status,
        }
