"""Experts (and officers) add, edit and remove their own publications in the app."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from openstx.core.permissions import CHANGE, DELETE, can, can_add
from openstx.directory import services
from openstx.directory.models import Publication
from openstx.directory.validators import normalize_doi
from tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db


def new_url(expert):
    return reverse("directory:publication-create", args=[expert.pk])


def edit_url(expert, pub):
    return reverse("directory:publication-edit", args=[expert.pk, pub.pk])


def delete_url(expert, pub):
    return reverse("directory:publication-delete", args=[expert.pk, pub.pk])


GOOD = {
    "title": "Ảnh hưởng của độ mặn lên tôm càng xanh",
    "authors_text": "Nguyễn V. Thủy, Lê T. Hoa",
    "year": "2023",
    "venue": "Tạp chí Khoa học Trường Đại học Cần Thơ",
    "kind": "domestic",
    "doi": "https://doi.org/10.22144/ctu.jvn.2023.123",
    "url": "",
}


@pytest.fixture
def colleague(org):
    return ExpertFactory(full_name="Lê Thị Hoa", organization=org)


def test_expert_adds_a_publication_with_a_coauthor(client, expert, expert_user, colleague):
    client.force_login(expert_user)
    page = client.get(expert.get_absolute_url()).content.decode()
    assert new_url(expert) in page
    form = client.get(new_url(expert)).content.decode()
    assert colleague.full_name in form  # same organisation: offered as co-author
    response = client.post(new_url(expert), {**GOOD, "coauthors": [colleague.pk]})
    assert response.status_code == 302
    pub = Publication.objects.get()
    assert pub.doi == "10.22144/ctu.jvn.2023.123"  # the link is normalised
    assert set(pub.experts.all()) == {expert, colleague}
    assert pub.history.first().history_user == expert_user
    # shown publicly, on both profiles
    client.logout()
    for profile in (expert, colleague):
        html = client.get(profile.get_absolute_url()).content.decode()
        assert "Ảnh hưởng của độ mặn lên tôm càng xanh" in html
        assert "doi:10.22144/ctu.jvn.2023.123" in html
        assert new_url(profile) not in html


@pytest.mark.parametrize(
    ("field", "value"),
    [("doi", "not-a-doi"), ("doi", "10.12/short-prefix"), ("year", "1850"), ("year", "2999")],
)
def test_bad_values_are_refused_with_a_message(client, expert, expert_user, field, value):
    client.force_login(expert_user)
    response = client.post(new_url(expert), {**GOOD, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Publication.objects.exists()


def test_title_is_required(client, expert, expert_user):
    client.force_login(expert_user)
    response = client.post(new_url(expert), {**GOOD, "title": " "})
    assert response.context["form"].errors["title"]


def test_doi_normalisation():
    assert normalize_doi("doi: 10.1000/XYZ") == "10.1000/XYZ"
    assert normalize_doi("http://dx.doi.org/10.1000/xyz") == "10.1000/xyz"


def test_expert_edits_own_publication(client, expert, expert_user):
    pub = services.add_publication(expert_user, expert, {"title": "Bản cũ", "year": 2020})
    client.force_login(expert_user)
    response = client.post(edit_url(expert, pub), {**GOOD, "title": "Bản mới"})
    assert response.status_code == 302
    pub.refresh_from_db()
    assert pub.title == "Bản mới" and pub.year == 2023
    assert list(pub.experts.all()) == [expert]  # the owner always stays an author


def test_others_may_not_add_edit_or_remove(client, expert, expert_user, member, org_member):
    pub = services.add_publication(expert_user, expert, {"title": "Của tôi"})
    for user in (member, org_member):
        client.force_login(user)
        assert client.get(new_url(expert)).status_code == 403
        assert client.post(new_url(expert), GOOD).status_code == 403
        assert client.post(edit_url(expert, pub), GOOD).status_code == 403
        assert client.post(delete_url(expert, pub)).status_code == 403
        with pytest.raises(PermissionDenied):
            services.add_publication(user, expert, {"title": "x"})
        assert not can(user, CHANGE, pub) and not can(user, DELETE, pub)
    assert Publication.objects.get().title == "Của tôi"
    client.logout()
    assert client.get(new_url(expert)).status_code == 302  # to the log-in page


def test_an_expert_cannot_edit_through_another_profile(client, expert, expert_user, colleague):
    """The publication must belong to the expert named in the URL."""
    other_pub = Publication.objects.create(title="Của người khác")
    other_pub.experts.add(colleague)
    client.force_login(expert_user)
    assert client.post(edit_url(expert, other_pub), GOOD).status_code == 404
    assert client.post(delete_url(expert, other_pub)).status_code == 404


def test_removing_a_shared_publication_only_unlinks(client, expert, expert_user, colleague):
    pub = services.add_publication(
        expert_user, expert, {"title": "Bài chung", "coauthors": [colleague]}
    )
    client.force_login(expert_user)
    assert client.get(edit_url(expert, pub)).status_code == 200
    assert client.post(delete_url(expert, pub)).status_code == 302
    pub.refresh_from_db()
    assert list(pub.experts.all()) == [colleague]  # still on the co-author's profile
    assert "Bài chung" not in client.get(expert.get_absolute_url()).content.decode()


def test_removing_an_own_publication_deletes_it(client, expert, expert_user):
    pub = services.add_publication(expert_user, expert, {"title": "Chỉ của tôi"})
    client.force_login(expert_user)
    client.post(delete_url(expert, pub))
    assert not Publication.objects.exists()


def test_delete_requires_post(client, expert, expert_user):
    pub = services.add_publication(expert_user, expert, {"title": "x"})
    client.force_login(expert_user)
    assert client.get(delete_url(expert, pub)).status_code == 405


def test_officer_manages_any_experts_publications(client, expert, officer, colleague):
    client.force_login(officer)
    assert client.post(new_url(colleague), {**GOOD, "doi": ""}).status_code == 302
    pub = Publication.objects.get()
    assert list(pub.experts.all()) == [colleague]
    assert client.post(edit_url(colleague, pub), {**GOOD, "title": "Sửa"}).status_code == 302
    assert client.post(delete_url(colleague, pub)).status_code == 302
    assert not Publication.objects.exists()


def test_can_add_publication_policy(expert_user, member, officer, expert):
    assert can_add(expert_user, Publication)  # has an expert profile
    assert can_add(officer, Publication)
    assert not can_add(member, Publication)


def test_publication_page_query_count(client, expert, expert_user, django_assert_max_num_queries):
    for n in range(8):
        services.add_publication(expert_user, expert, {"title": f"Bài {n}", "year": 2010 + n})
    client.get(expert.get_absolute_url())
    with django_assert_max_num_queries(6):
        html = client.get(expert.get_absolute_url()).content.decode()
    assert html.index("Bài 7") < html.index("Bài 0")  # newest first


def test_api_lists_an_experts_publications(client, expert, expert_user, colleague):
    services.add_publication(
        expert_user,
        expert,
        {"title": "Bài A", "year": 2021, "doi": "doi:10.1000/abc", "coauthors": [colleague]},
    )
    services.add_publication(expert_user, expert, {"title": "Bài B", "year": 2024})
    body = client.get(f"/api/v1/experts/{expert.external_id}/publications").json()["results"]
    assert [p["title"] for p in body] == ["Bài B", "Bài A"]
    assert body[1]["doi"] == "10.1000/abc"
    assert body[1]["expert_ids"] == sorted([expert.pk, colleague.pk])
    assert client.get("/api/v1/experts/NOPE/publications").status_code == 404
