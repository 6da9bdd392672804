"""Factories for S&T task tests."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from openstx.directory.models import Expert
from openstx.projects.models import Council, CouncilMember, Task, TaskMember
from openstx.taxonomy.models import FieldOfScience
from tests import factories as _shared
from tests.factories import PASSWORD  # noqa: F401  (re-exported for the app's tests)


# The people and organisations are the shared factories (tests/factories.py); S&T task tests
# want verified e-mail addresses, so their users are the shared ones with that set.
class UserFactory(_shared.UserFactory):
    email_verified = True


class MembershipFactory(_shared.MembershipFactory):
    user = factory.SubFactory(UserFactory)


OrganizationFactory = _shared.OrganizationFactory
ExpertFactory = _shared.ExpertFactory
PublicationFactory = _shared.PublicationFactory


def field(code: str = "405", name: str = "Thủy sản") -> FieldOfScience:
    level = {1: 1, 3: 2, 5: 3}.get(len(code), 4)
    parent = None
    if len(code) > 1:
        parent = field(code[: {3: 1, 5: 3, 7: 5}[len(code)]], f"Nhóm {code[:1]}")
    obj, _ = FieldOfScience.objects.get_or_create(
        code=code, defaults={"name_vi": name, "name_en": name, "level": level, "parent": parent}
    )
    return obj


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"ĐT-2024-{n:03d}")
    title = factory.Sequence(lambda n: f"Nghiên cứu nuôi tôm càng xanh toàn đực {n}")
    host = factory.SubFactory(OrganizationFactory)
    start_date = dt.date(2024, 1, 1)
    end_date = dt.date(2025, 12, 31)
    state = "proposed"

    @factory.post_generation
    def with_workflow(obj, create, extracted, **kwargs):  # noqa: N805
        from openstx.projects.workflow import active_workflow_row

        if create and obj.workflow_id is None:
            obj.workflow = active_workflow_row()
            obj.save(update_fields=["workflow"])


def team(task: Task, leader: Expert, *members: Expert) -> None:
    task.leader = leader
    task.save(update_fields=["leader"])
    TaskMember.objects.create(task=task, expert=leader, role="leader")
    for m in members:
        TaskMember.objects.create(task=task, expert=m, role="key")


class CouncilFactory(DjangoModelFactory):
    class Meta:
        model = Council

    task = factory.SubFactory(TaskFactory)
    purpose = "acceptance"
    meeting_date = dt.date(2025, 12, 20)

    @factory.lazy_attribute
    def rules(self):  # type: ignore[no-untyped-def]
        from openstx.projects.workflow import get_workflow

        conf = get_workflow().council_config(self.purpose)
        return {"criteria": conf["criteria"], "rule": conf["rule"]}


class CouncilMemberFactory(DjangoModelFactory):
    class Meta:
        model = CouncilMember

    council = factory.SubFactory(CouncilFactory)
    expert = factory.SubFactory(ExpertFactory)
    role = "member"
    invitation = "accepted"
