from __future__ import annotations

import unicodedata

from openstx.directory.models import Expert, Organization
from tests.factories import ExpertFactory, OrganizationFactory


def test_organization_slug_url_and_folded(db):
    org = OrganizationFactory(
        name=unicodedata.normalize("NFD", "Viện Lúa Đồng bằng sông Cửu Long"), short_name=""
    )
    assert org.name == unicodedata.normalize("NFC", org.name)
    assert org.slug == "vien-lua-dong-bang-song-cuu-long"
    assert org.get_absolute_url() == f"/directory/organizations/{org.pk}/{org.slug}/"
    assert "dong bang song cuu long" in org.search_folded


def test_expert_display_name_keywords(db):
    e = ExpertFactory(
        full_name="Nguyễn Văn A", academic_title="PGS", degree="TS", keywords="lúa; tôm, cá"
    )
    assert e.display_name == "PGS.TS. Nguyễn Văn A"
    assert e.keyword_list == ["lúa", "tôm", "cá"]
    assert "lua" in e.search_folded
    assert str(e) == "PGS.TS. Nguyễn Văn A"
    assert e.get_absolute_url().endswith(f"/experts/{e.pk}/nguyen-van-a/")


def test_history_is_recorded(db):
    org = OrganizationFactory()
    org.name = "Tên mới"
    org.save()
    assert org.history.count() == 2
    assert Organization.history.model._meta.get_field("name")
    assert Expert.history.model
