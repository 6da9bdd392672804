from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from openstx.ipr import services
from openstx.ipr.models import IPStatus

from .factories import IPRecordFactory

pytestmark = pytest.mark.django_db


def walk(record, user, *steps):
    for step in steps:
        kwargs = {"certificate_number": "312345"} if step == IPStatus.GRANTED else {}
        services.transition(record, step, user, comment="ok", **kwargs)
        record.refresh_from_db()
    return record


def test_full_path_to_grant_records_who_when_why(officer):
    record = IPRecordFactory()
    walk(record, officer, IPStatus.FORMALITY, IPStatus.PUBLISHED, IPStatus.SUBSTANTIVE)
    services.transition(
        record,
        IPStatus.GRANTED,
        officer,
        comment="Cấp văn bằng",
        certificate_number="312345",
        certificate_date=dt.date(2019, 8, 1),
    )
    record.refresh_from_db()
    assert record.status == IPStatus.GRANTED
    assert record.certificate_number == "312345"
    assert record.certificate_date == dt.date(2019, 8, 1)
    steps = list(record.transitions.values_list("from_status", "to_status"))
    assert steps[-1] == (IPStatus.SUBSTANTIVE, IPStatus.GRANTED)
    last = record.transitions.last()
    assert last.actor == officer and last.comment == "Cấp văn bằng" and last.at
    # history keeps the before/after of each change
    assert record.history.count() >= 4


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), IPStatus.GRANTED),  # filed -> granted skips the examinations
        ((), IPStatus.PUBLISHED),
        ((IPStatus.FORMALITY,), IPStatus.SUBSTANTIVE),
        ((IPStatus.WITHDRAWN,), IPStatus.FORMALITY),  # final
        ((IPStatus.REFUSED,), IPStatus.GRANTED),
        (
            (IPStatus.FORMALITY, IPStatus.PUBLISHED, IPStatus.SUBSTANTIVE, IPStatus.GRANTED),
            IPStatus.FILED,
        ),
        ((), IPStatus.LAPSED),
    ],
)
def test_forbidden_transitions(officer, path, target):
    record = walk(IPRecordFactory(), officer, *path)
    before = record.status
    with pytest.raises(ValidationError):
        services.transition(record, target, officer, comment="x", certificate_number="1")
    record.refresh_from_db()
    assert record.status == before


def test_granted_can_lapse_or_expire(officer):
    record = walk(
        IPRecordFactory(),
        officer,
        IPStatus.FORMALITY,
        IPStatus.PUBLISHED,
        IPStatus.SUBSTANTIVE,
        IPStatus.GRANTED,
    )
    assert set(services.allowed_transitions(record)) == {IPStatus.LAPSED, IPStatus.EXPIRED}
    walk(record, officer, IPStatus.LAPSED)
    assert services.allowed_transitions(record) == []


def test_withdraw_and_refuse_need_a_reason(officer):
    record = IPRecordFactory()
    with pytest.raises(ValidationError):
        services.transition(record, IPStatus.WITHDRAWN, officer, comment="  ")
    services.transition(record, IPStatus.WITHDRAWN, officer, comment="Chủ đơn rút đơn")
    record.refresh_from_db()
    assert record.status == IPStatus.WITHDRAWN


def test_grant_needs_certificate_number(officer):
    record = walk(
        IPRecordFactory(), officer, IPStatus.FORMALITY, IPStatus.PUBLISHED, IPStatus.SUBSTANTIVE
    )
    with pytest.raises(ValidationError):
        services.transition(record, IPStatus.GRANTED, officer)


def test_software_copyright_is_granted_without_examination(officer):
    record = IPRecordFactory(type="software_copyright", classes="")
    services.transition(record, IPStatus.GRANTED, officer, certificate_number="1234/2019/QTG")
    record.refresh_from_db()
    assert record.status == IPStatus.GRANTED


def test_only_officers_change_status(member, outsider, org):
    record = IPRecordFactory(applicant_organization=org)
    for user in (member, outsider, None):
        with pytest.raises(PermissionDenied):
            services.transition(record, IPStatus.FORMALITY, user)
    record.refresh_from_db()
    assert record.status == IPStatus.FILED
    assert not record.transitions.exists()


def test_transition_view(client, officer, member, org):
    record = IPRecordFactory(applicant_organization=org)
    client.force_login(member)
    response = client.post(f"/ip/{record.pk}/status/", {"to_status": "formality_examination"})
    assert response.status_code == 403
    client.force_login(officer)
    response = client.post(
        f"/ip/{record.pk}/status/", {"to_status": "formality_examination", "comment": "Đơn hợp lệ"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == IPStatus.FORMALITY
    response = client.post(f"/ip/{record.pk}/status/", {"to_status": "granted"}, follow=True)
    record.refresh_from_db()
    assert record.status == IPStatus.FORMALITY
    assert response.status_code == 200
