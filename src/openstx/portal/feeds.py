"""Atom feed of published articles (scheduled ones appear once their time has come)."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from openstx.core.richtext import plain_text
from openstx.portal import services
from openstx.portal.models import Article

LIMIT = 50


class ArticleFeed(Feed):
    feed_type = Atom1Feed
    title = _("News and announcements of the Department of Science and Technology")
    subtitle = _("News, calls for proposals, policy and events.")

    def get_object(self, request: Any, *args: Any, **kwargs: Any) -> str:
        category = request.GET.get("category", "")
        return category if category in Article.Category.values else ""

    def link(self, obj: str) -> str:
        return reverse("portal:article-list") + (f"?category={obj}" if obj else "")

    def items(self, obj: str) -> list[Article]:
        services.publish_due()
        qs = Article.objects.visible().select_related("organization")
        if obj:
            qs = qs.filter(category=obj)
        return list(qs.order_by("-publish_at", "-pk")[:LIMIT])

    def item_title(self, item: Article) -> str:
        return f"[{item.get_category_display()}] {item.title}"

    def item_description(self, item: Article) -> str:
        return item.summary or plain_text(item.body, 400)

    def item_link(self, item: Article) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Article):
        return item.publish_at

    def item_updateddate(self, item: Article):
        return item.updated_at

    def item_categories(self, item: Article) -> list[str]:
        return [str(item.get_category_display())]
