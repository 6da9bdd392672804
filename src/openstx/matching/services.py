"""Matching: the matcher directions, connections made from a match, saved searches and alerts.
Views, the API, the CLI and jobs call these. The vectors store is :mod:`openstx.matching.store`,
the per-process candidate indexes :mod:`openstx.matching.candidates` (their public functions are
re-exported here).

Directions:

- :func:`match_demand` — a demand's best offers (or, ``experts=True``, experts);
- :func:`match_offer` — an offer's candidate demands (the offer is the query);
- :func:`council_experts` — experts for a text + field codes, minus excluded ids (for the S&T
  tasks app's councils);
- :func:`strongest_pairs` — the strongest demand–offer pairs with no connection yet (brokers).

Only published listings are ever candidates; the caller checks that the user may see the
listing being matched (``core.permissions.can(user, VIEW, listing)``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openstx.core.permissions import (
    CHANGE,
    can,
    is_authenticated,
    is_broker_or_officer,
    organization_ids,
)
from openstx.matching import embeddings
from openstx.matching.candidates import (
    bump as _bump,
)
from openstx.matching.candidates import (
    field_info,
    get_index,
    invalidate,
    province_of,
    record_of,
    waiting,
)
from openstx.matching.engine import Match, Query
from openstx.matching.models import Embedding, MatchAlert, Subscription
from openstx.matching.reasons import score_label
from openstx.matching.store import (
    after_write,
    embed,
    embed_pending,
    pending_count,
    roles_for,
    store_vectors,
    stored_vectors,
)
from openstx.matching.texts import (
    demand_text,
    kind_of,
    listing_text,
    models_by_kind,
    offer_text,
    text_of,
)

log = logging.getLogger(__name__)

__all__ = [
    "council_experts",
    "connect",
    "listing_text",
    "match_demand",
    "match_offer",
    "match_to_dict",
    "strongest_pairs",
    "subscribe",
    "save_search",
    "check_alerts",
    "send_digest",
    "embed_pending",
    "after_write",
    "embed",
    "get_index",
    "invalidate",
    "kind_of",
    "pending_count",
    "province_of",
    "record_of",
    "store_vectors",
    "stored_vectors",
    "text_of",
    "waiting",
    "_bump",
]

PUBLISHED = "published"
#: A new listing alerts a subscription when it enters the subscribed listing's top N matches.
ALERT_TOP = getattr(settings, "OPENSTX_MATCH_ALERT_TOP", 10)


def _ct(model: Any) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _models() -> dict[str, Any]:
    return models_by_kind()


_field_info = field_info


def query_vector(obj: Any) -> np.ndarray:
    """The listing's vector in the asking role: stored if current, else encoded now."""
    text = text_of(obj)
    h = embeddings.text_hash(text, embeddings.QUERY)
    got = stored_vectors(type(obj), embeddings.QUERY, [obj.pk]).get(obj.pk)
    if got is not None and got[0] == h:
        return got[1]
    embed([obj], embeddings.QUERY)
    return stored_vectors(type(obj), embeddings.QUERY, [obj.pk])[obj.pk][1]


# --- directions ---------------------------------------------------------------------------------


def match_demand(
    demand: Any,
    limit: int = 10,
    experts: bool = False,
    method: str = "hybrid",
    exclude: Iterable[Any] = (),
) -> list[Match]:
    """Best published offers (or experts) for ``demand``."""
    codes, _names = _field_info(demand)
    unit = province_of(demand.region)
    q = Query(
        text=demand_text(demand),
        vector=query_vector(demand),
        fields=codes,
        min_trl=None if experts else demand.min_trl,
        region=unit.code if unit else None,
        exclude=frozenset(exclude),
    )
    return get_index("expert" if experts else "offer").search(q, limit=limit, method=method)


def match_offer(
    offer: Any, limit: int = 10, method: str = "hybrid", exclude: Iterable[Any] = ()
) -> list[Match]:
    """Published demands that ``offer`` could answer (its TRL reaches their minimum)."""
    codes, _names = _field_info(offer)
    unit = province_of(offer.region)
    q = Query(
        text=offer_text(offer),
        vector=query_vector(offer),
        fields=codes,
        trl=offer.trl,
        region=unit.code if unit else None,
        exclude=frozenset(exclude),
    )
    return get_index("demand").search(q, limit=limit, method=method)


