"""News and calls for proposals: writing, scheduling, publishing, the home page teasers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core.permissions import (
    CHANGE,
    can,
    can_add,
    is_authenticated,
)
from openstx.core.text import clean
from openstx.core.uploads import CheckedImage, check_image
from openstx.portal.models import (
    Article,
)

# --- articles ------------------------------------------------------------------------------------


def publish_due(now: dt.datetime | None = None) -> int:
    """Mark articles whose publication time has come as live (and tell the search index).
    Called by the list pages, the feed, the API and the ``portal_publish`` command."""
    from openstx.search import outbox

    now = now or timezone.now()
    due = Article.objects.filter(status=Article.Status.PUBLISHED, publish_at__lte=now, live=False)
    pks = list(due.values_list("pk", flat=True))
    if not pks:
        return 0
    with transaction.atomic():
        Article.objects.filter(pk__in=pks).update(live=True)
        outbox.record_changes(Article, pks)
    return len(pks)


def _store_image(article: Article, checked: CheckedImage) -> None:
    assert checked.content.name and checked.thumbnail.name  # core.uploads names both files
    article.image.save(checked.content.name, checked.content, save=False)
    article.thumbnail.save(checked.thumbnail.name, checked.thumbnail, save=False)


def set_article_image(article: Article, upload: Any) -> Article:
    """Re-encode an uploaded image (core.uploads) and store it with its thumbnail."""
    _store_image(article, check_image(upload))
    article.save()
    return article


def publish_article(article: Article, actor: Any, when: dt.datetime | None = None) -> Article:
    """Publish now, or at ``when`` (a future time schedules it: hidden until then, then made
    live by ``publish_due`` — the list pages, the feed and the periodic job call it)."""
    if not can(actor, CHANGE, article):
        raise PermissionDenied(_("Only department staff publish articles."))
    article.status = Article.Status.PUBLISHED
    article.publish_at = when or article.publish_at or timezone.now()
    article.save()
    return article


def unpublish_article(article: Article, actor: Any) -> Article:
    """Back to draft: off the public pages, the feed and the search results at once."""
    if not can(actor, CHANGE, article):
        raise PermissionDenied(_("Only department staff unpublish articles."))
    article.status = Article.Status.DRAFT
    article.save()
    return article


ARTICLE_FIELDS = (
    "title",
    "category",
    "summary",
    "body",
    "publish_at",
    "organization",
    "deadline",
    "event_start",
    "event_place",
)


def save_article(
    article: Article | None,
    actor: Any,
    data: dict[str, Any],
    *,
    action: str = "draft",
    image: Any = None,
    remove_image: bool = False,
) -> Article:
    """Create or edit an article from the editor. ``action``: ``draft`` keeps it (or puts it
    back) out of public view; ``publish`` publishes it at ``publish_at`` (now when empty; a
    future time schedules it). The body is sanitised (core.richtext) by ``Article.save``; the
    image is sniffed, re-encoded and thumbnailed (core.uploads) before anything is stored."""
    if article is None:
        if not can_add(actor, Article):
            raise PermissionDenied(_("Only department staff write articles."))
        article = Article(author=actor if is_authenticated(actor) else None)
    elif not can(actor, CHANGE, article):
        raise PermissionDenied(_("Only department staff write articles."))
    if action not in ("draft", "publish"):
        raise ValidationError(_("Unknown action."))
    checked = check_image(image) if image else None  # raises before anything is saved
    tasks = data.get("tasks")
    for name in ARTICLE_FIELDS:
        if name in data:
            setattr(article, name, data[name])
    article.title = clean(article.title)
    if not article.title:
        raise ValidationError(_("An article needs a title."))
    if article.category != Article.Category.CALL:
        article.deadline = None
    if action == "publish":
        article.status = Article.Status.PUBLISHED
        article.publish_at = article.publish_at or timezone.now()
    else:
        article.status = Article.Status.DRAFT
    with transaction.atomic():
        if remove_image and article.image:
            article.image.delete(save=False)
            article.thumbnail.delete(save=False)
        if checked is not None:
            _store_image(article, checked)
        article.save()
        if tasks is not None:
            article.tasks.set(tasks if article.category == Article.Category.CALL else [])
    return article


def tasks_by_codes(codes: Iterable[str]) -> list[Any]:
    """The S&T tasks a call concerns, from their codes; unknown codes are refused by name."""
    from openstx.projects.models import Task

    wanted = [c.strip() for c in codes if c and c.strip()]
    tasks = list(Task.objects.filter(code__in=wanted))
    missing = sorted(set(wanted) - {t.code for t in tasks})
    if missing:
        raise ValidationError(
            _("No S&T task with the code %(codes)s.") % {"codes": ", ".join(missing)}
        )
    return tasks


def article_state(article: Article, now: dt.datetime | None = None) -> str:
    """``draft``, ``scheduled`` (published with a future time) or ``published``."""
    if article.status != Article.Status.PUBLISHED:
        return "draft"
    now = now or timezone.now()
    if article.publish_at and article.publish_at > now:
        return "scheduled"
    return "published"


def latest_articles(limit: int = 5, now: dt.datetime | None = None) -> dict[str, list[Article]]:
    """For the home page: the newest public news (not calls) and the calls still open, soonest
    deadline first. Two queries, only the columns a teaser needs."""
    now = now or timezone.now()
    cols = ("pk", "title", "slug", "category", "summary", "publish_at", "deadline")
    visible = Article.objects.visible(now).only(*cols)
    news = list(visible.exclude(category=Article.Category.CALL).order_by("-publish_at")[:limit])
    calls = list(
        visible.filter(category=Article.Category.CALL)
        .filter(Q(deadline__isnull=True) | Q(deadline__gte=now))
        .order_by(F("deadline").asc(nulls_last=True), "-publish_at")[:limit]
    )
    return {"news": news, "calls": calls}
