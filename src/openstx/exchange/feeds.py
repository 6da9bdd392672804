"""Atom feed of newly published offers and demands (anonymous requesters stay anonymous)."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from openstx.core.richtext import plain_text
from openstx.exchange.models import Demand, ListingStatus, Offer

LIMIT = 50


class ListingFeed(Feed):
    feed_type = Atom1Feed
    title = _("New technology offers and demands")
    subtitle = _("Listings newly published on the technology exchange.")

    def link(self) -> str:
        return reverse("exchange:offer-list")

    def items(self) -> list[Any]:
        # Four queries whatever the number of items: offers and demands with their
        # organisation (select_related) and their fields (prefetch_related).
        live = ListingStatus.PUBLISHED
        offers = list(
            Offer.objects.filter(status=live)
            .select_related("owner")
            .prefetch_related("fields")
            .order_by("-published_at")[:LIMIT]
        )
        demands = list(
            Demand.objects.filter(status=live)
            .select_related("requester")
            .prefetch_related("fields")
            .order_by("-published_at")[:LIMIT]
        )
        # live listings always have a publication time; created_at is only a typed fallback
        items = sorted(
            [*offers, *demands], key=lambda x: x.published_at or x.created_at, reverse=True
        )
        return items[:LIMIT]

    def item_title(self, item: Any) -> str:
        prefix = _("Offer") if isinstance(item, Offer) else _("Demand")
        return f"[{prefix}] {item.title}"

    def item_description(self, item: Any) -> str:
        return plain_text(item.summary_text, 400)

    def item_link(self, item: Any) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Any):
        return item.published_at

    def item_updateddate(self, item: Any):
        return item.updated_at

    def item_author_name(self, item: Any) -> str:
        if isinstance(item, Demand) and item.requester_anonymous:
            return str(_("Anonymous business"))
        return item.organization.name

    def item_categories(self, item: Any) -> list[str]:
        return [f.name for f in item.fields.all()]
