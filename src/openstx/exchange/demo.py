"""Realistic, deterministic demo data for the exchange (Mekong Delta flavour).

Called by ``openstx demo`` (``openstx.web.demo``) after organisations and experts exist:
``generate(scale, seed, organizations, experts, log)``. Offers and demands at every life-cycle
stage, connections at every stage with messages, meetings and deals, Techmart-style events.
Bulk inserts: ``--scale city`` (2,400 offers, 720 demands) takes a few seconds.
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
    "small": {"offers": 48, "demands": 24, "connections": 40, "events": 2},
    "city": {"offers": 2400, "demands": 720, "connections": 900, "events": 6},
}

# theme: field codes; title templates (kind, template with {s} = subject); subjects; qualifiers
# (appended to a title to make a distinct offer: scale, setting, standard); keywords; advantages
# and applications (one is picked per offer); steps (a technical process, for descriptions).
# The themes (fields, title templates, subjects, qualifiers, steps, keywords…), the demand
# templates and the Mekong Delta places are data: exchange/data/demo_themes.json.
_DATA = json.loads((Path(__file__).parent / "data" / "demo_themes.json").read_text("utf-8"))
THEMES: dict[str, dict[str, Any]] = _DATA["themes"]
MEKONG_PLACES: list[str] = _DATA["mekong_places"]
DEMAND_TEMPLATES: dict[str, list[list[str]]] = _DATA["demand_templates"]


def _fill_numbers(text: str, rng: random.Random) -> str:
    """Give the {a}…{s} figures of an advantage sentence plausible values."""
    values = {
        "a": rng.randint(15, 45),
        "b": rng.randint(8, 25),
        "c": rng.randint(70, 92),
        "d": rng.randint(1, 4),
        "e": rng.randint(6, 15),
        "f": rng.choice([3, 4, 5, 6]),
        "g": rng.randint(88, 105),
        "h": rng.randint(21, 45),
        "i": rng.randint(3, 8),
        "j": rng.randint(2, 9),
        "k": rng.choice([6, 9, 12, 18]),
        "l": rng.choice([50, 80, 120, 200, 300]),
        "m": rng.choice([60, 90, 120, 180]),
        "n": rng.randint(5, 25),
        "o": rng.randint(2, 6),
        "p": rng.choice([5, 10, 15]),
        "q": rng.randint(3, 6),
        "r": rng.randint(8, 120),
        "s": rng.randint(2, 5),
    }
    return text.format(**values)


def offer_titles(theme_key: str) -> list[tuple[str, str, str]]:
    """Every distinct (kind, title, subject) of a theme, in a fixed order: each template with
    each subject, bare first, then with each qualifier."""
    theme = THEMES[theme_key]
    bare, qualified = [], []
    for kind, template in theme["titles"]:
        for subject in theme["subjects"]:
            title = template.format(s=subject)
            bare.append((kind, title, subject))
            qualified += [(kind, f"{title} {q}", subject) for q in theme["qualifiers"]]
    return bare + qualified


def offer_specs(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` offers' texts, themes spread evenly, no two titles equal (deterministic by seed).
    No database access: the loader adds owners, regions, statuses and dates."""
    rng = random.Random(seed + 101)
    themes = list(THEMES)
    pools: dict[str, list[tuple[str, str, str]]] = {}
    for key in themes:
        titles = offer_titles(key)
        head = titles[: len(THEMES[key]["titles"]) * len(THEMES[key]["subjects"])]
        rest = titles[len(head) :]
        rng.shuffle(head)
        rng.shuffle(rest)
        pools[key] = head + rest  # bare titles first, qualified ones when they run out
    specs: list[dict[str, Any]] = []
    used: set[str] = set()
    i = 0
    while len(specs) < n:
        key = themes[i % len(themes)]
        i += 1
        pool = pools[key]
        if not pool:
            if not any(pools.values()):
                raise ValueError(f"only {len(specs)} distinct offer titles; asked for {n}")
            continue
        kind, title, subject = pool.pop(0)
        if title in used:
            continue
        used.add(title)
        theme = THEMES[key]
        place = rng.choice(MEKONG_PLACES)
        steps = rng.sample(theme["steps"], k=min(len(theme["steps"]), rng.randint(3, 5)))
        specs.append(
            {
                "theme": key,
                "kind": kind,
                "title": title,
                "subject": subject,
                "place": place,
                "year": rng.randint(2016, 2025),
                "steps": steps,
                "keywords": rng.sample(theme["keywords"], 3) + [subject],
                "advantages": _fill_numbers(rng.choice(theme["advantages"]), rng),
                "applications": rng.choice(theme["applications"]),
            }
        )
    return specs


