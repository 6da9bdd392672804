"""What text stands for each listing when it is embedded or ranked (one place, so that the
stored text hash, the vector and the lexical index always agree)."""

from __future__ import annotations

import re
from typing import Any

from openstx.core.text import clean

_TAGS = re.compile(r"<[^>]+>")


def plain(html: str | None) -> str:
    import html as html_lib

    return clean(html_lib.unescape(_TAGS.sub(" ", html or "")))


def listing_text(title: str, *parts: str | None) -> str:
    """Title first (e5 reads the start most closely), then the other parts, HTML removed."""
    pieces = [clean(title)] + [plain(p) for p in parts if p]
    return ". ".join(p.rstrip(". ") for p in pieces if p)


def offer_text(offer) -> str:
    return listing_text(
        offer.title,
        offer.summary,
        offer.description,
        offer.keywords,
        offer.applications,
        offer.advantages,
    )


def demand_text(demand) -> str:
    return listing_text(
        demand.title, demand.problem, demand.desired_outcome, demand.constraints, demand.keywords
    )


def expert_text(expert) -> str:
    """Fields, keywords, biography and publication titles — what an expert can help with. Not
    the person's name nor position: they say nothing about a topic, would show up as "shared
    concepts" when a demand happens to contain a common given name, and cost a sixth of the
    encoding time of a short profile. (The titles of tasks led are not read: that needs the
    public-task scope, a prefetch in ``candidates_qs`` and a refresh when a task changes.)"""
    fields = "; ".join(f.name_vi for f in expert.fields.all())
    pubs = "; ".join(p.title for p in expert.publications.all()[:20])
    return listing_text(fields, expert.keywords, expert.biography, pubs)


def models_by_kind() -> dict[str, Any]:
    """The three kinds of candidates and their models."""
    from openstx.directory.models import Expert
    from openstx.exchange.models import Demand, Offer

    return {"offer": Offer, "demand": Demand, "expert": Expert}


def kind_of(obj: Any) -> str:
    return {v: k for k, v in models_by_kind().items()}[type(obj)]


def text_of(obj: Any) -> str:
    """The text that stands for ``obj`` (offer, demand or expert)."""
    kind = kind_of(obj)
    if kind == "offer":
        return offer_text(obj)
    if kind == "demand":
        return demand_text(obj)
    return expert_text(obj)
