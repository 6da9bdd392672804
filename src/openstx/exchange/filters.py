"""Facets and sorting of the public offer and demand lists (shared by pages and the API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openstx.core.permissions import restrict
from openstx.directory.models import Organization
from openstx.exchange.models import Demand, ListingStatus, Offer, TransferMode
from openstx.taxonomy.models import FieldOfScience

OFFER_SORTS = {
    "new": ("-published_at", "-id"),
    "trl": ("-trl", "-published_at", "-id"),
    "price": ("price_vnd", "-published_at", "-id"),
    "-price": ("-price_vnd", "-published_at", "-id"),
}
DEMAND_SORTS = {
    "new": ("-published_at", "-id"),
    "trl": ("-min_trl", "-published_at", "-id"),
    "price": ("budget_max_vnd", "-published_at", "-id"),
    "-price": ("-budget_max_vnd", "-published_at", "-id"),
}
SORT_LABELS = {
    "new": _("Newest"),
    "trl": _("Highest TRL"),
    "price": _("Price: low to high"),
    "-price": _("Price: high to low"),
}


def _int(value: Any, low: int | None = None, high: int | None = None) -> int | None:
    try:
        number = int(str(value).replace(".", "").replace(",", "").strip())
    except (TypeError, ValueError):
        return None
    if low is not None and number < low:
        return None
    if high is not None and number > high:
        return None
    return number


@dataclass
class ListingFilter:
    """Parses query parameters (page or API) and applies them to the viewer's queryset."""

    model: type[Offer] | type[Demand]
    params: dict[str, Any]
    user: Any
    public_only: bool = True
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def is_offer(self) -> bool:
        return self.model is Offer

    def base(self) -> QuerySet:
        qs = restrict(self.model.objects.all(), self.user)
        if self.public_only:
            qs = qs.filter(status=ListingStatus.PUBLISHED)
        org = "owner" if self.is_offer else "requester"
        return qs.select_related(org, "region")

    def get(self, name: str) -> str:
        value = self.params.get(name, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value or "").strip()

    def getlist(self, name: str) -> list[str]:
        getter = getattr(self.params, "getlist", None)
        values = getter(name) if getter else self.params.get(name, [])
        if isinstance(values, str):
            values = [values]
        return [v for v in (str(x).strip() for x in values or []) if v]

    def apply(self, qs: QuerySet | None = None) -> QuerySet:
        qs = self.base() if qs is None else qs
        org = "owner" if self.is_offer else "requester"
        q = self.get("q")
        if q:
            from openstx.core.text import clean

            q = clean(q)[:200]
            cond = Q(title__icontains=q) | Q(keywords__icontains=q)
            cond |= Q(summary__icontains=q) if self.is_offer else Q(problem__icontains=q)
            qs = qs.filter(cond)
        fields = self.getlist("field")
        if fields:
            cond = Q()
            for code in fields[:20]:
                cond |= Q(fields__code__startswith=code)
            qs = qs.filter(pk__in=self.model.objects.filter(cond).values("pk"))
        trl = _int(self.get("trl"), 1, 9)
        if trl:
            qs = qs.filter(**{("trl__gte" if self.is_offer else "min_trl__gte"): trl})
        region = self.get("region")
        if region:
            qs = qs.filter(Q(region__code=region) | Q(region__parent__code=region))
        org_type = self.get("org_type")
        if org_type in Organization.Type.values:
            if self.is_offer:
                qs = qs.filter(owner__type=org_type)
            else:  # an anonymous requester's type is not a facet the public may filter by
                qs = qs.filter(requester__type=org_type, requester_anonymous=False)
        org_id = _int(self.get("org"), 1)
        if org_id:
            qs = qs.filter(**{f"{org}_id": org_id})
            if not self.is_offer:
                qs = qs.filter(requester_anonymous=False)
        price_min = _int(self.get("price_min"), 0)
        price_max = _int(self.get("price_max"), 0)
        if self.is_offer:
            kind = self.get("kind")
            if kind in Offer.Kind.values:
                qs = qs.filter(kind=kind)
            mode = self.get("mode")
            if mode in TransferMode.values:
                qs = qs.filter(transfer_modes__contains=mode)
            if price_min is not None:
                qs = qs.filter(price_vnd__gte=price_min)
            if price_max is not None:
                qs = qs.filter(price_vnd__lte=price_max)
        else:
            if price_min is not None:
                qs = qs.filter(budget_max_vnd__gte=price_min)
            if price_max is not None:
                qs = qs.filter(budget_min_vnd__lte=price_max)
        sorts = OFFER_SORTS if self.is_offer else DEMAND_SORTS
        order = sorts.get(self.get("sort") or "new", sorts["new"])
        from django.db.models import F

        ordering = []
        for key in order:
            name = key.lstrip("-")
            expr = F(name)
            ordering.append(
                expr.desc(nulls_last=True) if key.startswith("-") else expr.asc(nulls_last=True)
            )
        return qs.order_by(*ordering)

    FACET_PARAMS = (
        "q",
        "field",
        "kind",
        "trl",
        "mode",
        "region",
        "org_type",
        "org",
        "price_min",
        "price_max",
    )
    FACET_CACHE_SECONDS = 60

    def compute_facets(self, qs: QuerySet) -> dict[str, list[dict[str, Any]]]:
        """Counts for each facet value over the filtered queryset (top-level fields).

        Public lists show published listings only, the same for every viewer, so the counts are
        cached per filter combination, language and search-outbox generation (which every
        change to a listing advances), for at most a minute.
        """
        if not self.public_only:
            self.facets = self._facets(qs)
            return self.facets
        import hashlib

        from django.core.cache import cache
        from django.utils.translation import get_language

        parts = [f"{k}={v}" for k in self.FACET_PARAMS for v in sorted(self.getlist(k))]
        digest = hashlib.sha256("&".join(parts).encode()).hexdigest()[:24]
        from openstx.search.outbox import position

        # Every change to an indexed record advances the outbox: counts are never stale.
        key = (
            f"exchange:facets:{self.model._meta.model_name}:{get_language()}:{position()}:{digest}"
        )
        # the cache holds untyped values; this key only ever stores what ``_facets`` returns
        self.facets = cast(
            dict[str, list[dict[str, Any]]],
            cache.get_or_set(key, lambda: self._facets(qs), self.FACET_CACHE_SECONDS),
        )
        return self.facets

    def _facets(self, qs: QuerySet) -> dict[str, list[dict[str, Any]]]:
        from django.db.models.functions import Substr

        base = qs.order_by()
        facets: dict[str, list[dict[str, Any]]] = {}
        counts = dict(
            base.filter(fields__isnull=False)
            .annotate(top=Substr("fields__code", 1, 1))
            .values_list("top")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        names = {f.code: f.name for f in FieldOfScience.objects.filter(code__in=list(counts))}
        facets["field"] = [
            {"value": c, "label": names.get(c, c), "count": n} for c, n in sorted(counts.items())
        ]
        if self.is_offer:
            kinds = dict(base.values_list("kind").annotate(n=Count("pk")).order_by())
            facets["kind"] = [
                {"value": k, "label": str(lbl), "count": kinds.get(k, 0)}
                for k, lbl in Offer.Kind.choices
            ]
            modes = base.aggregate(
                **{
                    code: Count("pk", filter=Q(transfer_modes__contains=code))
                    for code in TransferMode.values
                }
            )
            facets["mode"] = [
                {"value": k, "label": str(lbl), "count": modes.get(k, 0)}
                for k, lbl in TransferMode.choices
            ]
            org_types = dict(base.values_list("owner__type").annotate(n=Count("pk")).order_by())
        else:
            org_types = dict(
                base.filter(requester_anonymous=False)
                .values_list("requester__type")
                .annotate(n=Count("pk"))
                .order_by()
            )
        facets["org_type"] = [
            {"value": k, "label": str(lbl), "count": org_types.get(k, 0)}
            for k, lbl in Organization.Type.choices
            if org_types.get(k)
        ]
        regions = (
            base.filter(region__isnull=False)
            .values_list("region__code", "region__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        facets["region"] = sorted(
            ({"value": c, "label": name, "count": n} for c, name, n in regions),
            key=lambda r: (-r["count"], r["label"]),
        )
        return facets
