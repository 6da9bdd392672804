"""The officers' article editor: create, edit, schedule, publish, unpublish; permissions;
sanitised bodies; re-encoded images; the search index follows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from openstx.portal import services
from openstx.portal.models import Article
from openstx.projects.models import Task

from .factories import PASSWORD, ArticleFactory

pytestmark = pytest.mark.django_db


def _png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(buf, "PNG")
    return SimpleUploadedFile("ảnh hội thảo.png", buf.getvalue(), content_type="image/png")


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def _login(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_non_officer_gets_403_and_anonymous_is_sent_to_sign_in(client, business):
    article = ArticleFactory()
    urls = [
        "/portal/news/manage/",
        "/portal/news/new/",
        f"/portal/news/{article.pk}/edit/",
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url
    _login(client, business)
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post("/portal/news/new/", {"title": "x", "category": "news"}).status_code == 403
    r = client.post(f"/portal/news/{article.pk}/status/", {"action": "unpublish"})
    assert r.status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert Article.objects.count() == 1


def test_service_refuses_non_officers(business):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.save_article(None, business, {"title": "Tin", "category": "news"})
    article = ArticleFactory()
    with pytest.raises(PermissionDenied):
        services.unpublish_article(article, business)
    with pytest.raises(PermissionDenied):
        services.publish_article(article, business)


def test_officer_writes_a_draft_with_image_then_publishes(client, officer):
    _login(client, officer)
    assert client.get("/portal/news/new/").status_code == 200
    r = client.post(
        "/portal/news/new/",
        {
            "title": "Hội thảo chuyển giao công nghệ sấy nông sản",
            "category": "news",
            "summary": "Tóm tắt",
            "body": '<p onclick="steal()">Nội dung <strong>chính</strong></p>'
            "<script>alert('x')</script><a href=\"javascript:evil()\">liên kết</a>",
            "image": _png(),
            "action": "draft",
        },
    )
    assert r.status_code == 302
    article = Article.objects.get()
    assert r["Location"] == f"/portal/news/{article.pk}/edit/"
    assert article.author == officer and article.status == Article.Status.DRAFT
    assert "<script" not in article.body and "alert" not in article.body
    assert "onclick" not in article.body and "javascript:" not in article.body
    assert "<strong>chính</strong>" in article.body
    assert article.image.name.endswith(".jpg") and article.thumbnail  # re-encoded
    # a draft is not public
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Hội thảo chuyển giao" not in client.get("/portal/").content.decode()
    # publish from the editor
    _login(client, officer)
    r = client.post(
        f"/portal/news/{article.pk}/edit/",
        {"title": article.title, "category": "news", "body": article.body, "action": "publish"},
    )
    assert r.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.live
    assert article.publish_at <= timezone.now()
    assert article.image  # kept when no new image is sent
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Nội dung" in page and "<script>alert" not in page


def test_scheduled_article_stays_hidden_until_its_time(client, officer):
    _login(client, officer)
    when = timezone.now() + dt.timedelta(days=2)
    r = client.post(
        "/portal/news/new/",
        {
            "title": "Thông báo hẹn giờ",
            "category": "news",
            "publish_at": _local(when),
            "action": "publish",
        },
        follow=True,
    )
    article = Article.objects.get()
    assert services.article_state(article) == "scheduled"
    assert not article.live
    assert "Scheduled" in r.content.decode() or "Đã hẹn giờ" in r.content.decode()
    listing = client.get("/portal/news/manage/?state=scheduled").content.decode()
    assert "Thông báo hẹn giờ" in listing
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404
    # the time comes: publish_due (periodic job, list pages) makes it live
    Article.objects.filter(pk=article.pk).update(
        publish_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.publish_due() == 1
    assert client.get(article.get_absolute_url()).status_code == 200


def test_unpublish_takes_it_off_the_site_and_the_search_index(client, officer):
    from openstx.search import writer
    from openstx.search.service import search

    article = ArticleFactory(title="Hội nghị nuôi cá tra xuất khẩu")
    writer.apply_pending()
    assert [h.title for h in search("ca tra", types=["article"]).hits] == [article.title]
    _login(client, officer)
    r = client.post(
        f"/portal/news/{article.pk}/status/",
        {"action": "unpublish", "next": "https://evil.example/"},
    )
    assert r.status_code == 302 and r["Location"] == "/portal/news/manage/"
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and not article.live
    writer.apply_pending()
    assert search("ca tra", types=["article"]).hits == []
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 404
    assert article.title not in client.get("/portal/feed/").content.decode()
    # and back: publish now
    _login(client, officer)
    client.post(f"/portal/news/{article.pk}/status/", {"action": "publish"})
    article.refresh_from_db()
    assert article.live
    writer.apply_pending()
    assert [h.title for h in search("ca tra", types=["article"]).hits] == [article.title]


def test_call_for_proposals_with_deadline_and_task_codes(client, officer):
    task = Task.objects.create(title="Nghiên cứu giống lúa chịu mặn", code="ĐT-2026-07")
    _login(client, officer)
    data = {
        "title": "Thông báo tuyển chọn nhiệm vụ năm 2026",
        "category": "call",
        "deadline": _local(timezone.now() + dt.timedelta(days=30)),
        "task_codes": "ĐT-2026-07, KHÔNG-CÓ",
        "action": "publish",
    }
    r = client.post("/portal/news/new/", data)
    assert r.status_code == 200  # the unknown code is refused; the form comes back filled
    assert "KHÔNG-CÓ" in r.content.decode() and "Thông báo tuyển chọn" in r.content.decode()
    assert not Article.objects.exists()
    data["task_codes"] = "ĐT-2026-07"
    assert client.post("/portal/news/new/", data).status_code == 302
    call = Article.objects.get()
    assert list(call.tasks.all()) == [task] and call.deadline is not None
    body = client.get(call.get_absolute_url()).content.decode()
    assert "Nghiên cứu giống lúa chịu mặn" in body
    # switching to plain news drops the call-only fields
    r = client.post(
        f"/portal/news/{call.pk}/edit/",
        {"title": call.title, "category": "news", "task_codes": "ĐT-2026-07", "action": "publish"},
    )
    call.refresh_from_db()
    assert call.deadline is None and not call.tasks.exists()


def test_bad_image_is_refused_and_nothing_is_lost(client, officer):
    _login(client, officer)
    r = client.post(
        "/portal/news/new/",
        {
            "title": "Tin có ảnh giả",
            "category": "news",
            "body": "<p>Giữ nguyên nội dung</p>",
            "image": SimpleUploadedFile("anh.png", b"MZ\x90\x00 not an image"),
            "action": "draft",
        },
    )
    assert r.status_code == 200
    assert "Giữ nguyên nội dung" in r.content.decode()
    assert not Article.objects.exists()


def test_edit_link_only_for_officers(client, officer, business):
    article = ArticleFactory()
    edit = f"/portal/news/{article.pk}/edit/"
    assert edit not in client.get(article.get_absolute_url()).content.decode()
    _login(client, business)
    assert edit not in client.get(article.get_absolute_url()).content.decode()
    _login(client, officer)
    assert edit in client.get(article.get_absolute_url()).content.decode()
    assert "/portal/news/manage/" in client.get("/portal/").content.decode()


def test_api_officer_writes_schedules_publishes_and_unpublishes(client, officer, business):
    from django.test import Client

    from openstx.accounts import services as accounts

    Task.objects.create(title="Nghiên cứu giống lúa chịu mặn", code="ĐT-2026-09")
    token = accounts.create_token(officer, "cms").secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    r = api.post(
        "/api/v1/articles",
        {
            "title": "Thông báo tuyển chọn qua API",
            "category": "call",
            "body": "<p>Nội dung</p><script>alert(1)</script>",
            "deadline": (timezone.now() + dt.timedelta(days=30)).isoformat(),
            "tasks": ["ĐT-2026-09"],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["state"] == "draft" and "<script" not in data["body"]
    assert len(data["tasks"]) == 1
    pk = data["id"]
    assert client.get(f"/api/v1/articles/{pk}").status_code == 404  # a draft is not public
    when = timezone.now() + dt.timedelta(days=1)
    r = api.patch(
        f"/api/v1/articles/{pk}",
        {"action": "publish", "publish_at": when.isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "scheduled"
    r = api.patch(f"/api/v1/articles/{pk}", {"publish_at": None}, content_type="application/json")
    assert r.json()["state"] == "published"  # kept published; an empty time means now
    assert client.get(f"/api/v1/articles/{pk}").status_code == 200
    r = api.patch(f"/api/v1/articles/{pk}", {"action": "draft"}, content_type="application/json")
    assert r.json()["state"] == "draft"
    assert client.get(f"/api/v1/articles/{pk}").status_code == 404
    # bad input: unknown task code, unknown category
    r = api.patch(
        f"/api/v1/articles/{pk}", {"tasks": ["KHÔNG-CÓ"]}, content_type="application/json"
    )
    assert r.status_code == 422 and "KHÔNG-CÓ" in str(r.json()["detail"])
    r = api.post(
        "/api/v1/articles", {"title": "x", "category": "gossip"}, content_type="application/json"
    )
    assert r.status_code == 422
    # non-officers: 403 (or 404 for what they cannot see); anonymous: 401
    other = Client(HTTP_AUTHORIZATION=f"Bearer {accounts.create_token(business, 's').secret}")
    r = other.post("/api/v1/articles", {"title": "Tin lạ"}, content_type="application/json")
    assert r.status_code == 403
    public = ArticleFactory()
    r = other.patch(
        f"/api/v1/articles/{public.pk}", {"title": "Sửa bậy"}, content_type="application/json"
    )
    assert r.status_code == 403
    assert (
        other.patch(f"/api/v1/articles/{pk}", {}, content_type="application/json").status_code
        == 404
    )
    assert (
        Client()
        .post("/api/v1/articles", {"title": "x"}, content_type="application/json")
        .status_code
        == 401
    )
    public.refresh_from_db()
    assert public.title != "Sửa bậy"
