"""Cross-links: the home page shows the newest news and the open calls (in two queries, through
the anonymous page cache); training courses link to their registration with the seats left;
start-up profiles have a public URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openstx.ipr.models import Attendance, TrainingCourse
from openstx.portal import services
from openstx.portal.models import Article, StartupProfile

from .factories import ArticleFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _articles():
    now = timezone.now()
    news = ArticleFactory(title="Tin mới nhất về chuyển đổi số")
    ArticleFactory(title="Bản nháp chưa đăng", status=Article.Status.DRAFT)
    ArticleFactory(title="Tin hẹn giờ ngày mai", publish_at=now + dt.timedelta(days=1))
    open_call = ArticleFactory(
        title="Tuyển chọn nhiệm vụ KH&CN 2027",
        category=Article.Category.CALL,
        deadline=now + dt.timedelta(days=20),
    )
    closed = ArticleFactory(
        title="Đợt tuyển chọn đã đóng",
        category=Article.Category.CALL,
        deadline=now - dt.timedelta(days=1),
    )
    return news, open_call, closed


def test_latest_articles_in_two_queries():
    news, open_call, closed = _articles()
    with CaptureQueriesContext(connection) as ctx:
        latest = services.latest_articles()
    assert len(ctx.captured_queries) == 2
    assert [a.title for a in latest["news"]] == [news.title]
    assert [a.title for a in latest["calls"]] == [open_call.title]


def test_home_page_shows_news_and_open_calls_and_stays_cacheable(client, settings):
    settings.OPENSTX_PAGE_CACHE_SECONDS = 60
    news, open_call, closed = _articles()
    first = client.get("/")
    body = first.content.decode()
    assert first["X-Page-Cache"] == "miss"
    assert news.get_absolute_url() in body and open_call.get_absolute_url() in body
    assert closed.title not in body
    assert "Bản nháp chưa đăng" not in body and "Tin hẹn giờ ngày mai" not in body
    assert (
        open_call.deadline.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y") in body
    )
    assert client.get("/")["X-Page-Cache"] == "hit"
    # publishing a new article invalidates the cached copy (the outbox generation moves)
    ArticleFactory(title="Thông báo vừa đăng")
    again = client.get("/")
    assert again["X-Page-Cache"] == "miss" and "Thông báo vừa đăng" in again.content.decode()


def _course(**kw):
    defaults = {
        "title": "Tập huấn sở hữu trí tuệ cho doanh nghiệp",
        "start_date": timezone.localdate() + dt.timedelta(days=10),
        "place": "Hội trường Sở KH&CN",
        "capacity": 3,
    }
    return TrainingCourse.objects.create(**{**defaults, **kw})


def test_training_list_links_registration_with_seats_left(client):
    c = _course()
    Attendance.objects.create(course=c, name="Học viên A", attended=False)
    body = client.get("/portal/training/").content.decode()
    assert f"/portal/training/{c.pk}/register/" in body
    assert "2 seats left" in body or "Còn 2 chỗ" in body
    page = client.get(f"/portal/training/{c.pk}/register/").content.decode()
    assert "2 / 3" in page and "Hội trường Sở KH&amp;CN" in page


def test_course_registration_snippet_for_course_pages():
    c = _course(capacity=1)
    tpl = Template("{% load portal_tags %}{% course_registration course %}")
    html = tpl.render(Context({"course": c}))
    assert f"/portal/training/{c.pk}/register/" in html
    Attendance.objects.create(course=c, name="Học viên A", attended=False)
    html = tpl.render(Context({"course": c}))
    assert "/register/" not in html and ("full" in html or "đã đủ" in html)
    started = _course(start_date=timezone.localdate() - dt.timedelta(days=1), capacity=None)
    html = Template("{% load portal_tags %}{% course_registration course %}").render(
        Context({"course": started})
    )
    assert "/register/" not in html


def test_startup_profile_has_a_public_url(client):
    org = OrganizationFactory(name="Công ty khởi nghiệp Mê Kông Xanh", type="startup")
    profile = StartupProfile.objects.create(organization=org, pitch="Phân bón sinh học")
    url = profile.get_absolute_url()
    assert url == f"/portal/startups/{profile.pk}/"
    r = client.get(url)
    assert r.status_code == 200 and org.name in r.content.decode()
