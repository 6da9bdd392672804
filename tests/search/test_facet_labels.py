"""Every type's ``kind`` facet values get the labels its SearchSpec declares, in the request's
language, without an app registering its own labeller."""

from __future__ import annotations

from django.utils import translation

from openstx.search import facets


def test_kind_values_of_every_app_are_labelled():
    values = ["equipment", "demand", "research_institute", "patent", "task_reports", "news"]
    with translation.override("en"):
        labels = facets.labels("kind", values)
    assert set(labels) == set(values)
    assert labels["equipment"] == "Equipment"
    assert labels["patent"] != "patent"
    assert labels["task_reports"] != "task_reports"
    with translation.override("vi"):
        vi = facets.labels("kind", values)
    assert vi["demand"] == "Nhu cầu"
    assert vi["equipment"] != labels["equipment"]


def test_unknown_kind_is_left_unlabelled():
    assert facets.labels("kind", ["no-such-kind"]) == {}
