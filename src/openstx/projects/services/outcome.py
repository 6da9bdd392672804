"""The council outcome rule: pure over (total, vote) pairs, plus reading the sheets."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openstx.projects.models import (
    Council,
    CouncilMember,
    ScoreSheet,
    localized,
)


def evaluate(rules: dict[str, Any], sheets: list[tuple[Decimal, str]]) -> dict[str, Any]:
    """The outcome rule, on ``(total, vote)`` pairs. Pure: tests feed it hand-made sheets.

    The average total is scaled to 100 points; the task passes when at least
    ``vote_fraction`` of the sheets vote in favour AND the average reaches the lowest band; the
    band is the highest whose ``min`` the average reaches."""
    rule = rules.get("rule", {})
    criteria = rules.get("criteria", [])
    max_total = sum(Decimal(str(c.get("max", 0))) for c in criteria) or Decimal(100)
    fail = rule.get("fail", {"code": "fail", "label": "Fail", "label_vi": "Không đạt"})
    if not sheets:
        return {"outcome": "", "label": "", "average": None, "pass_votes": 0, "votes": 0}
    average = sum((t for t, _v in sheets), Decimal(0)) / len(sheets)
    average = average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    scaled = average * 100 / max_total
    pass_votes = sum(1 for _t, v in sheets if v == "pass")
    fraction = Decimal(str(rule.get("vote_fraction", 0.6667)))
    # "at least two thirds": compare with a small tolerance for 0.6667 vs 2/3
    votes_ok = Decimal(pass_votes) / len(sheets) + Decimal("0.0001") >= fraction
    chosen = fail
    if votes_ok:
        for band in sorted(rule.get("bands", []), key=lambda b: -Decimal(str(b["min"]))):
            if scaled >= Decimal(str(band["min"])):
                chosen = band
                break
    return {
        "outcome": chosen["code"],
        "label": localized(chosen.get("label", chosen["code"]), chosen.get("label_vi", "")),
        "label_vi": chosen.get("label_vi") or chosen.get("label", chosen["code"]),
        "average": average,
        "pass_votes": pass_votes,
        "votes": len(sheets),
    }


def council_sheets(council: Council) -> list[ScoreSheet]:
    return list(
        ScoreSheet.objects.filter(member__council=council)
        .exclude(member__invitation=CouncilMember.Invitation.DECLINED)
        .exclude(vote="")
        .select_related("member__expert")
    )


def compute_outcome(council: Council) -> dict[str, Any]:
    return evaluate(council.rules, [(s.total, s.vote) for s in council_sheets(council)])


QUORUM = Decimal("0.6667")
