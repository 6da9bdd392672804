"""Report figures against a hand-computed fixture."""

from __future__ import annotations

import datetime as dt

import pytest

from openstx.projects import figures
from openstx.projects.models import CouncilMember, TaskBudget, TaskOutput

from .factories import CouncilFactory, ExpertFactory, TaskFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def registry():
    # provincial: started 2022, accepted 2024
    a = TaskFactory(
        level="provincial",
        state="accepted",
        start_date=D(2022, 3, 1),
        end_date=D(2023, 12, 31),
        accepted_on=D(2024, 2, 1),
    )
    # provincial: started 2023, in progress until 2025 (extended)
    b = TaskFactory(
        level="provincial",
        state="in_progress",
        start_date=D(2023, 6, 1),
        end_date=D(2024, 5, 31),
        extended_end_date=D(2025, 5, 31),
    )
    # grassroots: started 2024, accepted 2024
    c = TaskFactory(
        level="grassroots",
        state="registered",
        start_date=D(2024, 1, 1),
        end_date=D(2024, 9, 30),
        accepted_on=D(2024, 11, 15),
    )
    # national: approved, starts 2025 -> not implemented yet
    d = TaskFactory(
        level="national", state="approved", start_date=D(2025, 1, 1), end_date=D(2026, 12, 31)
    )
    # provincial: finished before 2023 -> implemented in 2021 and 2022 only
    e = TaskFactory(
        level="provincial",
        state="applied",
        start_date=D(2021, 1, 1),
        end_date=D(2022, 6, 30),
        accepted_on=D(2022, 10, 1),
    )
    for task, lines in [
        (a, [(2022, "state", 300), (2023, "state", 200), (2023, "other", 50)]),
        (b, [(2023, "state", 400), (2024, "other", 100)]),
        (c, [(2024, "state", 90)]),
    ]:
        TaskBudget.objects.bulk_create(
            TaskBudget(task=task, year=y, source=s, amount_vnd=v) for y, s, v in lines
        )
    TaskOutput.objects.bulk_create(
        [
            TaskOutput(task=a, kind="publication", year=2023, publication_kind="international"),
            TaskOutput(task=a, kind="publication", year=2024, publication_kind="domestic"),
            TaskOutput(task=a, kind="publication", year=2024, publication_kind="international"),
            TaskOutput(task=c, kind="publication", year=2024, publication_kind="domestic"),
            TaskOutput(task=c, kind="training", year=2024, degree="master", count=2),
            TaskOutput(task=a, kind="training", year=2024, degree="master", count=1),
            TaskOutput(task=a, kind="technology", year=2024, title="Quy trình"),
        ]
    )
    x, y, z = ExpertFactory(), ExpertFactory(), ExpertFactory()
    c1 = CouncilFactory(task=a, meeting_date=D(2024, 1, 20))
    c2 = CouncilFactory(task=c, meeting_date=D(2024, 11, 1))
    c3 = CouncilFactory(task=b, purpose="selection", meeting_date=D(2023, 4, 1))
    for council, experts in [(c1, [x, y, z]), (c2, [x, y]), (c3, [z])]:
        for e in experts:
            CouncilMember.objects.create(council=council, expert=e, invitation="accepted")
    CouncilMember.objects.create(council=c2, expert=ExpertFactory(), invitation="declined")
    return a, b, c, d, e


def test_tasks_by_level_and_state(registry):
    out = figures.tasks_by_level_and_state(2022, 2025)
    assert out[2022]["provincial"] == {"started": 1, "implemented": 2, "accepted": 1}
    assert out[2023]["provincial"] == {"started": 1, "implemented": 2, "accepted": 0}
    assert out[2024]["provincial"] == {"started": 0, "implemented": 2, "accepted": 1}
    assert out[2024]["grassroots"] == {"started": 1, "implemented": 1, "accepted": 1}
    assert out[2025]["provincial"] == {"started": 0, "implemented": 1, "accepted": 0}
    assert out[2025]["national"] == {"started": 1, "implemented": 0, "accepted": 0}
    assert out[2023]["district"] == {"started": 0, "implemented": 0, "accepted": 0}


def test_expert_engagements(registry):
    out = figures.expert_engagements(2023, 2025)
    assert out[2023] == {"engagements": 1, "experts": 1, "councils": 1}
    assert out[2024] == {"engagements": 5, "experts": 3, "councils": 2}
    assert out[2025] == {"engagements": 0, "experts": 0, "councils": 0}


def test_publications(registry):
    a, _b, c, *_ = registry
    assert figures.publications_per_year(2023, 2024) == {
        2023: {"international": 1, "domestic": 0, "total": 1},
        2024: {"international": 1, "domestic": 2, "total": 3},
    }
    per_task = figures.publications_per_task()
    assert [(r["pk"], r["total"], r["international"]) for r in per_task] == [
        (a.pk, 3, 2),
        (c.pk, 1, 0),
    ]


def test_budget_and_training(registry):
    assert figures.budget_by_year(2022, 2024) == {
        2022: {"state": 300, "other": 0, "total": 300},
        2023: {"state": 600, "other": 50, "total": 650},
        2024: {"state": 90, "other": 100, "total": 190},
    }
    assert figures.people_trained(2024, 2024) == {"master": 3}
    assert figures.tasks_by_state()["accepted"] == 1
