"""Service request life cycle: received → assigned → in progress → done | declined."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from openstx.core.permissions import restrict
from openstx.portal import services
from openstx.portal.models import Attachment, RequestTransition, ServiceRequest

from .factories import MembershipFactory, OrganizationFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db
R = ServiceRequest.Status
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def file_request(user, service=None, **kw):
    return services.create_request(
        service or ServiceFactory(), user, subject="Phân tích Coliform", details="3 mẫu", **kw
    )


def test_full_life_cycle_logged_and_mailed(business, officer, officer2, mailoutbox):
    service = ServiceFactory(expected_days=7)
    req = file_request(business, service, files=[SimpleUploadedFile("phieu.pdf", PDF)])
    assert req.status == R.RECEIVED
    assert req.due_date == timezone.localdate() + dt.timedelta(days=7)
    assert req.attachments.count() == 1
    assert any(business.email in m.to for m in mailoutbox)  # confirmation
    assert any(officer.email in m.to for m in mailoutbox)  # staff told

    mailoutbox.clear()
    services.assign_request(req, officer, officer2, "Giao chị Hai")
    assert req.status == R.ASSIGNED and req.assignee == officer2
    assert {m.to[0] for m in mailoutbox} >= {business.email, officer2.email}

    with pytest.raises(PermissionDenied):  # not the assignee and ... officers may; requester not
        services.start_request(req, business)
    services.start_request(req, officer2)
    services.add_message(req, officer2, "Đã nhận mẫu, đang phân tích.")
    services.complete_request(req, officer2, "Kết quả đính kèm")
    req.refresh_from_db()
    assert req.status == R.DONE and req.closed_at is not None
    log = list(req.transitions.values_list("from_status", "to_status", "actor__username"))
    assert log == [
        ("", "received", "doanhnghiep"),
        ("received", "assigned", "canbo"),
        ("assigned", "in_progress", "canbo2"),
        ("in_progress", "done", "canbo2"),
    ]
    assert RequestTransition.objects.filter(request=req, comment="Kết quả đính kèm").exists()
    with translation.override(business.language):
        done = str(R.DONE.label)
    assert any(done in m.subject and m.to == [business.email] for m in mailoutbox)


def test_wrong_order_and_decline_needs_reason(business, officer):
    req = file_request(business)
    with pytest.raises(ValidationError):
        services.complete_request(req, officer)
    with pytest.raises(ValidationError):
        services.decline_request(req, officer, "  ")
    services.decline_request(req, officer, "Ngoài phạm vi dịch vụ")
    assert req.status == R.DECLINED
    with pytest.raises(ValidationError):
        services.assign_request(req, officer, officer)


def test_requester_and_outsider_cannot_handle(business, other_business, officer):
    req = file_request(business)
    for user in (business, other_business):
        with pytest.raises(PermissionDenied):
            services.assign_request(req, user, officer)
        with pytest.raises(PermissionDenied):
            services.decline_request(req, user, "không")
    with pytest.raises(ValidationError):  # assignee must handle the service
        services.assign_request(req, officer, business)
    with pytest.raises(PermissionDenied):
        services.add_message(req, other_business, "xin chào")
    assert services.available_actions(req, business) == []
    assert services.available_actions(req, officer) == ["assign", "decline"]


def test_intermediary_members_handle_their_service(business, other_business):
    provider = OrganizationFactory(name="Trung tâm Ứng dụng tiến bộ KH&CN", type="intermediary")
    staff = UserFactory(username="trungtam")
    MembershipFactory(user=staff, organization=provider)
    service = ServiceFactory(provider=provider)
    req = file_request(business, service)
    services.assign_request(req, staff, staff)
    services.start_request(req, staff)
    services.complete_request(req, staff)
    assert req.status == R.DONE
    other = file_request(business)  # a department service: the centre's staff cannot touch it
    with pytest.raises(PermissionDenied):
        services.assign_request(other, staff, staff)
    assert set(restrict(ServiceRequest.objects.all(), staff)) == {req}


def test_requester_sees_only_own(business, other_business, officer):
    mine = file_request(business)
    theirs = file_request(other_business)
    assert list(restrict(ServiceRequest.objects.all(), business)) == [mine]
    assert list(restrict(ServiceRequest.objects.all(), other_business)) == [theirs]
    assert set(restrict(ServiceRequest.objects.all(), officer)) == {mine, theirs}
    from django.contrib.auth.models import AnonymousUser

    assert not restrict(ServiceRequest.objects.all(), AnonymousUser()).exists()


def test_bad_attachment_refused_and_nothing_written(business):
    evil = SimpleUploadedFile("ketqua.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(ValidationError) as exc:
        file_request(business, files=[evil])
    assert "ketqua.pdf" in exc.value.messages[0]
    assert not ServiceRequest.objects.exists() and not Attachment.objects.exists()


def test_attachment_size_cap(business, settings):
    settings.OPENSTX_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError):
        file_request(business, files=[SimpleUploadedFile("a.pdf", PDF * 10)])


def test_overdue(business, officer):
    req = file_request(business)
    assert not req.is_overdue
    ServiceRequest.objects.filter(pk=req.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    req.refresh_from_db()
    assert req.is_overdue and list(services.overdue()) == [req]
    services.decline_request(req, officer, "Hết hạn")
    assert not req.is_overdue


def test_requester_cannot_file_for_foreign_org(business):
    with pytest.raises(PermissionDenied):
        file_request(business, organization=OrganizationFactory())
