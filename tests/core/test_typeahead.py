"""Record choosers are type-aheads (core.typeahead): the create/edit forms of offers, demands,
experts, tasks and documents stay small however many organisations and experts exist, and a
posted id the user may not see (or that does not exist) is a clear form error."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from openstx.accounts.models import User
from openstx.core import derived, typeahead
from openstx.directory.models import Expert, Organization
from openstx.exchange.forms import OfferForm
from openstx.library.forms import DocumentForm
from openstx.projects.models import Task

from ..factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MANY = 2000


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DATA_DIR = tmp_path


@pytest.fixture
def many_orgs(db):
    derived.bulk_create(
        Organization,
        [
            Organization(name=f"Công ty TNHH Thủy sản Số {i:04d}", external_id=f"ORG-{i:04d}")
            for i in range(MANY)
        ],
        batch_size=1000,
    )
    orgs = list(Organization.objects.order_by("pk")[:10])
    derived.bulk_create(
        Expert,
        [
            Expert(full_name=f"Nguyễn Thị Giang {i:04d}", organization=orgs[i % 10])
            for i in range(MANY)
        ],
        batch_size=1000,
    )
    return orgs


@pytest.fixture
def officer(db):
    return UserFactory(username="officer", role=User.Role.OFFICER)


@pytest.fixture
def member(many_orgs):
    user = UserFactory(username="member")
    MembershipFactory(user=user, organization=many_orgs[0])
    return user


def login(user: User) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def options(html: str) -> int:
    return len(re.findall(r"<option\b", html))


@pytest.mark.parametrize(
    "url",
    [
        "exchange:offer-create",
        "exchange:demand-create",
        "directory:expert-create",
        "projects:task-create",
        "library:upload",
    ],
)
def test_forms_stay_small_with_thousands_of_records(url, many_orgs, officer):
    page = login(officer).get(reverse(url))
    assert page.status_code == 200
    html = page.content.decode()
    # the choosers are inputs with a suggestion list, not a <select> of 2,000 rows
    assert options(html) < 200, options(html)
    assert "Công ty TNHH Thủy sản Số 1999" not in html
    assert "Nguyễn Thị Giang 1999" not in html
    assert 'hx-get="/lookup/' in html


def test_member_keeps_a_short_select_of_own_organisations(member, many_orgs):
    html = login(member).get(reverse("exchange:offer-create")).content.decode()
    assert f'<option value="{many_orgs[0].pk}"' in html
    assert options(html) < 200


def test_unknown_or_invisible_ids_are_form_errors(many_orgs, officer, member):
    data = {"title": "Chế phẩm vi sinh", "kind": "technology", "transfer_modes": []}
    form = OfferForm({**data, "owner": "ORG-NOPE"}, user=officer)
    assert not form.is_valid()
    assert "ORG-NOPE" in str(form.errors["owner"])
    form = OfferForm({**data, "owner": "ORG-0005"}, user=officer)  # external id
    assert form.is_valid(), form.errors
    assert form.cleaned_data["owner"].external_id == "ORG-0005"
    form = OfferForm({**data, "owner": f"#{many_orgs[3].pk} Công ty"}, user=officer)  # a pick
    assert form.is_valid() and form.cleaned_data["owner"] == many_orgs[3]
    # a member may post only for their own organisation
    form = OfferForm({**data, "owner": str(many_orgs[1].pk)}, user=member)
    assert not form.is_valid() and "owner" in form.errors
    # over the page, the error is shown on the form
    r = login(officer).post(reverse("exchange:offer-create"), {**data, "owner": "999999"})
    assert r.status_code == 200 and "999999" in r.content.decode()


class TaskPick(forms.Form):
    task = typeahead.IdentField("task", required=False)


def test_invisible_task_is_refused(member, officer):
    hidden = Task.objects.create(code="ĐT-2025-09", title="Đề xuất lúa chịu mặn", state="proposed")
    form = TaskPick({"task": str(hidden.pk)})
    typeahead.bind_user(form, member)
    assert not form.is_valid() and "ĐT-2025-09" not in str(form.errors)
    form = TaskPick({"task": str(hidden.pk)})
    typeahead.bind_user(form, officer)
    assert form.is_valid() and form.cleaned_data["task"] == hidden


def test_multi_value_typeahead_for_document_authors(many_orgs, officer):
    experts = list(Expert.objects.order_by("pk")[:3])
    base = {
        "title": "Báo cáo tổng kết",
        "language": "vi",
        "access_level": "public",
        "collection": "papers",
    }
    form = DocumentForm(
        {
            **base,
            "experts": [str(experts[0].pk), f"#{experts[1].pk} Nguyễn", ""],
            "organizations": ["ORG-0001, ORG-0002"],
        },
        user=officer,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["experts"] == experts[:2]
    assert [o.external_id for o in form.cleaned_data["organizations"]] == ["ORG-0001", "ORG-0002"]
    form = DocumentForm({**base, "experts": [str(experts[0].pk), "999999"]}, user=officer)
    assert not form.is_valid() and "999999" in str(form.errors["experts"])
    # the edit page shows one input per chosen record plus an empty one
    html = str(DocumentForm(initial={"experts": experts[:2]}, user=officer)["experts"])
    assert html.count('name="experts"') == 3 and "add=experts" in html


def test_lookup_suggests_by_words_without_accents_and_adds_rows(many_orgs, officer):
    c = login(officer)
    html = c.get("/lookup/expert/", {"q": "giang 0007"}).content.decode()
    assert "Nguyễn Thị Giang 0007" in html and options(html) == 1
    html = c.get("/lookup/organization/", {"organization": "so 0012"}).content.decode()
    assert 'value="ORG-0012"' in html
    assert options(c.get("/lookup/organization/", {"q": "thuy san"}).content.decode()) == 20
    assert c.get("/lookup/nothing/", {"q": "x"}).status_code == 404
    row = c.get("/lookup/expert/", {"add": "experts", "n": "3", "id": "id_experts"})
    text = row.content.decode()
    assert 'name="experts"' in text and 'id="id_experts_3"' in text and "n=4" in text


def test_council_member_is_picked_by_id_or_external_id(many_orgs):
    from openstx.projects.forms import CouncilMemberForm, expert_option_value

    expert = Expert.objects.order_by("pk").first()
    Expert.objects.filter(pk=expert.pk).update(external_id="CG-1")
    # an external id, or the picked suggestion ("Name — Organisation (#id)"), never a bare number
    for value in ("CG-1", expert_option_value(expert)):
        form = CouncilMemberForm({"expert": value, "role": "member"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["expert"] == expert
    form = CouncilMemberForm({"expert": "CG-404", "role": "member"})
    assert not form.is_valid() and "CG-404" in str(form.errors["expert"])
    assert 'hx-get="/lookup/expert/"' in str(CouncilMemberForm()["expert"])
