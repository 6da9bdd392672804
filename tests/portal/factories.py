"""Portal factories (built on the shared tests/factories.py)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from openstx.portal.models import Application, Article, Programme, Service, ServiceRequest
from tests.factories import (  # noqa: F401  (re-exported for the portal tests)
    PASSWORD,
    MembershipFactory,
    OfficerFactory,
    OrganizationFactory,
    UserFactory,
)


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Sở KH&CN tổ chức hội thảo chuyển đổi số lần {n}")
    summary = "Hội thảo về ứng dụng khoa học và công nghệ trong nông nghiệp."
    body = "<p>Nội dung bài viết.</p>"
    category = Article.Category.NEWS
    status = Article.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    title = factory.Sequence(lambda n: f"Phân tích chỉ tiêu vi sinh trong thực phẩm {n}")
    category = Service.Category.LAB
    description = "<p>Phân tích vi sinh theo TCVN.</p>"
    steps = "Nộp phiếu yêu cầu\nGửi mẫu\nNhận kết quả"
    fees = "Theo biểu phí hiện hành"
    documents_required = "Phiếu yêu cầu phân tích\nMẫu thử"
    expected_days = 7


class ServiceRequestFactory(DjangoModelFactory):
    class Meta:
        model = ServiceRequest

    service = factory.SubFactory(ServiceFactory)
    requester = factory.SubFactory(UserFactory)
    subject = "Phân tích Coliform trong nước mắm"
    details = "Cần phân tích 3 mẫu nước mắm."
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"Chương trình hỗ trợ đổi mới công nghệ {n}")
    eligibility = "Doanh nghiệp nhỏ và vừa trên địa bàn thành phố."
    support_rate = 30
    max_amount_vnd = 500_000_000
    opens_at = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=20))
    required_documents = "Đơn đề nghị hỗ trợ\nThuyết minh dự án"


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = Application

    programme = factory.SubFactory(ProgrammeFactory)
    organization = factory.SubFactory(OrganizationFactory)
    applicant = factory.SubFactory(UserFactory)
    project_title = "Đổi mới dây chuyền sấy trái cây"
    summary = "Thay máy sấy cũ bằng máy sấy bơm nhiệt."
    requested_amount_vnd = 300_000_000
