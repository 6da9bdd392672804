"""Build the matching dev set's JSONL files from the hand-written sources.

    python bench/data/build.py        # writes offers.jsonl and demands.jsonl beside this file

The rows follow the import contract of docs/importing.md (``openstx import offers|demands``), plus, for
demands, ``judgements`` ({offer external_id: 2|1}) and ``hard``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from source_demands import DEMANDS  # noqa: E402
from source_offers import OFFERS, OWNERS  # noqa: E402

PREFIX = "devset"
KINDS = {"M": "equipment", "I": "solution", "P": "technology"}


def offer_rows() -> list[dict]:
    rows = []
    for oid, fields, trl, owner, title, description, keywords in OFFERS:
        summary = description.split(". ")[0].rstrip(".") + "."
        if len(summary) > 290:
            summary = summary[:287].rsplit(" ", 1)[0] + "…"
        org, region = OWNERS[owner]
        kind = "service" if oid in {"P14", "H08", "N10", "K12"} else KINDS.get(oid[0], "technology")
        rows.append(
            {
                "external_id": f"{PREFIX}-{oid}",
                "title": title,
                "summary": summary,
                "description": description,
                "kind": kind,
                "fields": fields,
                "keywords": keywords,
                "trl": trl,
                "transfer_modes": "licence_nonexclusive,consulting_training",
                "price_vnd": None,
                "owner": org,
                "region": region,
                "status": "published",
            }
        )
    return rows


def demand_rows() -> list[dict]:
    rows = []
    for did, fields, min_trl, region, hard, judgements, title, problem in DEMANDS:
        rows.append(
            {
                "external_id": f"{PREFIX}-{did}",
                "title": title,
                "description": problem,
                "fields": fields,
                "min_trl": min_trl,
                "budget_min_vnd": None,
                "budget_max_vnd": None,
                "requester": f"Doanh nghiệp thử nghiệm {did}",
                "region": region,
                "deadline": None,
                "status": "published",
                "hard": hard,
                "set": "paraphrase" if did.startswith("X") else "ordinary",
                "judgements": {f"{PREFIX}-{k}": v for k, v in judgements.items()},
            }
        )
    return rows


#: The paraphrase set's rule: at most this many folded content syllables shared with the answer.
PARAPHRASE_SHARED_MAX = 2


def content_syllables(text: str) -> set[str]:
    """Folded syllables that carry content (the matcher's tokenizer and stop words)."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstx.settings")
    import django

    django.setup()
    from openstx.matching.lexical import STOPWORDS, fold, tokens

    return {fold(t) for t in tokens(text) if t not in STOPWORDS and not t.isdigit() and len(t) > 1}


def offer_plain(row: dict) -> str:
    parts = (row["title"], row["summary"], row["description"], row["keywords"])
    return ". ".join(p for p in parts if p)


def main() -> None:
    offers, demands = offer_rows(), demand_rows()
    ids = {o["external_id"] for o in offers}
    assert len(ids) == len(offers), "duplicate offer id"
    by_id = {o["external_id"]: o for o in offers}
    for d in demands:
        missing = set(d["judgements"]) - ids
        assert not missing, (d["external_id"], missing)
        if d["set"] == "paraphrase":
            first = next(iter(d["judgements"]))
            shared = content_syllables(f"{d['title']}. {d['description']}") & content_syllables(
                offer_plain(by_id[first])
            )
            assert len(shared) <= PARAPHRASE_SHARED_MAX, (d["external_id"], sorted(shared))
    for name, rows in (("offers.jsonl", offers), ("demands.jsonl", demands)):
        with open(HERE / name, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(offers)} offers, {len(demands)} demands ({sum(d['hard'] for d in demands)} hard)")


if __name__ == "__main__":
    main()
