"""Articles: sanitised body, scheduled publishing, list filters, search, the Atom feed, calls."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from openstx.core.permissions import restrict
from openstx.portal import services
from openstx.portal.models import Article
from openstx.projects.models import Task

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_body_sanitised():
    a = ArticleFactory(
        body='<p onclick="x()">Chào</p><script>alert(1)</script><a href="javascript:x">l</a>'
    )
    assert "script" not in a.body and "onclick" not in a.body and "javascript" not in a.body
    assert "<p>Chào</p>" in a.body


def test_scheduled_publishing(client, officer):
    now = timezone.now()
    past = ArticleFactory(title="Tin đã đăng")
    future = ArticleFactory(title="Tin hẹn giờ", publish_at=now + dt.timedelta(days=1))
    draft = ArticleFactory(title="Bản nháp", status=Article.Status.DRAFT)
    assert list(Article.objects.visible()) == [past]
    body = client.get("/portal/").content.decode()
    assert "Tin đã đăng" in body and "Tin hẹn giờ" not in body and "Bản nháp" not in body
    assert client.get(future.get_absolute_url()).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert set(restrict(Article.objects.all(), officer)) == {past, future, draft}
    # time passes: the article becomes visible and live (re-indexed as public)
    Article.objects.filter(pk=future.pk).update(publish_at=now - dt.timedelta(seconds=1))
    assert services.publish_due() == 1
    future.refresh_from_db()
    assert future.live
    assert client.get(future.get_absolute_url()).status_code == 200
    assert "Tin hẹn giờ" in client.get("/portal/").content.decode()


def test_filters_category_year_and_pagination(client):
    ArticleFactory(title="Chính sách mới", category="policy")
    old = ArticleFactory(
        title="Tin năm 2024", publish_at=timezone.make_aware(dt.datetime(2024, 5, 1))
    )
    body = client.get("/portal/?category=policy").content.decode()
    assert "Chính sách mới" in body and "Tin năm 2024" not in body
    body = client.get("/portal/?year=2024").content.decode()
    assert old.title in body and "Chính sách mới" not in body
    for i in range(25):
        ArticleFactory(title=f"Tin số {i}")
    r = client.get("/portal/?page=2")
    assert r.status_code == 200 and r.context["page"].number == 2


def test_search_through_service(client, settings):
    from openstx.search import writer

    ArticleFactory(title="Hội thảo nuôi tôm công nghệ cao", summary="Thủy sản ĐBSCL")
    ArticleFactory(title="Hẹn giờ nuôi tôm", publish_at=timezone.now() + dt.timedelta(days=2))
    writer.apply_pending()
    r = client.get("/portal/?q=nuoi tom")
    titles = [a.title for _h, a in r.context["hits"]]
    assert titles == ["Hội thảo nuôi tôm công nghệ cao"]


def test_feed(client):
    ArticleFactory(title="Thông báo tuyển chọn 2026", category="call")
    ArticleFactory(title="Chưa tới giờ", publish_at=timezone.now() + dt.timedelta(hours=3))
    r = client.get("/portal/feed/")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/atom+xml")
    body = r.content.decode()
    assert "Thông báo tuyển chọn 2026" in body and "Chưa tới giờ" not in body
    assert "<feed" in body
    r = client.get("/portal/feed/?category=news")
    assert "Thông báo tuyển chọn 2026" not in r.content.decode()


def test_call_links_tasks_and_closed(client):
    task = Task.objects.create(title="Nghiên cứu giống lúa chịu mặn", code="ĐT-2026-01")
    call = ArticleFactory(
        title="Thông báo tuyển chọn nhiệm vụ 2026",
        category="call",
        deadline=timezone.now() - dt.timedelta(days=1),
    )
    call.tasks.add(task)
    assert call.is_closed
    body = client.get(call.get_absolute_url()).content.decode()
    assert "Nghiên cứu giống lúa chịu mặn" in body
    open_call = ArticleFactory(category="call", deadline=timezone.now() + dt.timedelta(days=9))
    assert not open_call.is_closed


def test_image_reencoded():
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "PNG")
    a = ArticleFactory()
    services.set_article_image(a, SimpleUploadedFile("anh.png", buf.getvalue()))
    assert a.image.name.endswith(".jpg") and a.thumbnail
    with pytest.raises(Exception):
        services.set_article_image(a, SimpleUploadedFile("anh.png", b"MZ not an image"))
