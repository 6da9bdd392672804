"""Match scores as words: ``{{ m.score|score_label }}`` and ``{{ m.score|score_level }}`` (the
CSS class); thresholds in ``matching.reasons.SCORE_LABELS``."""

from __future__ import annotations

from django import template

from openstx.matching.reasons import score_label as _label

register = template.Library()


@register.filter
def score_label(score: float) -> str:
    return _label(float(score or 0))[1]


@register.filter
def score_level(score: float) -> str:
    return _label(float(score or 0))[0]
