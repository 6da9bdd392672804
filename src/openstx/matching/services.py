"""Matching: the embedding store, cached candidate indexes, the matcher directions, connections
made from a match, saved searches and alerts. Views, the API, the CLI and jobs call these.

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
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openstx.core.permissions import (
    CHANGE,
    can,
    is_authenticated,
    is_broker_or_officer,
    organization_ids,
)
from openstx.matching import embeddings
from openstx.matching.engine import CandidateIndex, Match, Query, Record
from openstx.matching.models import Embedding, MatchAlert, Subscription
from openstx.matching.texts import demand_text, expert_text, listing_text, offer_text

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
]

PUBLISHED = "published"
#: A new listing alerts a subscription when it enters the subscribed listing's top N matches.
ALERT_TOP = getattr(settings, "OPENSTX_MATCH_ALERT_TOP", 10)
#: Missing vectors encoded inline when an index is built (beyond that: the background job).
INLINE_ENCODE_MAX = 32


def _models() -> dict[str, Any]:
    from openstx.directory.models import Expert
    from openstx.exchange.models import Demand, Offer

    return {"offer": Offer, "demand": Demand, "expert": Expert}


def kind_of(obj: Any) -> str:
    return {v: k for k, v in _models().items()}[type(obj)]


def text_of(obj: Any) -> str:
    kind = kind_of(obj)
    if kind == "offer":
        return offer_text(obj)
    if kind == "demand":
        return demand_text(obj)
    return expert_text(obj)


# --- the embedding store ------------------------------------------------------------------------


def _ct(model: Any) -> ContentType:
    return ContentType.objects.get_for_model(model)


def stored_vectors(
    model: Any, role: str, ids: Iterable[int] | None = None
) -> dict[int, tuple[str, np.ndarray]]:
    qs = Embedding.objects.filter(
        content_type=_ct(model), role=role, model_name=embeddings.MODEL_NAME
    )
    if ids is not None:
        qs = qs.filter(object_id__in=list(ids))
    return {
        oid: (h, embeddings.from_bytes(v))
        for oid, h, v in qs.values_list("object_id", "text_hash", "vector").iterator(
            chunk_size=2000
        )
    }


def embed(objs: Sequence[Any], role: str, processes: int = 1, progress: Any = None) -> int:
    """Encode the records whose text changed since their vector was stored; returns how many."""
    if not objs:
        return 0
    model = type(objs[0])
    ct = _ct(model)
    texts = {o.pk: text_of(o) for o in objs}
    hashes = {pk: embeddings.text_hash(t, role) for pk, t in texts.items()}
    have = dict(
        Embedding.objects.filter(content_type=ct, role=role, object_id__in=list(texts)).values_list(
            "object_id", "text_hash"
        )
    )
    todo = [pk for pk in texts if have.get(pk) != hashes[pk]]
    if not todo:
        return 0
    batch = [texts[pk] for pk in todo]
    if processes > 1 and len(batch) > 64:
        vecs = embeddings.encode_parallel(batch, role, processes=processes, progress=progress)
    else:
        vecs = embeddings.encode(batch, role)
        if progress is not None:
            progress.advance(len(batch))
    by_pk = {o.pk: o for o in objs}
    return store_vectors([by_pk[pk] for pk in todo], role, vecs, texts=[texts[pk] for pk in todo])


def store_vectors(
    objs: Sequence[Any], role: str, vecs: np.ndarray, texts: Sequence[str] | None = None
) -> int:
    """Save vectors computed elsewhere (a job, worker processes, a cache on disk)."""
    if not objs:
        return 0
    ct = _ct(type(objs[0]))
    texts = list(texts) if texts is not None else [text_of(o) for o in objs]
    rows = [
        Embedding(
            content_type=ct,
            object_id=o.pk,
            role=role,
            text_hash=embeddings.text_hash(texts[i], role),
            model_name=embeddings.MODEL_NAME,
            vector=embeddings.to_bytes(vecs[i]),
        )
        for i, o in enumerate(objs)
    ]
    with transaction.atomic():
        Embedding.objects.filter(
            content_type=ct, role=role, object_id__in=[o.pk for o in objs]
        ).delete()
        Embedding.objects.bulk_create(rows, batch_size=500)
    _bump()
    return len(rows)


def roles_for(kind: str) -> tuple[str, ...]:
    # offers and demands are found (passage) and also ask (query: offer -> demands and back)
    return (embeddings.PASSAGE,) if kind == "expert" else (embeddings.PASSAGE, embeddings.QUERY)


def _candidates_qs(kind: str) -> Any:
    model = _models()[kind]
    if kind == "expert":
        return model.objects.select_related("organization").prefetch_related(
            "fields", "publications"
        )
    qs = model.objects.filter(status=PUBLISHED).prefetch_related("fields")
    return qs.select_related("region__parent__parent", "region__successor")


def embed_pending(
    processes: int = 0,
    kinds: Sequence[str] = ("offer", "demand", "expert"),
    job: Any = None,
    roles: Sequence[str] | None = None,
) -> dict[str, int]:
    """Bring every candidate's vectors up to date (CLI, jobs, the benchmark)."""
    from openstx.core.progress import Progress

    counts = {}
    for kind in kinds:
        objs = list(_candidates_qs(kind))
        for role in roles_for(kind):
            if roles is not None and role not in roles:
                continue
            with Progress(
                total=len(objs), desc=f"{kind} {role}", job=job, unit="rec", bar=False
            ) as progress:
                counts[f"{kind}:{role}"] = embed(
                    objs, role, processes=processes or 1, progress=progress
                )
    return counts


