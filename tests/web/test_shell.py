import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_renders_in_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Sàn giao dịch công nghệ" in html


@pytest.mark.django_db
def test_language_switch_to_english(client):
    response = client.get(reverse("web:language", args=["en"]) + "?next=/", follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Technology exchange" in html


def test_healthz(client):
    assert client.get("/healthz").content == b"ok"


@pytest.mark.django_db
def test_readyz_reports_database_broker_and_disk(client):
    response = client.get("/readyz")
    data = response.json()
    assert set(data["checks"]) == {"database", "broker", "worker", "disk"}
    assert data["checks"]["database"]["ok"] is True
    assert response.status_code == (200 if data["ok"] else 503)


@pytest.mark.django_db
def test_job_pages_show_own_jobs_and_staff_see_all(client, django_user_model):
    from openstx.core.models import Job

    alice = django_user_model.objects.create_user("alice", "alice@example.vn", "pw-Alice-123")
    bob = django_user_model.objects.create_user("bob", "bob@example.vn", "pw-Bob-123")
    officer = django_user_model.objects.create_user("off", "off@example.vn", "x", role="officer")
    mine = Job.objects.create(
        kind="import", title="Nhập tổ chức", created_by=alice, total=10, done=4
    )
    theirs = Job.objects.create(kind="ocr", title="Số hóa", created_by=bob)

    assert client.get(reverse("web:job-list")).status_code == 302  # sign in first
    client.force_login(alice)
    listing = client.get(reverse("web:job-list")).content.decode()
    assert "Nhập tổ chức" in listing and "Số hóa" not in listing
    assert client.get(reverse("web:job-detail", args=[theirs.pk])).status_code == 404
    partial = client.get(reverse("web:job-detail", args=[mine.pk]), HTTP_HX_REQUEST="true")
    assert 'value="40"' in partial.content.decode() and "hx-trigger" in partial.content.decode()

    client.force_login(officer)
    listing = client.get(reverse("web:job-list") + "?status=queued").content.decode()
    assert "Nhập tổ chức" in listing and "Số hóa" in listing


@pytest.mark.django_db
def test_language_link_refuses_foreign_redirects_and_unknown_languages(client):
    response = client.get(reverse("web:language", args=["vi"]) + "?next=https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("web:language", args=["xx"])).status_code == 404