def council_experts(
    text: str, field_codes: Sequence[str] = (), exclude_ids: Iterable[int] = (), limit: int = 10
) -> list[Match]:
    """Experts for an S&T task (title + objectives …) — for selection and acceptance councils.

    ``exclude_ids``: experts who may not sit (host organisation, task team: the caller checks
    conflicts of interest and passes them here)."""
    q = Query(
        text=text,
        vector=embeddings.encode_one(text, embeddings.QUERY),
        fields=tuple(field_codes),
        exclude=frozenset(exclude_ids),
    )
    return get_index("expert").search(q, limit=limit)


def match_to_dict(m: Match) -> dict[str, Any]:
    r = m.record
    return {
        "id": r.id,
        "external_id": r.external_id or None,
        "title": r.title,
        "score": round(m.score, 4),
        "score_level": score_label(m.score)[0],
        "score_label": score_label(m.score)[1],
        "reasons": list(m.reasons),
        "type": r.extra.get("kind"),
        "url": r.extra.get("url", ""),
    }


def resolve(model: Any, ident: Any) -> Any:
    """A record by ``external_id`` or platform id (CLI/API contract)."""
    from openstx.core.lookup import find_by_ident

    return find_by_ident(model.objects.all(), ident)


# --- connections from a match ---------------------------------------------------------------


def can_connect(user: Any, source: Any) -> bool:
    """May ``user`` turn this listing's matches into connection requests?"""
    if not is_authenticated(user):
        return False
    return is_broker_or_officer(user) or source.organization_id in organization_ids(user)


def connect_hint(user: Any, source: Any) -> str:
    """What to do before this listing's matches can become connection requests ("" when they
    can now): the sentence shown instead of the "request a connection" buttons."""
    from openstx.exchange.models import Demand, ListingStatus

    S = ListingStatus
    demand = isinstance(source, Demand)
    if not is_authenticated(user):
        return str(_("Sign in to send a connection request."))
    if not can_connect(user, source):
        if demand:
            return str(
                _(
                    "Only the organisation that posted this demand, a broker or the department "
                    "can connect it; to offer a technology, open it and choose “I am interested”."
                )
            )
        return str(
            _(
                "Only the organisation that posted this offer, a broker or the department can "
                "propose it to these demands; to ask about the offer, choose “I am interested”."
            )
        )
    if source.status == PUBLISHED:
        return ""
    if source.status in (S.DRAFT, S.REJECTED):
        return str(
            _("Publish the demand before sending connection requests: submit it for approval.")
            if demand
            else _("Publish the offer before proposing it: submit it for approval.")
        )
    if source.status == S.SUBMITTED:
        return str(
            _("The demand is waiting for approval; connection requests open once it is published.")
            if demand
            else _("The offer is waiting for approval; you can propose it once it is published.")
        )
    if source.status == S.PAUSED:
        return str(_("Resume the listing before sending connection requests."))
    if source.status == S.EXPIRED:
        return str(_("Confirm the listing again (it expired) before sending connection requests."))
    return str(_("This listing is closed: it no longer takes connection requests."))


def expert_action(user: Any, demand: Any, expert: Any) -> tuple[str, str]:
    """What the viewer can do with an expert suggested for ``demand``: ("ask", "") for the
    demand's owner, ("broker", "") for brokers and staff, else ("", sentence saying why not or
    what to do instead). The button itself posts to ``matching:connect`` (``services.connect``
    → ``exchange.request_expert`` / ``broker_connect``)."""
    hint = connect_hint(user, demand)
    if not is_authenticated(user) or not can_connect(user, demand):
        return "", str(_("See the expert's profile for their fields and publications."))
    if hint:
        return "", hint
    if demand.requester_id in organization_ids(user):
        if expert is not None and not expert.user_id and not expert.organization_id:
            return "", str(
                _("This expert has no account or organisation on the platform yet: ask a broker.")
            )
        return "ask", ""
    return "broker", ""


def connect(
    user: Any, *, demand: Any = None, offer: Any = None, expert: Any = None, message: str = ""
) -> Any:
    """One click: a match becomes a connection request through the exchange's services.

    - a broker or officer proposes the demand–offer / demand–expert pair (``broker_connect``);
    - the demand's owner asks the offer's owner (``express_interest`` on the offer, for the
      demand's organisation), and the connection records the demand;
    - the offer's owner answers a demand (``express_interest`` on the demand) likewise;
    - the demand's owner asks an expert (``request_expert``).
    """
    from openstx.exchange import services as exchange

    if not is_authenticated(user):
        raise PermissionDenied(_("Log in to send a connection request."))
    if demand is None:
        raise ValidationError(_("Choose the demand to connect."))
    mine = organization_ids(user)
    if offer is not None and offer.owner_id in mine and demand.requester_id not in mine:
        return exchange.express_interest(
            user, demand, message, organization=offer.owner, counterpart=offer
        )
    if demand.requester_id in mine and offer is not None:
        return exchange.express_interest(
            user, offer, message, organization=demand.requester, counterpart=demand
        )
    if demand.requester_id in mine and expert is not None:
        return exchange.request_expert(user, demand, expert, message)
    if is_broker_or_officer(user):
        return exchange.broker_connect(user, demand, offer=offer, expert=expert, message=message)
    raise PermissionDenied(_("Only the listing's owner, a broker or staff can do this."))


