"""The demo generator: every stage, councils with members and computed outcomes."""

from __future__ import annotations

import pytest

from openstx.projects import demo
from openstx.projects.models import Council, CouncilMember, ScoreSheet, Task
from openstx.projects.services import conflicts_of_interest
from openstx.projects.workflow import get_workflow

from .factories import ExpertFactory, OrganizationFactory, field

pytestmark = pytest.mark.django_db


def test_small_demo_covers_every_stage():
    for code in ("401", "405", "211", "209", "207", "202", "3", "5"):
        field(code, f"Lĩnh vực {code}")
    orgs = [
        OrganizationFactory(type=t)
        for t in ("university", "research_institute", "enterprise", "hospital")
    ]
    experts = [ExpertFactory(organization=orgs[i % 4], degree="TS") for i in range(40)]
    counts = demo.generate("small", 2016, orgs, experts, log=lambda *_: None)
    assert counts["tasks"] == Task.objects.count() == 20
    states = set(Task.objects.values_list("state", flat=True))
    assert states == set(get_workflow().states)
    assert counts["councils"] == Council.objects.count() > 0
    assert CouncilMember.objects.count() == counts["council_engagements"]
    assert ScoreSheet.objects.count() == CouncilMember.objects.count()
    for council in Council.objects.filter(status="concluded"):
        assert council.outcome and council.average_score is not None
    for seat in CouncilMember.objects.select_related("council__task", "expert")[:30]:
        assert conflicts_of_interest(seat.council.task, seat.expert) == []
    for task in Task.objects.exclude(state="proposed"):
        assert task.transitions.exists()
    assert demo.generate("small", 2016, orgs, experts, log=lambda *_: None) == {}
