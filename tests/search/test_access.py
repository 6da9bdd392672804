"""Access scopes are applied inside the query: results, counts, facets, snippets never leak."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from openstx.directory.models import Publication
from openstx.search import registry
from openstx.search.registry import BODY, TITLE, SearchSpec
from tests.factories import (
    MembershipFactory,
    OfficerFactory,
    OrganizationFactory,
    PublicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped_type():
    """A test-only type whose scope comes from the record: venue holds the scope string."""

    class PublicationSearch(SearchSpec):
        model = Publication
        type = "testpub"
        fields = {"title": TITLE, "authors_text": BODY}

        def scope(self, obj):
            return obj.venue or "public"

        def facets(self, obj):
            return {"year": obj.year, "kind": obj.kind}

    registry.register(PublicationSearch)
    yield
    registry.unregister("testpub")


def pub(title, scope, text="", year=2024):
    return PublicationFactory(title=title, venue=scope, authors_text=text, year=year)


def test_restricted_records_are_invisible_to_anonymous(scoped_type, apply, search):
    pub("Báo cáo công khai về cá tra", "public", "cá tra giống", 2020)
    pub("Báo cáo mật về cá tra", "restricted", "cá tra bí mật tuyệt đối", 2021)
    pub("Báo cáo nội bộ về cá tra", "staff", "cá tra nội bộ", 2022)
    pub("Báo cáo hội viên về cá tra", "members", "cá tra hội viên", 2023)
    apply()
    anon = search("cá tra", user=AnonymousUser())
    assert [h.title for h in anon.hits] == ["Báo cáo công khai về cá tra"]
    assert anon.total == 1
    assert anon.type_counts == {"testpub": 1}
    assert [f.value for f in anon.facets["year"]] == ["2020"]
    assert all("bí mật" not in str(h.snippet) for h in anon.hits)
    # a word that only the restricted record has: nothing at all
    secret = search("tuyệt đối", user=None)
    assert secret.total == 0 and secret.hits == [] and secret.type_counts == {}
    assert search("mật").total == 0
    from openstx.search.service import suggest

    assert [s["title"] for s in suggest("bao cao")] == ["Báo cáo công khai về cá tra"]


def test_members_staff_and_admin_see_more(scoped_type, apply, search):
    pub("Tài liệu A công khai", "public")
    pub("Tài liệu B hội viên", "members")
    pub("Tài liệu C nội bộ", "staff")
    pub("Tài liệu D hạn chế", "restricted")
    apply()
    member = UserFactory()
    officer = OfficerFactory()
    admin = UserFactory(is_superuser=True)
    assert search("tài liệu", user=member).total == 2
    assert search("tài liệu", user=officer).total == 3
    assert search("tài liệu", user=admin).total == 4


def test_organisation_and_user_scopes(scoped_type, apply, search):
    org = OrganizationFactory()
    insider = MembershipFactory(organization=org).user
    outsider = UserFactory()
    pub("Hồ sơ đơn vị", f"org:{org.pk}")
    pub("Bản nháp cá nhân", f"user:{outsider.pk}")
    apply()
    assert search("hồ sơ", user=insider).total == 1
    assert search("hồ sơ", user=outsider).total == 0
    assert search("bản nháp", user=outsider).total == 1
    assert search("bản nháp", user=insider).total == 0


def test_scope_change_reindexes(scoped_type, apply, search):
    p = pub("Báo cáo tổng kết", "public")
    apply()
    assert search("tổng kết").total == 1
    p.venue = "restricted"
    p.save()
    apply()
    assert search("tổng kết").total == 0
