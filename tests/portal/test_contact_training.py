"""Contact form (honeypot, rate limit per IP) and training registration (capacity)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from openstx.ipr.models import Attendance, TrainingCourse
from openstx.portal import services
from openstx.portal.models import ContactMessage

pytestmark = pytest.mark.django_db

MSG = {
    "name": "Nguyễn Văn Liên",
    "email": "lien@example.vn",
    "subject": "Hỏi thủ tục",
    "message": "Xin hướng dẫn thủ tục đăng ký hợp đồng chuyển giao công nghệ.",
}


def test_contact_stored_and_mailed(client, mailoutbox):
    r = client.post("/portal/contact/", {**MSG, "website": ""})
    assert r.status_code == 302
    assert ContactMessage.objects.get().subject == "Hỏi thủ tục"
    assert mailoutbox[-1].to == ["sokhcn@example.vn"] and "Hỏi thủ tục" in mailoutbox[-1].subject


def test_contact_honeypot(client, mailoutbox):
    r = client.post("/portal/contact/", {**MSG, "website": "http://spam.example"})
    assert r.status_code == 302  # the bot is told nothing
    assert not ContactMessage.objects.exists() and not mailoutbox


def test_contact_rate_limit(client):
    for _ in range(services.CONTACT_LIMIT):
        assert client.post("/portal/contact/", MSG).status_code == 302
    r = client.post("/portal/contact/", MSG)
    assert r.status_code == 429
    assert ContactMessage.objects.count() == services.CONTACT_LIMIT
    # the form comes back filled in
    assert "Xin hướng dẫn thủ tục" in r.content.decode()
    # another address is not affected
    assert client.post("/portal/contact/", MSG, REMOTE_ADDR="10.0.0.9").status_code == 302


def course(capacity=2, days=10):
    return TrainingCourse.objects.create(
        title="Tập huấn sở hữu trí tuệ cho doanh nghiệp",
        capacity=capacity,
        start_date=timezone.localdate() + dt.timedelta(days=days),
        place="Cần Thơ",
    )


def test_registration_capacity(client, mailoutbox):
    c = course(capacity=2)
    for i in range(2):
        r = client.post(
            f"/portal/training/{c.pk}/register/",
            {"name": f"Học viên {i}", "email": f"hv{i}@example.vn"},
        )
        assert r.status_code == 302
    assert Attendance.objects.filter(course=c, attended=False).count() == 2
    assert mailoutbox[-1].to == ["hv1@example.vn"]
    r = client.post(
        f"/portal/training/{c.pk}/register/", {"name": "Người thứ ba", "email": "c@example.vn"}
    )
    assert r.status_code == 409
    assert "(2" in r.content.decode()  # "full (2 seats)"
    assert Attendance.objects.filter(course=c).count() == 2


def test_registration_duplicate_and_started():
    c = course(capacity=None)
    services.register_for_course(c, name="A", email="a@example.vn")
    with pytest.raises(ValidationError):
        services.register_for_course(c, name="A", email="A@example.vn")
    with pytest.raises(ValidationError):
        services.register_for_course(course(days=-1), name="B", email="b@example.vn")


@pytest.mark.django_db(transaction=True)
def test_registration_capacity_under_concurrency():
    c = course(capacity=1)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            services.register_for_course(c, name=f"Người {i}", email=f"p{i}@example.vn")
            results.append("ok")
        except ValidationError:
            results.append("full")
        except Exception as exc:  # SQLite may report a busy database instead
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1
    assert Attendance.objects.filter(course=c).count() == 1


def test_rate_limit_by_forwarded_address_behind_proxy(client):
    for _ in range(services.CONTACT_LIMIT):
        assert (
            client.post("/portal/contact/", MSG, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
            == 302
        )
    assert (
        client.post("/portal/contact/", MSG, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    )
    # another visitor behind the same proxy is not blocked
    assert (
        client.post("/portal/contact/", MSG, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
    )
    assert ContactMessage.objects.filter(ip="198.51.100.7").exists()
