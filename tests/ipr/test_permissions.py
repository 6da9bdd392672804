from __future__ import annotations

import pytest

from openstx.core.permissions import CHANGE, VIEW, can, restrict
from openstx.ipr.models import IPRecord, StandardAttachment, StandardRecord

from .factories import IPRecordFactory, OrganizationFactory, StandardRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(org):
    other = OrganizationFactory(name="Viện Lúa")
    return {
        "public": IPRecordFactory(title="Công khai", is_public=True),
        "own_private": IPRecordFactory(
            title="Riêng của mình", is_public=False, applicant_organization=org
        ),
        "other_private": IPRecordFactory(
            title="Riêng của người khác", is_public=False, applicant_organization=other
        ),
    }


def visible(user):
    return set(restrict(IPRecord.objects.all(), user, VIEW).values_list("title", flat=True))


def test_visibility(records, officer, member, outsider):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == {"Công khai"}
    assert visible(outsider) == {"Công khai"}
    assert visible(member) == {"Công khai", "Riêng của mình"}
    assert visible(officer) == {"Công khai", "Riêng của mình", "Riêng của người khác"}
    assert can(member, VIEW, records["own_private"])
    assert not can(member, VIEW, records["other_private"])


def test_only_officers_edit(records, officer, member):
    assert can(officer, CHANGE, records["own_private"])
    assert not can(member, CHANGE, records["own_private"])
    assert not restrict(IPRecord.objects.all(), member, CHANGE).exists()


def test_pages_respect_visibility(client, records, member, officer):
    private = records["other_private"]
    assert client.get(f"/ip/{private.pk}/").status_code == 404
    assert client.get(f"/ip/{records['public'].pk}/").status_code == 200
    client.force_login(member)
    assert client.get(f"/ip/{records['own_private'].pk}/").status_code == 200
    assert client.get(f"/ip/{private.pk}/").status_code == 404
    listing = client.get("/ip/").content.decode()
    assert "Riêng của mình" in listing and "Riêng của người khác" not in listing
    assert client.get("/ip/new/").status_code == 403
    assert client.get(f"/ip/{records['own_private'].pk}/edit/").status_code == 403
    assert client.get("/ip/import/").status_code == 403
    client.force_login(officer)
    assert client.get(f"/ip/{private.pk}/").status_code == 200
    assert client.get("/ip/new/").status_code == 200
    assert client.get("/ip/import/").status_code == 200


def test_officer_creates_record_through_the_form(client, officer, org):
    client.force_login(officer)
    response = client.post(
        "/ip/new/",
        {
            "type": "industrial_design",
            "title": "Chai nước mắm Phú Quốc",
            "applicant_organization": org.pk,
            "applicant_name": "",
            "status": "filed",
            "classes": "9-1",
            "is_public": "on",
            "application_number": "3-2019-00042",
            "application_date": "2019-04-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    record = IPRecord.objects.get(application_number="3-2019-00042")
    assert record.classes == "09-01" and record.applicant_name == org.name
    assert record.transitions.count() == 1


def test_standards_visibility_and_dossiers(client, org, member, outsider, officer, tmp_path):
    pending = StandardRecordFactory(title="Đang xử lý", organization=org, outcome="pending")
    StandardRecordFactory(title="Đã tiếp nhận", outcome="accepted")
    assert set(
        restrict(StandardRecord.objects.all(), outsider, VIEW).values_list("title", flat=True)
    ) == {"Đã tiếp nhận"}
    assert set(
        restrict(StandardRecord.objects.all(), member, VIEW).values_list("title", flat=True)
    ) == {"Đã tiếp nhận", "Đang xử lý"}
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        f"/ip/standards/{pending.pk}/", {"file": SimpleUploadedFile("ho-so.pdf", pdf)}
    )
    assert response.status_code == 302
    fake = SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf at all")
    response = client.post(f"/ip/standards/{pending.pk}/", {"file": fake})
    assert response.status_code == 200 and StandardAttachment.objects.count() == 1
    attachment = StandardAttachment.objects.get()
    assert attachment.mime_type == "application/pdf"
    client.force_login(member)
    assert client.get(f"/ip/standards/files/{attachment.pk}/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/ip/standards/files/{attachment.pk}/").status_code == 404
    assert client.post(f"/ip/standards/{pending.pk}/", {}).status_code == 404


def test_upload_size_cap(settings, officer):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from openstx.ipr.services import add_dossier_document

    settings.OPENSTX_MAX_UPLOAD_BYTES = 100
    record = StandardRecordFactory()
    with pytest.raises(ValidationError):
        add_dossier_document(record, SimpleUploadedFile("a.pdf", b"%PDF-1.4" + b"0" * 200), officer)


def test_training_capacity(officer):
    from django.core.exceptions import ValidationError

    from openstx.ipr.services import add_attendee

    from .factories import TrainingCourseFactory

    course = TrainingCourseFactory(capacity=2)
    add_attendee(course, name="Nguyễn Văn A", user=officer)
    add_attendee(course, name="Trần Thị B", organization_name="HTX Mỹ Khánh", user=officer)
    with pytest.raises(ValidationError):
        add_attendee(course, name="Lê Văn C", user=officer)
    assert course.attendances.count() == 2


def test_organisation_filter_lists_only_visible_applicants(client, records, org, member):
    from django.contrib.auth.models import AnonymousUser

    from openstx.ipr.filters import IPFilterForm

    names = {
        label for _v, label in IPFilterForm(user=AnonymousUser()).fields["organization"].choices
    }
    assert org.name not in names and "Viện Lúa" not in names
    names = {label for _v, label in IPFilterForm(user=member).fields["organization"].choices}
    assert org.name in names and "Viện Lúa" not in names
    client.force_login(member)
    html = client.get(f"/ip/?organization={org.pk}").content.decode()
    assert "Riêng của mình" in html and "Công khai" not in html