def strongest_pairs(limit: int = 50, per_demand: int = 3, demands: int = 300) -> list[dict]:
    """The strongest demand–offer pairs across the exchange that have no connection yet."""
    from openstx.exchange.models import Connection, Demand

    linked = set(
        Connection.objects.filter(demand__isnull=False, offer__isnull=False).values_list(
            "demand_id", "offer_id"
        )
    )
    qs = (
        Demand.objects.filter(status=PUBLISHED)
        .select_related("region__parent__parent")
        .prefetch_related("fields")
        .order_by("-published_at")[:demands]
    )
    pairs: list[dict[str, Any]] = []
    for d in qs:
        for m in match_demand(d, limit=per_demand + 5):
            if (d.pk, m.record.id) in linked:
                continue
            pairs.append({"demand": d, "match": m})
            if sum(1 for p in pairs if p["demand"] is d) >= per_demand:
                break
    pairs.sort(key=lambda p: -p["match"].score)
    return pairs[:limit]


# --- saved searches, subscriptions and alerts ---------------------------------------------------


def subscribe(
    user: Any, listing: Any, frequency: str = Subscription.Frequency.IMMEDIATE
) -> Subscription:
    """Follow new matches for one's own demand or offer."""
    if not can(user, CHANGE, listing):
        raise PermissionDenied(_("You can follow matches only for your own listings."))
    kind = kind_of(listing)
    sub, _created = Subscription.objects.update_or_create(
        user=user,
        **{kind: listing},
        defaults={"kind": kind, "frequency": frequency, "active": True},
    )
    return sub


def save_search(
    user: Any, query: str, target: str = "offer", frequency: str = Subscription.Frequency.IMMEDIATE
) -> Subscription:
    if not is_authenticated(user):
        raise PermissionDenied(_("Log in to save a search."))
    from openstx.core.text import clean

    query = clean(query)[:300]
    if not query:
        raise ValidationError(_("Type the words to watch for."))
    if target not in Subscription.Target.values:
        raise ValidationError(_("Choose what to watch."))
    if frequency not in Subscription.Frequency.values:
        raise ValidationError(_("Choose how often to be told."))
    sub, _created = Subscription.objects.get_or_create(
        user=user,
        kind=Subscription.Kind.SEARCH,
        query=query,
        target=target,
        defaults={"frequency": frequency},
    )
    if sub.frequency != frequency or not sub.active:
        sub.frequency, sub.active = frequency, True
        sub.save(update_fields=["frequency", "active"])
    return sub


def query_matches_text(query: str, text: str) -> bool:
    """Does ``text`` satisfy a saved search the way the search service would (every word or one
    of its dictionary synonyms, accents optional)?"""
    from openstx.core.text import fold
    from openstx.matching.lexical import tokens

    hay = " " + " ".join(fold(t) for t in tokens(text)) + " "
    try:
        from openstx.search.query import parse

        pq = parse(query)
        groups = [[" ".join(alt.folded) for alt in g.alternatives] for g in pq.groups]
        excluded = [" ".join(alt.folded) for alt in pq.excluded]
    except Exception:  # noqa: BLE001 - search app unavailable: plain words
        groups = [[fold(t)] for t in tokens(query)]
        excluded = []
    if not groups:
        return False
    if any(f" {x} " in hay for x in excluded):
        return False
    return all(any(f" {alt} " in hay for alt in g) for g in groups)