def demand_specs(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` demands' texts, themes spread evenly, no two titles equal (deterministic)."""
    rng = random.Random(seed + 202)
    themes = list(THEMES)
    pools: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for key in themes:
        combos = [
            (t.format(s=s, p=p), pr.format(s=s, p=p), o, s, p)
            for t, pr, o in DEMAND_TEMPLATES[key]
            for s in THEMES[key]["subjects"]
            for p in MEKONG_PLACES
        ]
        rng.shuffle(combos)
        pools[key] = combos
    specs: list[dict[str, Any]] = []
    used: set[str] = set()
    i = 0
    while len(specs) < n:
        key = themes[i % len(themes)]
        i += 1
        if not pools[key]:
            if not any(pools.values()):
                raise ValueError(f"only {len(specs)} distinct demand titles; asked for {n}")
            continue
        title, problem, outcome, subject, place = pools[key].pop()
        if title in used:
            continue
        used.add(title)
        specs.append(
            {
                "theme": key,
                "title": title,
                "problem": problem[0].upper() + problem[1:],
                "outcome": outcome,
                "subject": subject,
                "place": place,
                "keywords": rng.sample(THEMES[key]["keywords"], 2) + [subject],
            }
        )
    return specs


PROVIDER_TYPES = {"university", "research_institute", "public_st_unit", "st_enterprise"}
SEEKER_TYPES = {"enterprise", "startup", "hospital", "state_agency", "other", "st_enterprise"}
OFFER_STATUS = [
    ("published", 70),
    ("draft", 8),
    ("submitted", 6),
    ("rejected", 3),
    ("paused", 4),
    ("expired", 5),
    ("withdrawn", 4),
]
DEMAND_STATUS = [
    ("published", 66),
    ("draft", 8),
    ("submitted", 8),
    ("rejected", 3),
    ("paused", 3),
    ("expired", 6),
    ("withdrawn", 6),
]
CONN_STAGES = [
    ("requested", 14),
    ("accepted", 12),
    ("declined", 10),
    ("meeting", 16),
    ("mou", 10),
    ("contract", 10),
    ("closed_success", 18),
    ("closed_failure", 10),
]
PLACES = [
    "Trung tâm Hội nghị thành phố Cần Thơ",
    "Trường Đại học Cần Thơ, Khu II",
    "Nhà văn hóa Lao động Cần Thơ",
    "Khách sạn Mường Thanh Luxury Cần Thơ",
]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _aware(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(rng.randint(7, 17), rng.randint(0, 59)))
    )


def generate(
    scale: str = "small",
    seed: int = 2016,
    organizations: list | None = None,
    experts: list | None = None,
    log: Callable[[str], Any] = print,
) -> dict[str, int]:
    from django.contrib.auth import get_user_model

    from openstx.directory.models import Organization
    from openstx.exchange.models import (
        Connection,
        ConnectionStep,
        Demand,
        Event,
        ListingTransition,
        Meeting,
        Message,
        Offer,
        TransferMode,
    )
    from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

    if Offer.objects.filter(external_id__startswith="demo-offer-").exists():
        log("Exchange demo data already loaded.")
        return {}
    conf = SCALES.get(scale, SCALES["small"])
    rng = random.Random(seed + 31)
    today = timezone.localdate()
    organizations = list(organizations or Organization.objects.all()[:200])
    experts = list(experts or [])
    if not organizations:
        organizations = [
            Organization.objects.create(
                name="Viện Nghiên cứu Phát triển ĐBSCL",
                type="research_institute",
                external_id="demo-org-exchange",
            )
        ]
    providers = [o for o in organizations if o.type in PROVIDER_TYPES] or organizations
    seekers = [o for o in organizations if o.type in SEEKER_TYPES] or organizations
    all_codes = {c for t in THEMES.values() for c in t["fields"]}
    fields = {f.code: f for f in FieldOfScience.objects.filter(code__in=all_codes)}
    provinces = list(AdministrativeUnit.objects.filter(level=1, is_current=True).order_by("code"))
    mekong = [
        p
        for p in provinces
        if any(
            k in p.name
            for k in ("Cần Thơ", "An Giang", "Đồng Tháp", "Vĩnh Long", "Cà Mau", "Tây Ninh")
        )
    ] or provinces
    User = get_user_model()  # noqa: N806
    staff = list(User.objects.filter(role__in=["broker", "officer"]).order_by("pk")[:5])
    themes = list(THEMES)

    def region() -> Any:
        return (
            rng.choice(mekong)
            if mekong and rng.random() < 0.9
            else (rng.choice(provinces) if provinces else None)
        )

    def dates(status: str) -> dict[str, Any]:
        created = today - dt.timedelta(days=rng.randint(5, 720))
        values: dict[str, Any] = {"created_at": _aware(created, rng)}
        values["updated_at"] = values["created_at"]
        if status not in ("draft",):
            values["submitted_at"] = values["created_at"] + dt.timedelta(hours=rng.randint(1, 48))
        if status in ("published", "paused", "expired", "withdrawn"):
            values["published_at"] = values["submitted_at"] + dt.timedelta(hours=rng.randint(4, 96))
            if status == "expired":
                values["valid_until"] = today - dt.timedelta(days=rng.randint(1, 60))
            else:
                values["valid_until"] = today + dt.timedelta(days=rng.randint(10, 365))
        return values

    # --- offers ---------------------------------------------------------------------------
    offers: list[Offer] = []
    offer_fields: list[tuple[int, list[Any]]] = []
    offer_theme: list[str] = []
    for i, spec in enumerate(offer_specs(conf["offers"], seed)):
        theme_key, kind, title = spec["theme"], spec["kind"], spec["title"]
        theme = THEMES[theme_key]
        subject = spec["subject"]
        status = _weighted(rng, OFFER_STATUS)
        owner = rng.choice(providers)
        price = (
            None
            if rng.random() < 0.3
            else rng.choice([30, 50, 80, 120, 180, 250, 350, 480, 650, 900, 1200, 1500, 2200])
            * 1_000_000
            + rng.choice([0, 0, 5, 10, 20, 50]) * 1_000_000
        )
        modes = (
            rng.sample(list(TransferMode.values), rng.randint(1, 3))
            if kind != "service"
            else [TransferMode.CONSULTING.value]
        )
        owner_name = owner.short_name or owner.name
        summary = (
            f"{title} do {owner_name} phát triển từ năm {spec['year']}, "
            f"đã ứng dụng thử nghiệm tại {spec['place']}."
        )
        steps_html = "".join(f"<li>{step[0].upper()}{step[1:]}.</li>" for step in spec["steps"])
        missing_quality = status == "draft" and rng.random() < 0.5
        offers.append(
            Offer(
                external_id=f"demo-offer-{i + 1:05d}",
                title=title,
                slug=slugify_vi(title, 100),
                kind=kind,
                summary="" if missing_quality else summary[:300],
                description=(
                    f"<p>{summary}</p><p>Quy trình gồm các bước:</p><ol>{steps_html}</ol>"
                    f"<p>Bên chuyển giao hướng dẫn vận hành và chuyển giao tại chỗ cho "
                    f"{subject}.</p>"
                ),
                keywords="; ".join(spec["keywords"]),
                trl=None
                if missing_quality
                else rng.choices(range(3, 10), weights=[1, 2, 3, 4, 5, 4, 3])[0],
                advantages="" if missing_quality else spec["advantages"],
                applications=spec["applications"],
                ip_items=rng.choice(
                    [
                        "",
                        f"Bằng độc quyền giải pháp hữu ích số 2-000{rng.randint(1000, 4999)}",
                        f"Đơn đăng ký sáng chế số 1-{spec['year']}-0{rng.randint(1000, 9999)}",
                        "",
                    ]
                ),
                transfer_modes=",".join(modes),
                price_vnd=price,
                price_negotiable=price is None,
                owner=owner,
                origin=rng.choice(
                    ["", f"Đề tài cấp thành phố mã số KC-{spec['year']}-{i % 40:02d}"]
                ),
                region=region(),
                status=status,
                moderation_note="Bổ sung thông tin sở hữu trí tuệ và giá chuyển giao."
                if status == "rejected"
                else "",
                confidential_detail="<p>Thông số kỹ thuật chi tiết và bản vẽ chỉ chia sẻ sau khi ký NDA.</p>",
                contact_name=f"Phòng Quản lý khoa học – {owner_name}"[:200],
                contact_email=f"lienhe{i % 97}@example.vn",
                **dates(status),
            )
        )
        offer_fields.append((i, [fields[c] for c in theme["fields"] if c in fields]))
        offer_theme.append(theme_key)

    with derived.manual_timestamps(Offer):
        derived.bulk_create(Offer, offers, batch_size=500)  # slug, clean HTML, search outbox
    through = Offer.fields.through
    through.objects.bulk_create(
        [
            through(offer_id=offers[i].pk, fieldofscience_id=f.pk)
            for i, fs in offer_fields
            for f in fs
        ],
        batch_size=1000,
    )

    # --- demands --------------------------------------------------------------------------
    demands: list[Demand] = []
    demand_theme: list[str] = []
    demand_fields: list[tuple[int, list[Any]]] = []
    for i, spec in enumerate(demand_specs(conf["demands"], seed)):
        theme_key, title = spec["theme"], spec["title"]
        status = _weighted(rng, DEMAND_STATUS)
        low = rng.choice([0, 30, 50, 100, 150, 200, 300, 500]) * 1_000_000
        d_dates = dates(status)
        deadline = (
            today + dt.timedelta(days=rng.randint(60, 540))
            if status in ("draft", "submitted", "published", "paused", "rejected")
            else today - dt.timedelta(days=rng.randint(1, 200))
        )
        demands.append(
            Demand(
                external_id=f"demo-demand-{i + 1:05d}",
                title=title,
                slug=slugify_vi(title, 100),
                problem=f"<p>{spec['problem']}</p>",
                desired_outcome=f"<p>{spec['outcome']}</p>",
                constraints=rng.choice(
                    [
                        "<p>Thiết bị vận hành được với lao động phổ thông, có bảo hành tại chỗ.</p>",
                        "<p>Triển khai trước mùa khô, chuyển giao kèm đào tạo kỹ thuật viên.</p>",
                        "<p>Kinh phí đối ứng tối đa 50%, phần còn lại đề nghị hỗ trợ từ chương "
                        "trình khoa học và công nghệ của tỉnh.</p>",
                        "<p>Ưu tiên đơn vị trong vùng Đồng bằng sông Cửu Long.</p>",
                    ]
                ),
                keywords="; ".join(spec["keywords"]),
                min_trl=rng.choice([None, 5, 6, 7, 8]),
                budget_min_vnd=low,
                budget_max_vnd=low + rng.choice([50, 100, 200, 300, 500, 800, 1500]) * 1_000_000,
                deadline=deadline,
                requester=rng.choice(seekers),
                requester_anonymous=rng.random() < 0.2,
                region=region(),
                status=status,
                moderation_note="Mô tả rõ hơn yêu cầu kỹ thuật." if status == "rejected" else "",
                contact_name=rng.choice(["Bộ phận kỹ thuật", "Phòng sản xuất", "Ban giám đốc"]),
                contact_email=f"nhucau{i % 89}@example.vn",
                **d_dates,
            )
        )
        demand_theme.append(theme_key)
        demand_fields.append((i, [fields[c] for c in THEMES[theme_key]["fields"] if c in fields]))
    with derived.manual_timestamps(Demand):
        derived.bulk_create(Demand, demands, batch_size=500)  # slug, clean HTML, search outbox
    dthrough = Demand.fields.through
    dthrough.objects.bulk_create(
        [
            dthrough(demand_id=demands[i].pk, fieldofscience_id=f.pk)
            for i, fs in demand_fields
            for f in fs
        ],
        batch_size=1000,
    )

    # --- moderation log -------------------------------------------------------------------
    officer = next((u for u in staff if u.role == "officer"), None)
    transitions = []
    for kind, items in (("offer", offers), ("demand", demands)):
        for obj in items:
            if obj.status == "draft":
                continue
            transitions.append(
                ListingTransition(
                    **{kind: obj}, action="submit", from_status="draft", to_status="submitted"
                )
            )
            if obj.status == "rejected":
                transitions.append(
                    ListingTransition(
                        **{kind: obj},
                        action="reject",
                        actor=officer,
                        from_status="submitted",
                        to_status="rejected",
                        comment=obj.moderation_note,
                    )
                )
            elif obj.status != "submitted":
                transitions.append(
                    ListingTransition(
                        **{kind: obj},
                        action="approve",
                        actor=officer,
                        from_status="submitted",
                        to_status="published",
                    )
                )
                if obj.status != "published":
                    action = {"paused": "pause", "expired": "expire", "withdrawn": "withdraw"}[
                        obj.status
                    ]
                    transitions.append(
                        ListingTransition(
                            **{kind: obj},
                            action=action,
                            from_status="published",
                            to_status=obj.status,
                        )
                    )
    ListingTransition.objects.bulk_create(transitions, batch_size=1000)

    # --- events ---------------------------------------------------------------------------
    events = []
    for j in range(conf["events"]):
        year = today.year - (conf["events"] - 1 - j) // 2
        day = dt.date(year, 4 if j % 2 == 0 else 10, 12 + j % 10)
        label = "Techmart ĐBSCL" if j % 2 == 0 else "Chợ công nghệ và thiết bị Cần Thơ"
        events.append(
            Event(
                external_id=f"demo-event-{j + 1}",
                title=f"{label} {year}",
                slug=slugify_vi(f"{label} {year}", 100),
                start_date=day,
                end_date=day + dt.timedelta(days=2),
                place=rng.choice(PLACES),
                status=Event.Status.PUBLISHED,
                published_at=timezone.now(),
                description="<p>Kết nối cung – cầu công nghệ khu vực Đồng bằng sông "
                "Cửu Long, trình diễn thiết bị và ký kết hợp đồng.</p>",
            )
        )
    derived.bulk_create(Event, events)
    live_offers = [o for o in offers if o.status == "published"]
    live_demands = [d for d in demands if d.status == "published"]
    for e in events:
        e.offers.add(
            *rng.sample(live_offers, min(len(live_offers), max(4, len(live_offers) // 10)))
        )
        e.demands.add(
            *rng.sample(live_demands, min(len(live_demands), max(2, len(live_demands) // 10)))
        )
        e.participants.add(*rng.sample(organizations, min(len(organizations), 12)))

    # --- connections, deals, messages, meetings --------------------------------------------
    offers_by_theme: dict[str, list[Offer]] = {}
    for o, t in zip(offers, offer_theme, strict=True):
        if o.status in ("published", "paused", "expired", "withdrawn"):
            offers_by_theme.setdefault(t, []).append(o)
    demands_by_theme: dict[str, list[Demand]] = {}
    for d, t in zip(demands, demand_theme, strict=True):
        if d.status in ("published", "paused", "expired", "withdrawn"):
            demands_by_theme.setdefault(t, []).append(d)
    connections: list[tuple[Connection, int]] = []
    steps: list[ConnectionStep] = []
    messages_: list[Message] = []
    meetings: list[Meeting] = []
    order = ["requested", "accepted", "meeting", "mou", "contract", "closed"]
    contract_types = ["transfer", "licence", "service", "rnd", "equipment"]
    for k in range(conf["connections"]):
        theme_key = themes[k % len(themes)]
        pool_o = offers_by_theme.get(theme_key) or [o for o in offers if o.status == "published"]
        pool_d = demands_by_theme.get(theme_key) or [d for d in demands if d.status == "published"]
        if not pool_o:
            break
        offer = rng.choice(pool_o)
        stage_key = _weighted(rng, CONN_STAGES)
        origin = rng.random()
        demand = rng.choice(pool_d) if pool_d and origin < 0.65 else None
        broker = rng.choice(staff) if staff and demand is not None and origin < 0.4 else None
        expert = (
            rng.choice(experts) if experts and demand is not None and 0.55 < origin < 0.65 else None
        )
        created = _aware(today - dt.timedelta(days=rng.randint(3, 600)), rng)
        conn = Connection(
            external_id=f"demo-conn-{k + 1:05d}",
            offer=None if expert else offer,
            demand=demand,
            expert=expert,
            seeker_org=demand.requester if demand else rng.choice(seekers),
            provider_org=(expert.organization if expert else offer.owner),
            broker=broker,
            initiated_by=broker,
            responder_side="provider" if demand is None or broker else "seeker",
            message="Chúng tôi quan tâm và mong được trao đổi thêm.",
            event=rng.choice(events) if events and rng.random() < 0.25 else None,
            created_at=created,
            updated_at=created,
        )
        if stage_key != "requested":
            conn.responded_at = created + dt.timedelta(
                hours=rng.choice([2, 5, 12, 24, 48, 96, 170])
            )
        if stage_key == "declined":
            conn.stage = "declined"
            conn.close_reason = "Chưa phù hợp với quy mô sản xuất hiện tại."
        elif stage_key.startswith("closed"):
            conn.stage = "closed"
            conn.outcome = "success" if stage_key == "closed_success" else "failure"
            assert conn.responded_at is not None  # set above: only "requested" is unanswered
            conn.closed_at = conn.responded_at + dt.timedelta(days=rng.randint(30, 200))
            conn.close_reason = (
                "Chuyển giao thành công, đã nghiệm thu."
                if conn.outcome == "success"
                else "Hai bên không thống nhất được giá chuyển giao."
            )
        else:
            conn.stage = stage_key
        reached = order.index(
            "closed"
            if conn.stage == "closed"
            else ("accepted" if conn.stage == "declined" else conn.stage)
        )
        if conn.stage == "closed" and conn.outcome == "failure":
            reached = rng.choice([2, 3])
        if reached >= order.index("mou"):
            assert conn.responded_at is not None  # a deal past "accepted" was answered
            conn.mou_date = (conn.responded_at + dt.timedelta(days=rng.randint(10, 40))).date()
            conn.mou_note = "Biên bản ghi nhớ hợp tác chuyển giao công nghệ."
        if reached >= order.index("contract"):
            assert conn.mou_date is not None  # set just above
            conn.contract_date = conn.mou_date + dt.timedelta(days=rng.randint(10, 60))
            conn.contract_type = rng.choice(contract_types)
            conn.contract_value_vnd = rng.choice([80, 150, 250, 400, 650, 1200, 2500]) * 1_000_000
        connections.append((conn, reached))
    with derived.manual_timestamps(Connection):
        derived.bulk_create(Connection, [c for c, _r in connections], batch_size=500)
    for conn, reached in connections:
        at = conn.created_at
        steps.append(
            ConnectionStep(
                connection=conn,
                action="request",
                from_stage="",
                to_stage="requested",
                actor=conn.broker,
                comment=conn.message,
            )
        )
        if conn.stage == "declined":
            steps.append(
                ConnectionStep(
                    connection=conn,
                    action="decline",
                    from_stage="requested",
                    to_stage="declined",
                    comment=conn.close_reason,
                )
            )
            continue
        prev = "requested"
        for stage in order[1 : reached + 1]:
            action = {"accepted": "accept", "closed": "close"}.get(stage, stage)
            steps.append(
                ConnectionStep(connection=conn, action=action, from_stage=prev, to_stage=stage)
            )
            prev = stage
        if conn.stage == "closed" and order[reached] != "closed":
            steps.append(
                ConnectionStep(
                    connection=conn,
                    action="close",
                    from_stage=prev,
                    to_stage="closed",
                    comment=conn.close_reason,
                )
            )
        if reached >= 1:
            messages_.append(
                Message(
                    connection=conn,
                    author=conn.broker,
                    body="Xin gửi lịch làm việc dự kiến vào tuần tới.",
                )
            )
            messages_.append(
                Message(connection=conn, body="Đồng ý, chúng tôi sẽ chuẩn bị mẫu thử.")
            )
        if reached >= order.index("meeting"):
            online = rng.random() < 0.3
            meetings.append(
                Meeting(
                    connection=conn,
                    date=at + dt.timedelta(days=rng.randint(3, 20)),
                    place="" if online else rng.choice(PLACES),
                    online=online,
                    link="https://meet.example.vn/phong-hop" if online else "",
                    minutes="Hai bên thống nhất thử nghiệm quy mô pilot trong 3 tháng.",
                )
            )
    ConnectionStep.objects.bulk_create(steps, batch_size=1000)
    Message.objects.bulk_create(messages_, batch_size=1000)
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    # a successful deal closes the demand it met
    fulfilled = {c.demand_id for c, _r in connections if c.outcome == "success" and c.demand_id}
    derived.update(Demand.objects.filter(pk__in=fulfilled, status="published"), status="withdrawn")

    counts = {
        "offers": len(offers),
        "demands": len(demands),
        "connections": len(connections),
        "deals": sum(1 for c, _r in connections if c.contract_value_vnd),
        "events": len(events),
    }
    log(
        "Exchange: {offers} offers, {demands} demands, {connections} connections, "
        "{deals} deals, {events} events".format(**counts)
    )
    return counts