# --- candidate indexes (cached per process, rebuilt when rows or vectors change) ---------------

_cache: dict[str, tuple[Any, CandidateIndex, int, float]] = {}
_cache_lock = threading.Lock()
_version = [0]


def _bump() -> None:
    _version[0] += 1


def invalidate() -> None:
    with _cache_lock:
        _cache.clear()
    _bump()


def _stamp(kind: str) -> tuple:
    model = _models()[kind]
    qs = model.objects.all() if kind == "expert" else model.objects.filter(status=PUBLISHED)
    rows = qs.aggregate(n=Count("pk"), m=Max("updated_at"))
    emb = Embedding.objects.filter(content_type=_ct(model), role=embeddings.PASSAGE).aggregate(
        n=Count("pk"), m=Max("updated_at")
    )
    return (rows["n"], rows["m"], emb["n"], emb["m"])


def province_of(unit: Any) -> Any:
    """The province of an administrative unit (after the 2025 merges: its successor)."""
    while unit is not None and getattr(unit, "level", 1) > 1 and unit.parent_id:
        unit = unit.parent
    if unit is not None and not getattr(unit, "is_current", True) and unit.successor_id:
        unit = unit.successor
    return unit


def _field_info(obj: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    fields = list(obj.fields.all())
    return tuple(f.code for f in fields), {f.code: f.name for f in fields}


def record_of(obj: Any, kind: str) -> Record:
    codes, names = _field_info(obj)
    if kind == "expert":
        return Record(
            id=obj.pk,
            external_id=obj.external_id or "",
            title=obj.display_name,
            text=expert_text(obj),
            fields=codes,
            field_names=names,
            keywords=tuple(obj.keyword_list),
            extra={"url": obj.get_absolute_url(), "kind": kind},
        )
    unit = province_of(obj.region)
    return Record(
        id=obj.pk,
        external_id=obj.external_id or "",
        title=obj.title,
        text=text_of(obj),
        fields=codes,
        field_names=names,
        trl=obj.trl if kind == "offer" else obj.min_trl,
        region=unit.code if unit else None,
        region_name=unit.name if unit else "",
        keywords=tuple(obj.keyword_list),
        extra={"url": obj.get_absolute_url(), "kind": kind},
    )


#: Seconds during which a cached index is trusted without asking the database (changes made in
#: this process invalidate at once; other processes' changes show within this delay).
STAMP_SECONDS = 1.0


def get_index(kind: str) -> CandidateIndex:
    """The candidate index of ``kind`` (published offers/demands, or experts), kept per process."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(kind)
        if hit is not None and hit[2] == _version[0] and now - hit[3] < STAMP_SECONDS:
            return hit[1]
    version = _version[0]
    stamp = _stamp(kind)
    with _cache_lock:
        if hit is not None and hit[0] == stamp:
            _cache[kind] = (stamp, hit[1], version, now)
            return hit[1]
    objs = list(_candidates_qs(kind))
    vectors = stored_vectors(_models()[kind], embeddings.PASSAGE)
    missing = [o for o in objs if o.pk not in vectors]
    if missing and len(missing) <= INLINE_ENCODE_MAX:
        embed(missing, embeddings.PASSAGE)
        vectors = stored_vectors(_models()[kind], embeddings.PASSAGE)
        stamp = _stamp(kind)
    records = [record_of(o, kind) for o in objs]
    matrix = np.zeros((len(records), embeddings.DIM), dtype=np.float32)
    for i, o in enumerate(objs):
        v = vectors.get(o.pk)
        if v is not None:
            matrix[i] = v[1]
    index = CandidateIndex(records, matrix)
    with _cache_lock:
        _cache[kind] = (stamp, index, version, time.monotonic())
    return index


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
    pairs = []
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
    from django.utils import translation

    from openstx.exchange.services import notify

    lang = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(lang):
        if len(alerts) == 1:
            a = alerts[0]
            title = _("New match: %(title)s") % {"title": a.title[:200]}
            body = "\n".join([str(a.subscription), *a.reasons])
            url = a.url
        else:
            title = _("%(n)s new matches for you") % {"n": len(alerts)}
            body = "\n".join(f"- {a.title} — {settings.SITE_URL}{a.url}" for a in alerts)
            from django.urls import reverse

            url = reverse("matching:alerts")
        notify([user], "match_alert", title, body, url)
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


# --- the dev set (benchmark) ---------------------------------------------------------------------


@dataclass
class _Loaded:
    offers: int
    demands: int


def load_devset_rows(offers: list[dict], demands: list[dict]) -> dict[str, int]:
    """Load benchmark rows into the exchange models (idempotent by external_id)."""
    from openstx.directory.models import Organization
    from openstx.exchange.models import Demand, Offer
    from openstx.matching.signals import suppressed
    from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

    if not FieldOfScience.objects.exists():
        from openstx.taxonomy.services import load_all

        load_all()
    fields = {f.code: f for f in FieldOfScience.objects.all()}
    units = {u.code: u for u in AdministrativeUnit.objects.filter(level=1)}
    orgs: dict[str, Any] = {}

    def org(name: str) -> Any:
        if name not in orgs:
            orgs[name] = Organization.objects.filter(
                name=name
            ).first() or Organization.objects.create(name=name)
        return orgs[name]

    def codes(value: str) -> list[Any]:
        return [fields[c] for c in value.split(";") if c in fields]

    now = timezone.now()
    with transaction.atomic(), suppressed():
        for row in offers:
            obj = Offer.objects.filter(external_id=row["external_id"]).first() or Offer(
                external_id=row["external_id"]
            )
            obj.title, obj.summary = row["title"], row.get("summary", "")
            obj.description, obj.keywords = row.get("description", ""), row.get("keywords", "")
            obj.kind, obj.trl = row.get("kind", "technology"), row.get("trl")
            obj.owner, obj.region = org(row["owner"]), units.get(row.get("region") or "")
            obj.status, obj.published_at = PUBLISHED, obj.published_at or now
            obj.save()
            obj.fields.set(codes(row.get("fields", "")))
        for row in demands:
            obj = Demand.objects.filter(external_id=row["external_id"]).first() or Demand(
                external_id=row["external_id"]
            )
            obj.title, obj.problem = row["title"], row.get("description", "")
            obj.min_trl, obj.requester = row.get("min_trl"), org(row["requester"])
            obj.region = units.get(row.get("region") or "")
            obj.status, obj.published_at = PUBLISHED, obj.published_at or now
            obj.save()
            obj.fields.set(codes(row.get("fields", "")))
    invalidate()
    return {"offers": len(offers), "demands": len(demands)}


def load_synthetic_offers(rows: list[dict], vectors: np.ndarray) -> int:
    """Benchmark filler: bulk-insert synthetic published offers with precomputed vectors
    (idempotent by external_id; no signals, no search outbox: a scratch database)."""
    from openstx.directory.models import Organization
    from openstx.exchange.models import Offer
    from openstx.taxonomy.models import FieldOfScience

    have = set(
        Offer.objects.filter(external_id__startswith="synthetic-").values_list(
            "external_id", flat=True
        )
    )
    todo = [(i, r) for i, r in enumerate(rows) if r["external_id"] not in have]
    if not todo:
        return 0
    org = Organization.objects.get_or_create(name="Tổ chức thử nghiệm hiệu năng")[0]
    fields = {f.code: f.pk for f in FieldOfScience.objects.all()}
    now = timezone.now()
    with transaction.atomic():
        objs = Offer.objects.bulk_create(
            [
                Offer(
                    external_id=r["external_id"],
                    title=r["title"],
                    slug="synthetic",
                    summary=r.get("summary", ""),
                    description=r["description"],
                    keywords=r["keywords"],
                    trl=r["trl"],
                    owner=org,
                    status=PUBLISHED,
                    published_at=now,
                )
                for _i, r in todo
            ],
            batch_size=1000,
        )
        objs = list(Offer.objects.filter(external_id__in=[r["external_id"] for _i, r in todo]))
        by_ext = {o.external_id: o for o in objs}
        through = Offer.fields.through
        through.objects.bulk_create(
            [
                through(offer_id=by_ext[r["external_id"]].pk, fieldofscience_id=fields[c])
                for _i, r in todo
                for c in r["fields"].split(";")
                if c in fields
            ],
            batch_size=2000,
        )
        ordered = [by_ext[r["external_id"]] for _i, r in todo]
        store_vectors(ordered, embeddings.PASSAGE, vectors[[i for i, _r in todo]])
    invalidate()
    return len(todo)


def devset_index_and_queries(demands: list[dict]) -> tuple[CandidateIndex, list[Query]]:
    """The product's offer index restricted to the dev set, and one query per dev demand."""
    from openstx.exchange.models import Demand

    full = get_index("offer")
    keep = [i for i, r in enumerate(full.records) if str(r.external_id).startswith("devset-")]
    records = []
    for i in keep:
        r = full.records[i]
        records.append(Record(**{**r.__dict__, "id": r.external_id}))
    index = CandidateIndex(records, full.matrix[keep])
    by_ext = {
        d.external_id: d
        for d in Demand.objects.filter(external_id__in=[d["external_id"] for d in demands])
        .prefetch_related("fields")
        .select_related("region__parent__parent")
    }
    queries = []
    for row in demands:
        d = by_ext[row["external_id"]]
        codes, _names = _field_info(d)
        unit = province_of(d.region)
        queries.append(
            Query(
                text=demand_text(d),
                vector=query_vector(d),
                fields=codes,
                min_trl=d.min_trl,
                region=unit.code if unit else None,
            )
        )
    return index, queries


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = func(*args, **kwargs)
    return out, (time.perf_counter() - t) * 1000
