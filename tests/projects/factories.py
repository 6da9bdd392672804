"""Factories for S&T task tests."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from openstx.accounts.models import Membership, User
from openstx.directory.models import Expert, Organization, Publication
from openstx.projects.models import Council, CouncilMember, Task, TaskMember
from openstx.taxonomy.models import FieldOfScience

PASSWORD = "Ch3-ph4m sinh hoc!"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"puser{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    full_name = factory.Sequence(lambda n: f"Lê Văn {n}")
    is_active = True
    email_verified = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Viện Nghiên cứu Đồng bằng {n}")
    type = Organization.Type.RESEARCH_INSTITUTE


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    status = Membership.Status.APPROVED


class ExpertFactory(DjangoModelFactory):
    class Meta:
        model = Expert

    full_name = factory.Sequence(lambda n: f"Nguyễn Thị Chuyên Gia {n}")
    degree = "TS"
    organization = factory.SubFactory(OrganizationFactory)


class PublicationFactory(DjangoModelFactory):
    class Meta:
        model = Publication

    title = factory.Sequence(lambda n: f"Nuôi tôm càng xanh trong ruộng lúa {n}")
    year = 2024


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
