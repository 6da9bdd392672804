"""Contract: what search lets a viewer see is what the model's policy lets them see.

For every registered search type, objects in each state are checked for each role: the
document's scopes (from ``Policy.search_scopes``) meet the viewer's principals exactly when
``restrict(..., VIEW)`` returns the object. Then the two drifts this replaced are checked
through the real search service: brokers see submitted listings, and a task's team member
sees the (non-public) task.
"""

from __future__ import annotations

import pytest

from openstx.core.permissions import VIEW, principals, restrict
from openstx.search import registry


def _visible_by_scopes(spec, obj, user) -> bool:
    mine = principals(user)
    if mine is None:
        return True
    scopes = spec.scope(obj)
    scopes = [scopes] if isinstance(scopes, str) else scopes
    return bool(set(scopes) & set(mine))


@pytest.fixture
def world(db):
    from openstx.exchange.models import Demand, ListingStatus, Offer
    from openstx.ipr.models import IPRecord
    from openstx.library.models import AccessLevel, Document
    from openstx.portal.models import Article
    from tests.projects.factories import (
        CouncilMemberFactory,
        ExpertFactory,
        MembershipFactory,
        OrganizationFactory,
        TaskFactory,
        UserFactory,
        team,
    )

    org, other_org = OrganizationFactory(), OrganizationFactory()
    pending_org = OrganizationFactory(awaiting_verification=True)  # self-registered, unverified
    users = {
        "anonymous": None,
        "member": UserFactory(username="member"),
        "outsider": UserFactory(username="outsider"),
        "broker": UserFactory(username="broker", role="broker"),
        "officer": UserFactory(username="officer", role="officer"),
        "team": UserFactory(username="teamexpert"),
        "council": UserFactory(username="councilexpert"),
        "stranger": UserFactory(username="stranger"),
    }
    MembershipFactory(user=users["member"], organization=org)
    MembershipFactory(user=users["outsider"], organization=other_org)
    MembershipFactory(user=users["stranger"], organization=pending_org)
    team_expert = ExpertFactory(user=users["team"], organization=other_org)
    leader = ExpertFactory(organization=org)
    objects = [org, pending_org, team_expert]
    for status in (ListingStatus.SUBMITTED, ListingStatus.PUBLISHED, ListingStatus.PAUSED):
        objects.append(Offer.objects.create(title=f"Máy sấy {status}", owner=org, status=status))
        objects.append(
            Demand.objects.create(title=f"Cần máy {status}", requester=org, status=status)
        )
    for state in ("proposed", "in_progress", "accepted"):
        task = TaskFactory(host=org, state=state)
        team(task, leader, team_expert)
        objects.append(task)
    council_task = TaskFactory(host=other_org, state="proposed")
    CouncilMemberFactory(council__task=council_task, expert=ExpertFactory(user=users["council"]))
    objects.append(council_task)
    objects.append(IPRecord.objects.create(type="patent", title="Bằng sáng chế", is_public=True))
    objects.append(
        IPRecord.objects.create(
            type="trademark", title="Nhãn hiệu", is_public=False, applicant_organization=org
        )
    )
    for level in AccessLevel.values:
        objects.append(
            Document.objects.create(
                title=f"Tài liệu {level}",
                access_level=level,
                status=Document.Status.PUBLISHED,
                uploaded_by=users["member"],
            )
        )
    objects.append(Article.objects.create(title="Tin nháp", body="x"))
    return users, objects


@pytest.mark.django_db
def test_index_scopes_agree_with_policies_for_every_role(world):
    users, objects = world
    disagreements = []
    for obj in objects:
        spec = registry.for_model(type(obj))
        if not spec.should_index(obj):
            continue
        for role, user in users.items():
            by_policy = restrict(type(obj).objects.filter(pk=obj.pk), user, VIEW).exists()
            by_search = _visible_by_scopes(spec, obj, user)
            if by_policy != by_search:
                disagreements.append((spec.type, str(obj), role, by_policy, by_search))
    assert disagreements == []


@pytest.mark.django_db
def test_every_registered_type_derives_its_scopes_from_its_policy():
    for spec in registry.specs():
        # no spec restates a rule: scope() is the base class's, which asks the policy
        assert type(spec).scope is registry.SearchSpec.scope, spec.type


@pytest.mark.django_db
def test_search_service_shows_brokers_and_task_teams_what_their_policies_allow(world, tmp_path):
    """The two drifts of the old per-type scopes, through the real index and service."""
    from django.contrib.auth.models import AnonymousUser

    from openstx.search import service, writer

    users, _ = world
    writer.apply_pending()

    def found(user, q, type_):
        viewer = user or AnonymousUser()
        return {h.title for h in service.search(q, user=viewer, types=[type_]).hits}

    # brokers curate listings that are submitted or paused, not only published ones
    assert "Máy sấy submitted" in found(users["broker"], "máy sấy", "offer")
    assert "Máy sấy submitted" not in found(users["outsider"], "máy sấy", "offer")
    # the task's team member and a council member see a task that is not public yet
    public = found(users["stranger"], "tôm càng xanh", "task")
    assert len(public) == 2  # in progress and accepted
    assert len(found(users["team"], "tôm càng xanh", "task") - public) == 1  # its proposal
    assert len(found(users["council"], "tôm càng xanh", "task") - public) == 1