def check_alerts(listing: Any) -> int:
    """Alerts for a newly published ``listing``: subscriptions whose demand/offer now has it in
    its top matches, and saved searches it satisfies. Idempotent (one alert per pair)."""
    if listing.status != PUBLISHED:
        return 0
    kind = kind_of(listing)
    subs = Subscription.objects.filter(active=True).select_related("user", "demand", "offer")
    if kind == "offer":
        subs = subs.filter(kind__in=[Subscription.Kind.DEMAND, Subscription.Kind.SEARCH])
    else:
        subs = subs.filter(kind__in=[Subscription.Kind.OFFER, Subscription.Kind.SEARCH])
    created = 0
    text = text_of(listing)
    for sub in subs:
        if sub.watches != kind or not sub.user.is_active:
            continue
        if listing.organization_id in organization_ids(sub.user):
            continue  # one's own listing is no news
        score, reasons = None, []
        if sub.kind == Subscription.Kind.SEARCH:
            if query_matches_text(sub.query, text):
                score, reasons = 1.0, [_("Contains: %(q)s") % {"q": sub.query}]
        else:
            source = sub.demand if sub.kind == Subscription.Kind.DEMAND else sub.offer
            if source is None or source.status != PUBLISHED:
                continue
            found = (
                match_demand(source, limit=ALERT_TOP)
                if sub.kind == Subscription.Kind.DEMAND
                else match_offer(source, limit=ALERT_TOP)
            )
            for m in found:
                if m.record.id == listing.pk:
                    score, reasons = m.score, m.reasons
                    break
        if score is None:
            continue
        try:
            with transaction.atomic():
                alert = MatchAlert.objects.create(
                    subscription=sub,
                    listing_type=kind,
                    listing_id=listing.pk,
                    title=listing.title[:300],
                    url=listing.get_absolute_url(),
                    score=score,
                    reasons=[str(r) for r in reasons],
                )
        except IntegrityError:
            continue  # already alerted for this pair
        created += 1
        if sub.frequency == Subscription.Frequency.IMMEDIATE:
            _notify_alerts(sub.user, [alert])
    return created


def _notify_alerts(user: Any, alerts: list[MatchAlert]) -> None:
    from openstx.exchange.services import notify

    # lazy texts with params: core.notifications renders them in the user's language
    params: dict[str, Any]
    if len(alerts) == 1:
        a = alerts[0]
        title = gettext_lazy("New match: %(title)s")
        body = "\n".join([str(a.subscription), *a.reasons]).replace("%", "%%")
        url, params = a.url, {"title": a.title[:200]}
    else:
        from django.urls import reverse

        title = gettext_lazy("%(n)s new matches for you")
        body = "\n".join(f"- {a.title} — {settings.SITE_URL}{a.url}" for a in alerts)
        url, params = reverse("matching:alerts"), {"n": len(alerts)}
        body = body.replace("%", "%%")
    notify([user], "match_alert", title, body, url, params=params)
    MatchAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(notified_at=timezone.now())


def send_digest() -> dict[str, int]:
    """One e-mail and one notification per user for the daily subscriptions' new alerts."""
    pending = (
        MatchAlert.objects.filter(
            notified_at__isnull=True,
            subscription__frequency=Subscription.Frequency.DAILY,
            subscription__active=True,
        )
        .select_related("subscription__user")
        .order_by("subscription__user_id", "created_at")
    )
    by_user: dict[int, list[MatchAlert]] = {}
    users: dict[int, Any] = {}
    for alert in pending:
        uid = alert.subscription.user_id
        users[uid] = alert.subscription.user
        by_user.setdefault(uid, []).append(alert)
    for uid, alerts in by_user.items():
        with transaction.atomic():
            _notify_alerts(users[uid], alerts)
    return {"users": len(by_user), "alerts": sum(len(a) for a in by_user.values())}


# --- jobs glue (signals call this; tasks run it) --------------------------------------------


def refresh(obj: Any, alerts: bool = True) -> dict[str, Any]:
    """Encode ``obj`` if its text changed and, for a published listing, run its alerts once."""
    kind = kind_of(obj)
    done = {role: embed([obj], role) for role in roles_for(kind)}
    new = 0
    if alerts and kind in ("offer", "demand") and obj.status == PUBLISHED:
        new = check_alerts(obj)
        Embedding.objects.filter(
            content_type=_ct(type(obj)), object_id=obj.pk, role=embeddings.PASSAGE
        ).update(updated_at=timezone.now())
    return {"encoded": sum(done.values()), "alerts": new}


def needs_refresh(obj: Any) -> bool:
    kind = kind_of(obj)
    if kind != "expert" and obj.status != PUBLISHED:
        return False
    h = embeddings.text_hash(text_of(obj), embeddings.PASSAGE)
    row = (
        Embedding.objects.filter(
            content_type=_ct(type(obj)), object_id=obj.pk, role=embeddings.PASSAGE
        )
        .values_list("text_hash", "updated_at")
        .first()
    )
    if row is None or row[0] != h:
        return True
    # a listing published (again) after its vector was stored has not been alerted yet
    published = getattr(obj, "published_at", None)
    return bool(published and row[1] and published > row[1])
