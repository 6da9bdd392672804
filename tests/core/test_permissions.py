import pytest
from django.contrib.auth.models import AnonymousUser

from openstx.core import permissions
from openstx.core.models import Job
from openstx.core.permissions import Policy, can, restrict


@pytest.fixture
def users(django_user_model):
    return {
        "anon": AnonymousUser(),
        "member": django_user_model.objects.create_user("m", "m@example.vn", "x"),
        "officer": django_user_model.objects.create_user("o", "o@example.vn", "x", role="officer"),
        "admin": django_user_model.objects.create_user("a", "a@example.vn", "x", role="admin"),
    }


@pytest.mark.django_db
def test_unregistered_model_fails_closed(users, monkeypatch):
    # every model has a policy (tests/core/test_policy_contract.py), so take Job's away
    registry = {m: p for m, p in permissions._registry.items() if m is not Job}
    monkeypatch.setattr(permissions, "_registry", registry)
    Job.objects.create(kind="x")
    assert not restrict(Job.objects.all(), users["anon"]).exists()
    assert not restrict(Job.objects.all(), users["member"]).exists()
    assert restrict(Job.objects.all(), users["admin"]).count() == 1


@pytest.mark.django_db
def test_registered_policy_is_used_for_querysets_and_objects(users, monkeypatch):
    monkeypatch.setattr(permissions, "_registry", dict(permissions._registry))

    @permissions.register(Job)
    class JobPolicy(Policy):
        def scope(self, user, action, queryset):
            if permissions.is_officer(user):
                return queryset
            if action == permissions.VIEW and permissions.is_authenticated(user):
                return queryset.filter(created_by=user)
            return queryset.none()

    own = Job.objects.create(kind="x", created_by=users["member"])
    other = Job.objects.create(kind="x")
    assert list(restrict(Job.objects.all(), users["member"])) == [own]
    assert can(users["member"], "view", own)
    assert not can(users["member"], "view", other)
    assert not can(users["member"], "change", own)
    assert can(users["officer"], "change", other)
    assert not can(users["anon"], "view", own)


@pytest.mark.django_db
def test_role_predicates(users):
    assert permissions.is_officer(users["officer"]) and permissions.is_officer(users["admin"])
    assert not permissions.is_officer(users["member"])
    assert not permissions.is_officer(users["anon"])
    assert permissions.is_admin(users["admin"]) and not permissions.is_admin(users["officer"])
