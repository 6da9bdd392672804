"""Requests to see an offer's confidential details: the policy (granted sees; pending, refused,
revoked and other organisations do not) on the page, the attachment download and the API; the
owner's non-disclosure terms; notifications in the requester's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from openstx.core.models import Notification
from openstx.core.permissions import can
from openstx.exchange import services
from openstx.exchange.models import ConfidentialRequest, ListingStatus
from openstx.exchange.policies import CONFIDENTIAL
from openstx.exchange.services import confidential

from .factories import PASSWORD, MembershipFactory, OfferFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
SECRET = "men vi sinh 3%"


def client_for(user=None) -> Client:
    c = Client()
    if user is not None:
        assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def offer(research_org, researcher, officer):
    o = OfferFactory(owner=research_org)
    services.add_attachment(o, researcher, SimpleUploadedFile("ban-ve.pdf", PDF), confidential=True)
    type(o).objects.filter(pk=o.pk).update(status=ListingStatus.SUBMITTED)
    services.approve(o, officer)
    o.refresh_from_db()
    return o


@pytest.fixture
def third(db):
    user = UserFactory(username="third")
    MembershipFactory(user=user, organization=OrganizationFactory(name="Công ty Thứ Ba"))
    return user


def sees_everywhere(user, offer) -> dict[str, bool]:
    """What ``user`` sees of the confidential parts: page, attachment download, API."""
    c = client_for(user)
    page = c.get(offer.get_absolute_url()).content.decode()
    att = offer.attachments.get(confidential=True)
    download = c.get(f"/exchange/attachments/{att.pk}/")
    api = c.get(f"/api/v1/offers/{offer.pk}").json()
    return {
        "policy": can(user, CONFIDENTIAL, offer),
        "page": SECRET in page,
        "download": download.status_code == 200,
        "api": bool(api["confidential_detail"]) and SECRET in api["confidential_detail"],
    }


ALL = {"policy": True, "page": True, "download": True, "api": True}
NONE = {"policy": False, "page": False, "download": False, "api": False}


def test_granted_sees_pending_refused_revoked_and_others_do_not(offer, business, researcher, third):
    assert sees_everywhere(business, offer) == NONE
    req = confidential.request_details(business, offer, "Cần bản vẽ để đánh giá")
    assert req.status == ConfidentialRequest.Status.PENDING
    assert sees_everywhere(business, offer) == NONE  # pending
    confidential.grant(researcher, req)
    assert sees_everywhere(business, offer) == ALL  # granted
    assert sees_everywhere(third, offer) == NONE  # another organisation
    confidential.revoke(researcher, req, "Hết thời hạn đánh giá")
    assert sees_everywhere(business, offer) == NONE  # revoked
    again = confidential.request_details(business, offer)  # may ask again after a revocation
    confidential.refuse(researcher, again, "Chưa phù hợp")
    assert sees_everywhere(business, offer) == NONE  # refused
    # the history keeps every step
    assert [h.status for h in confidential.steps(req)] == ["pending", "granted", "revoked"]


def test_only_the_owner_or_staff_answer(offer, business, third, officer):
    req = confidential.request_details(business, offer)
    with pytest.raises(PermissionDenied):
        confidential.grant(third, req)
    with pytest.raises(PermissionDenied):
        confidential.grant(business, req)  # not one's own request either
    confidential.grant(officer, req)
    with pytest.raises(ValidationError):
        confidential.grant(officer, req)  # already granted


def test_who_may_ask(offer, business, researcher, officer):
    with pytest.raises(ValidationError):
        confidential.request_details(researcher, offer)  # the owner's own offer
    with pytest.raises(ValidationError):
        confidential.request_details(officer, offer)  # staff already see
    confidential.request_details(business, offer)
    with pytest.raises(ValidationError):
        confidential.request_details(business, offer)  # one open request
    plain = OfferFactory(owner=offer.owner, confidential_detail="", status=ListingStatus.PUBLISHED)
    with pytest.raises(ValidationError):
        confidential.request_details(business, plain)  # nothing confidential to ask for


def test_terms_must_be_accepted_and_are_recorded(offer, business, researcher, third):
    with pytest.raises(PermissionDenied):
        confidential.set_terms(third, offer, "Không tiết lộ")
    terms = confidential.set_terms(researcher, offer, "Bên nhận không tiết lộ cho bên thứ ba.")
    assert terms.version == 1
    with pytest.raises(ValidationError) as err:
        confidential.request_details(business, offer)
    assert "accept_terms" in err.value.message_dict
    assert not ConfidentialRequest.objects.exists()
    req = confidential.request_details(business, offer, accept_terms=True)
    assert req.nda_text == terms.text and req.nda_version == 1
    assert req.nda_sha256 == terms.sha256 and len(req.nda_sha256) == 64
    assert req.nda_accepted_at is not None
    terms = confidential.set_terms(researcher, offer, "Điều khoản mới: thời hạn 2 năm.")
    assert terms.version == 2
    req.refresh_from_db()
    assert req.nda_version == 1  # the version the requester accepted stays


def test_page_form_needs_the_tick(offer, business, researcher):
    confidential.set_terms(researcher, offer, "Bên nhận không tiết lộ.")
    c = client_for(business)
    page = c.get(offer.get_absolute_url()).content.decode()
    assert 'data-testid="confidential-request-form"' in page and "Bên nhận không tiết lộ." in page
    url = f"/exchange/offers/{offer.pk}/confidential/request/"
    c.post(url, {"message": "Xin xem"})
    assert not ConfidentialRequest.objects.exists()
    c.post(url, {"message": "Xin xem", "accept_terms": "on"})
    req = ConfidentialRequest.objects.get()
    assert req.nda_version == 1
    page = c.get(offer.get_absolute_url()).content.decode()
    assert 'data-testid="confidential-pending"' in page
    # the owner sees it on the offer, in "my listings" and in the list, and grants it
    owner = client_for(researcher)
    assert (
        f'data-testid="confidential-request-{req.pk}"'
        in owner.get(offer.get_absolute_url()).content.decode()
    )
    assert offer.title in owner.get("/exchange/mine/").content.decode()
    assert (
        'data-testid="confidential-pending-list"' in owner.get("/exchange/mine/").content.decode()
    )
    assert owner.get("/exchange/confidential-requests/").status_code == 200
    client_for(business).post(f"/exchange/confidential-requests/{req.pk}/grant/")  # not theirs
    assert ConfidentialRequest.objects.get().status == "pending"
    owner.post(f"/exchange/confidential-requests/{req.pk}/grant/", {"reason": ""})
    assert ConfidentialRequest.objects.get().status == "granted"
    # the owner sees the request's history on the offer page
    assert (
        f'data-testid="confidential-history-{req.pk}"'
        in owner.get(offer.get_absolute_url()).content.decode()
    )
    page = c.get(offer.get_absolute_url()).content.decode()
    assert 'data-testid="confidential-granted"' in page and SECRET in page


def test_notifications_in_the_recipients_language(offer, business, researcher):
    business.language = "en"
    business.save(update_fields=["language"])
    researcher.language = "vi"
    researcher.save(update_fields=["language"])
    req = confidential.request_details(business, offer)
    to_owner = Notification.objects.get(user=researcher, verb="confidential")
    assert "bảo mật" in to_owner.title and offer.title in to_owner.title
    confidential.refuse(researcher, req, "Chưa đủ điều kiện")
    to_requester = Notification.objects.filter(user=business, verb="confidential").latest("id")
    assert "refused" in to_requester.title and "Chưa đủ điều kiện" in to_requester.body


def test_api_request_terms_and_decision(offer, business, researcher, third):
    confidential.set_terms(researcher, offer, "Không tiết lộ.")
    biz = client_for(business)
    terms = biz.get(f"/api/v1/offers/{offer.pk}/confidential-terms").json()
    assert terms["required"] and terms["version"] == 1
    url = f"/api/v1/offers/{offer.pk}/confidential-requests"
    r = biz.post(url, {"message": "x"}, content_type="application/json")
    assert r.status_code == 422
    r = biz.post(url, {"message": "x", "accept_terms": True}, content_type="application/json")
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert r.json()["nda_sha256"] == terms["sha256"]
    decision = f"/api/v1/confidential-requests/{rid}/decision"
    assert (
        client_for(third).post(decision, {"action": "grant"}, content_type="application/json")
    ).status_code == 404
    assert (
        biz.post(decision, {"action": "grant"}, content_type="application/json")
    ).status_code == 403
    assert biz.get(f"/api/v1/offers/{offer.pk}").json()["confidential_detail"] is None
    r = client_for(researcher).post(decision, {"action": "grant"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "granted"
    assert SECRET in biz.get(f"/api/v1/offers/{offer.pk}").json()["confidential_detail"]
    assert [x["id"] for x in client_for(third).get(url).json()] == []
    assert [x["id"] for x in client_for(researcher).get(url).json()] == [rid]
