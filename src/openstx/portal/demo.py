"""Realistic, deterministic demo data for the portal (Cần Thơ flavour).

Called by ``openstx demo`` (``openstx.web.demo``) after organisations, experts, S&T tasks and
IP records exist: news of the department, calls for proposals 2026 linked to S&T tasks, policy
notes, events of incubators; the service catalogue with requests at every stage (messages,
transitions, some overdue); support programmes with applications decided over the years
(so the indicators have a series); start-ups of Cần Thơ with profiles; upcoming training
courses with registrations. Bulk inserts throughout.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone

from openstx.core import derived
from openstx.core.text import slugify_vi

SCALES = {
    "small": {"news": 24, "requests": 40, "applications": 36, "startups": 10},
    "city": {"news": 240, "requests": 1500, "applications": 600, "startups": 60},
}

# The demo content (news, calls, services with their steps, programmes, start-ups, intermediaries,
# request messages) is data: portal/data/demo_content.json.
_DATA = json.loads((Path(__file__).parent / "data" / "demo_content.json").read_text("utf-8"))
NEWS: Any = _DATA["news"]
POLICY: Any = _DATA["policy"]
CALLS: Any = _DATA["calls"]
EVENTS: Any = _DATA["events"]
SERVICES: Any = _DATA["services"]
INTERMEDIARY_SERVICES: Any = _DATA["intermediary_services"]
PROGRAMMES: Any = _DATA["programmes"]
PROJECTS: Any = _DATA["projects"]
STARTUPS: Any = _DATA["startups"]
INTERMEDIARIES: Any = _DATA["intermediaries"]
BODY: Any = _DATA["body"]
MESSAGES: Any = _DATA["messages"]
REQUEST_SUBJECTS: Any = _DATA["request_subjects"]


def _aware(d: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime(d.year, d.month, d.day, hour))


def _set_created(model: Any, pairs: list[tuple[Any, dt.datetime]]) -> None:
    """Back-date ``created_at`` (auto_now_add) of bulk-created rows, 500 rows per UPDATE."""
    from django.db.models import Case, DateTimeField, Value, When

    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        model.objects.filter(pk__in=[o.pk for o, _d in chunk]).update(
            created_at=Case(
                *[When(pk=o.pk, then=Value(d)) for o, d in chunk], output_field=DateTimeField()
            )
        )


def generate(
    scale: str = "small",
    seed: int = 2016,
    organizations: list | None = None,
    experts: list | None = None,
    log: Callable[[str], Any] = print,
) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    from openstx.accounts.models import Membership
    from openstx.directory.models import Organization
    from openstx.portal.models import (
        Application,
        ApplicationTransition,
        Article,
        Programme,
        RequestMessage,
        RequestTransition,
        Service,
        ServiceRequest,
        StartupProfile,
    )
    from openstx.taxonomy.models import FieldOfScience

    if Service.objects.filter(external_id__startswith="demo-service-").exists():
        log("Portal demo data already loaded.")
        return {}
    conf = SCALES.get(scale, SCALES["small"])
    rng = random.Random(seed + 1111)
    today = timezone.localdate()
    now = timezone.now()
    User = get_user_model()  # noqa: N806
    organizations = [o for o in (organizations or Organization.objects.all()[:200]) if o.pk]

    # --- people: an officer and business users (unusable passwords) --------------------------------
    officers = list(User.objects.filter(role__in=["officer", "admin"], is_active=True)[:5])
    if not officers:
        officer = User(
            username="demo_portal_officer",
            email="canbo.portal@demo.openstx.vn",
            full_name="Nguyễn Thị Thu Hà",
            role="officer",
        )
        officer.set_unusable_password()
        officer.save()
        officers = [officer]
    businesses = [
        o for o in organizations if o.type in ("enterprise", "st_enterprise")
    ] or organizations
    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi"]
    given = ["Minh Tâm", "Thanh Hương", "Quốc Bảo", "Ngọc Lan", "Hoàng Phúc", "Thu Trang"]
    users = []
    for i, _org in enumerate(businesses[:20]):
        u = User(
            username=f"demo_portal_dn{i:02d}",
            email=f"dn{i:02d}@demo.openstx.vn",
            full_name=f"{rng.choice(family)} {rng.choice(given)}",
        )
        u.set_unusable_password()
        users.append(u)
    users = User.objects.bulk_create(users)
    Membership.objects.bulk_create(
        [
            Membership(user=u, organization=o, status="approved")
            for u, o in zip(users, businesses, strict=False)
        ],
        ignore_conflicts=True,
    )
    user_org = dict(zip([u.pk for u in users], businesses, strict=False))

    # --- intermediaries and start-ups -----------------------------------------------------------
    intermediaries = list(Organization.objects.filter(type="intermediary")[:5])
    for i, (name, address) in enumerate(INTERMEDIARIES):
        if len(intermediaries) >= len(INTERMEDIARIES):
            break
        intermediaries.append(
            Organization.objects.create(
                name=name,
                type="intermediary",
                address=address,
                verified=True,
                external_id=f"demo-portal-hub-{i}",
            )
        )
    fields = {f.code: f for f in FieldOfScience.objects.filter(code__in={s[2] for s in STARTUPS})}
    startup_orgs = []
    for i in range(conf["startups"]):
        name, pitch, code = STARTUPS[i % len(STARTUPS)]
        suffix = "" if i < len(STARTUPS) else f" {i // len(STARTUPS) + 1}"
        startup_orgs.append(
            Organization(
                name=f"Công ty TNHH {name}{suffix}",
                short_name=f"{name}{suffix}",
                slug=slugify_vi(f"{name}{suffix}", 100),
                type="startup",
                address="Quận Ninh Kiều, Cần Thơ",
                description=pitch,
                external_id=f"demo-portal-startup-{i}",
            )
        )
    derived.bulk_create(Organization, startup_orgs)  # search_folded, outbox, pks
    profiles = [
        StartupProfile(
            organization=o,
            stage=rng.choice(StartupProfile.Stage.values),
            field=fields.get(STARTUPS[i % len(STARTUPS)][2]),
            team_size=rng.randint(2, 25),
            founded_year=rng.randint(2019, 2025),
            pitch=STARTUPS[i % len(STARTUPS)][1],
            support_received=rng.choice(
                [
                    "Ươm tạo 12 tháng tại Vườn ươm; hỗ trợ 150 triệu đồng từ chương trình khởi nghiệp.",
                    "Tham gia Techmart 2025; được tư vấn đăng ký nhãn hiệu.",
                    "Hỗ trợ 50% chi phí thử nghiệm sản phẩm mẫu.",
                    "",
                ]
            ),
            incubator=intermediaries[i % len(intermediaries)] if rng.random() < 0.7 else None,
        )
        for i, o in enumerate(startup_orgs)
    ]
    StartupProfile.objects.bulk_create(profiles)

    # --- articles ---------------------------------------------------------------------------------------
    from openstx.projects.models import Task

    tasks = list(Task.objects.order_by("-pk").values_list("pk", flat=True)[:40])
    articles: list[Article] = []

    def article(title: str, category: str, when: dt.datetime, **kw: Any) -> Article:
        lead = kw.pop("lead", title)
        a = Article(
            title=title,
            slug=slugify_vi(title, 100),
            category=category,
            summary=kw.pop("summary", lead),
            body=BODY.format(lead=lead),
            status="published",
            publish_at=when,
            live=when <= now,
            author=officers[0],
            external_id=f"demo-article-{len(articles)}",
            **kw,
        )
        articles.append(a)
        return a

    for i in range(conf["news"]):
        year = today.year - (i * 3 // max(conf["news"], 1))
        title = NEWS[i % len(NEWS)].format(y=year)
        if i >= len(NEWS):
            title = f"{title} (kỳ {i // len(NEWS) + 1})"
        day = min(today, dt.date(year, 12, 28)) - dt.timedelta(days=rng.randint(0, 300))
        article(title, "news", _aware(day, rng.randint(7, 17)))
    for i, title in enumerate(POLICY):
        article(title, "policy", _aware(today - dt.timedelta(days=20 + 60 * i)))
    for i, title in enumerate(CALLS):
        opened = today - dt.timedelta(days=90 - 25 * i)
        article(
            title,
            "call",
            _aware(opened),
            deadline=_aware(opened + dt.timedelta(days=60), 17),
            lead="Sở KH&CN thông báo tuyển chọn tổ chức, cá nhân chủ trì thực hiện các nhiệm vụ "
            "khoa học và công nghệ trong danh mục kèm theo.",
        )
    for i in range(max(4, conf["news"] // 5)):
        year = today.year
        title = EVENTS[i % len(EVENTS)].format(y=year)
        start = today + dt.timedelta(days=rng.randint(-60, 60))
        article(
            title if i < len(EVENTS) else f"{title} — đợt {i // len(EVENTS) + 1}",
            "event",
            _aware(start - dt.timedelta(days=20)),
            organization=intermediaries[i % len(intermediaries)],
            event_start=_aware(start, 8),
            event_place="Khu Công nghệ cao, Cần Thơ",
        )
    # one scheduled article (not visible until next week)
    article(
        "Thông báo lịch tiếp công dân tháng tới của Sở KH&CN", "news", now + dt.timedelta(days=7)
    )
    derived.bulk_create(Article, articles, batch_size=500)
    _demo_images(rng)
    calls = list(Article.objects.filter(category="call", external_id__startswith="demo-article-"))
    through = Article.tasks.through
    links = []
    for i, call in enumerate(calls):
        for pk in tasks[i * 5 : i * 5 + rng.randint(2, 5)]:
            links.append(through(article_id=call.pk, task_id=pk))
    through.objects.bulk_create(links, ignore_conflicts=True)

    # --- services and requests ---------------------------------------------------------------------
    svc: list[Service] = []
    for i, (cat, title, days, fees, desc, steps, docs) in enumerate(SERVICES):
        svc.append(
            Service(
                title=title,
                slug=slugify_vi(title, 100),
                category=cat,
                description=f"<p>{desc}</p>",
                steps=steps,
                fees=fees,
                documents_required=docs,
                expected_days=days,
                external_id=f"demo-service-{i}",
            )
        )
    for j, (cat, title, days, fees, desc, steps, docs) in enumerate(INTERMEDIARY_SERVICES):
        for k, hub in enumerate(intermediaries[:2]):
            svc.append(
                Service(
                    title=title,
                    slug=slugify_vi(title, 100),
                    category=cat,
                    provider=hub,
                    description=f"<p>{desc}</p>",
                    steps=steps,
                    fees=fees,
                    documents_required=docs,
                    expected_days=days,
                    external_id=f"demo-service-hub-{j}-{k}",
                )
            )
    derived.bulk_create(Service, svc)  # gives the objects their pks
    dept_services = [s for s in svc if s.provider_id is None]
    reqs = []
    plan = []
    S = ServiceRequest.Status  # noqa: N806
    for i in range(conf["requests"] if users else 0):
        service = rng.choice(dept_services)
        user = users[i % len(users)]
        created = now - dt.timedelta(days=rng.randint(0, 700), hours=rng.randint(0, 8))
        age = (now - created).days
        if age > 60:
            status: str = rng.choice([S.DONE] * 5 + [S.DECLINED])
        else:
            status = rng.choice([S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.IN_PROGRESS, S.DONE])
        due = created.date() + dt.timedelta(days=service.expected_days)
        reqs.append(
            ServiceRequest(
                service=service,
                requester=user,
                organization=user_org.get(user.pk),
                subject=REQUEST_SUBJECTS[i % len(REQUEST_SUBJECTS)],
                details="Kính gửi Sở KH&CN, doanh nghiệp đề nghị được cung cấp dịch vụ. Thông tin chi tiết "
                "trong hồ sơ kèm theo.",
                status=status,
                assignee=rng.choice(officers) if status != S.RECEIVED else None,
                due_date=due,
                closed_at=created + dt.timedelta(days=rng.randint(1, service.expected_days + 3))
                if status in (S.DONE, S.DECLINED)
                else None,
            )
        )
        plan.append(created)
    reqs = ServiceRequest.objects.bulk_create(reqs, batch_size=500)
    _set_created(ServiceRequest, list(zip(reqs, plan, strict=True)))
    trans, msgs = [], []
    order: list[str] = [S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS]
    for r, created in zip(reqs, plan, strict=True):
        steps_ = order[: order.index(r.status) + 1] if r.status in order else [*order, r.status]
        if r.status == S.DECLINED:
            steps_ = [S.RECEIVED, S.DECLINED]
        prev = ""
        for k, st in enumerate(steps_):
            trans.append(
                RequestTransition(
                    request=r,
                    from_status=prev,
                    to_status=st,
                    actor=r.requester if st == S.RECEIVED else (r.assignee or officers[0]),
                    comment="Ngoài phạm vi dịch vụ của đơn vị" if st == S.DECLINED else "",
                    created_at=created + dt.timedelta(days=k),
                )
            )
            prev = st
        if r.status in (S.IN_PROGRESS, S.DONE):
            for k, body in enumerate(MESSAGES[: rng.randint(1, 4)]):
                msgs.append(
                    RequestMessage(
                        request=r,
                        author=r.requester if k % 2 else (r.assignee or officers[0]),
                        body=body,
                        created_at=created + dt.timedelta(days=k + 1),
                    )
                )
    RequestTransition.objects.bulk_create(trans, batch_size=1000)
    RequestMessage.objects.bulk_create(msgs, batch_size=1000)

    # --- programmes and applications ----------------------------------------------------------------
    progs: list[Programme] = []
    for i, (title, rate, max_amount, min_amount, elig) in enumerate(PROGRAMMES):
        opens = today - dt.timedelta(days=30) if i < 2 else today - dt.timedelta(days=200)
        closes = today + dt.timedelta(days=60) if i < 2 else today - dt.timedelta(days=100)
        progs.append(
            Programme(
                title=title,
                slug=slugify_vi(title, 100),
                support_rate=rate,
                max_amount_vnd=max_amount,
                min_amount_vnd=min_amount,
                eligibility=elig,
                description=f"<p>{title} của thành phố Cần Thơ giai đoạn 2021–2030.</p>",
                opens_at=opens,
                closes_at=closes,
                required_documents="Đơn đề nghị hỗ trợ\nThuyết minh dự án\nGiấy chứng nhận đăng ký doanh nghiệp",
                external_id=f"demo-programme-{i}",
            )
        )
    derived.bulk_create(Programme, progs)  # gives the objects their pks
    apps, app_dates = [], []
    A = Application.Status  # noqa: N806
    for i in range(conf["applications"] if users else 0):
        p = progs[i % len(progs)]
        assert p.min_amount_vnd is not None  # every demo programme has one
        user = users[i % len(users)]
        org = user_org[user.pk]
        year = today.year - rng.randint(0, 4)
        submitted = _aware(dt.date(year, rng.randint(1, 9), rng.randint(1, 28)))
        if submitted > now:
            submitted = now - dt.timedelta(days=rng.randint(5, 40))
        recent = (now - submitted).days < 45
        status = (
            rng.choice([A.SUBMITTED, A.UNDER_REVIEW])
            if recent
            else rng.choice([A.APPROVED, A.APPROVED, A.APPROVED, A.REJECTED])
        )
        requested = (
            rng.randint(p.min_amount_vnd // 1_000_000, p.max_amount_vnd // 1_000_000) * 1_000_000
        )
        decided = (
            submitted + dt.timedelta(days=rng.randint(20, 40))
            if status in (A.APPROVED, A.REJECTED)
            else None
        )
        apps.append(
            Application(
                programme=p,
                organization=org,
                applicant=user,
                project_title=PROJECTS[i % len(PROJECTS)],
                summary="Dự án nhằm nâng cao năng suất, chất lượng sản phẩm và năng lực cạnh tranh của doanh nghiệp.",
                total_cost_vnd=requested * 3,
                requested_amount_vnd=requested,
                status=status,
                checklist=dict.fromkeys(p.document_list, True) if decided else {},
                reviewer=officers[0] if status != A.SUBMITTED else None,
                approved_amount_vnd=(requested // 2_000_000) * 1_000_000 + 1_000_000
                if status == A.APPROVED
                else None,
                reasons="Dự án không thuộc đối tượng hỗ trợ của chương trình."
                if status == A.REJECTED
                else "",
                decision_number=f"{rng.randint(100, 999)}/QĐ-SKHCN" if status == A.APPROVED else "",
                decided_by=officers[0] if decided else None,
                decided_at=decided,
            )
        )
        app_dates.append(submitted)
    apps = Application.objects.bulk_create(apps, batch_size=500)
    atrans = []
    for a, submitted in zip(apps, app_dates, strict=True):
        seq: list[str] = [A.SUBMITTED]
        if a.status != A.SUBMITTED:
            seq.append(A.UNDER_REVIEW)
        if a.status in (A.APPROVED, A.REJECTED):
            seq.append(a.status)
        prev = ""
        for k, st in enumerate(seq):
            when = a.decided_at if st in (A.APPROVED, A.REJECTED) else None
            atrans.append(
                ApplicationTransition(
                    application=a,
                    from_status=prev,
                    to_status=st,
                    actor=a.applicant if st == A.SUBMITTED else officers[0],
                    comment=a.reasons if st == A.REJECTED else "",
                    # decided applications have decided_at
                    created_at=when or submitted + dt.timedelta(days=k * 5),
                )
            )
            prev = st
    _set_created(Application, list(zip(apps, app_dates, strict=True)))
    ApplicationTransition.objects.bulk_create(atrans, batch_size=1000)

    # --- upcoming training courses with registrations -------------------------------------------------
    from openstx.ipr.models import Attendance, TrainingCourse

    courses = TrainingCourse.objects.bulk_create(
        [
            TrainingCourse(
                title="Tập huấn xác lập quyền sở hữu trí tuệ cho doanh nghiệp",
                topic="Sở hữu trí tuệ",
                start_date=today + dt.timedelta(days=14),
                end_date=today + dt.timedelta(days=15),
                place="Hội trường Sở KH&CN Cần Thơ",
                capacity=60,
                trainers="ThS. Lê Văn Bình",
                external_id="demo-portal-course-0",
            ),
            TrainingCourse(
                title="Lớp đào tạo chuyên gia đánh giá ISO 22000:2018",
                topic="Tiêu chuẩn chất lượng",
                start_date=today + dt.timedelta(days=30),
                end_date=today + dt.timedelta(days=32),
                place="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
                capacity=25,
                external_id="demo-portal-course-1",
            ),
        ]
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                course=c,
                name=u.full_name,
                organization=user_org.get(u.pk),
                contact=u.email,
                attended=False,
            )
            for c in courses
            for u in users[: min(len(users), (c.capacity or 0) - 3)]  # both have one
        ]
    )

    _demo_contact()
    counts = {
        "portal_articles": len(articles),
        "portal_services": len(svc),
        "portal_requests": len(reqs),
        "portal_programmes": len(progs),
        "portal_applications": len(apps),
        "portal_startups": len(profiles),
    }
    log("Portal: " + ", ".join(f"{k.removeprefix('portal_')} {v}" for k, v in counts.items()))
    return counts


def _demo_images(rng: Any, count: int = 4) -> None:
    """Give the newest demo news a generated banner, through the same check and re-encoding as
    an officer's upload (core.uploads), so the lists show thumbnails."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    from openstx.portal.models import Article
    from openstx.portal.services import set_article_image

    newest = Article.objects.filter(
        category="news", external_id__startswith="demo-article-", live=True, image=""
    ).order_by("-publish_at")[:count]
    palette = [(21, 101, 192), (46, 125, 50), (0, 121, 107), (198, 40, 40), (239, 108, 0)]
    for i, a in enumerate(newest):
        img = Image.new("RGB", (960, 540), palette[i % len(palette)])
        draw = ImageDraw.Draw(img)
        for _ in range(12):
            x, y, r = rng.randint(0, 960), rng.randint(0, 540), rng.randint(30, 160)
            shade = tuple(min(255, c + rng.randint(20, 90)) for c in palette[i % len(palette)])
            draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
        buf = io.BytesIO()
        img.save(buf, "PNG")
        set_article_image(a, SimpleUploadedFile(f"demo-{a.pk}.png", buf.getvalue()))


def _demo_contact() -> None:
    """Example contact details for the contact page (staff replace them in the admin)."""
    from openstx.portal.models import DepartmentContact

    DepartmentContact.objects.update_or_create(
        pk=1,
        defaults={
            "name": "Sở Khoa học và Công nghệ thành phố Cần Thơ",
            "name_en": "Department of Science and Technology of Can Tho City",
            "address": "Số 02 Lý Thường Kiệt, phường Ninh Kiều, thành phố Cần Thơ",
            "address_en": "2 Ly Thuong Kiet Street, Ninh Kieu Ward, Can Tho City",
            "phone": "0292 3820 674",
            "email": "sokhcn@cantho.gov.vn",
            "office_hours": "Thứ Hai – Thứ Sáu: 7:00 – 11:00 và 13:00 – 17:00\n"
            "Nghỉ thứ Bảy, Chủ nhật và ngày lễ",
            "office_hours_en": "Monday – Friday: 7:00 – 11:00 and 13:00 – 17:00\n"
            "Closed on Saturdays, Sundays and public holidays",
            "latitude": "10.033800",
            "longitude": "105.787600",
        },
    )
