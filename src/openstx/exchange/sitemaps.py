"""sitemap.xml entries for published offers, demands and events."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import path, reverse

from openstx.exchange.models import Demand, Event, ListingStatus, Offer


class OfferSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7
    limit = 5000

    def items(self):
        return (
            Offer.objects.filter(status=ListingStatus.PUBLISHED)
            .only("pk", "slug", "updated_at")
            .order_by("pk")
        )

    def lastmod(self, obj):
        return obj.updated_at


class DemandSitemap(OfferSitemap):
    def items(self):
        return (
            Demand.objects.filter(status=ListingStatus.PUBLISHED)
            .only("pk", "slug", "updated_at")
            .order_by("pk")
        )


class EventSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return Event.objects.exclude(status=Event.Status.DRAFT).order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


class ExchangePagesSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["exchange:offer-list", "exchange:demand-list", "exchange:event-list"]

    def location(self, item: str) -> str:
        return reverse(item)


sitemaps = {
    "exchange": ExchangePagesSitemap,
    "offers": OfferSitemap,
    "demands": DemandSitemap,
    "events": EventSitemap,
}


def sitemap_view(request):
    """/sitemap.xml — other apps can add their classes to ``sitemaps`` before it is served."""
    from django.contrib.sitemaps.views import sitemap

    return sitemap(request, sitemaps=sitemaps)


# ``path("sitemap.xml", include("openstx.exchange.sitemaps"))`` in the root URLconf.
urlpatterns = [path("", sitemap_view, name="sitemap")]
