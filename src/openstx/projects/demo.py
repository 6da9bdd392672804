"""Realistic Vietnamese demo S&T tasks at every stage of the life cycle, with teams, budget
lines, timelines, councils (members, score sheets, computed outcomes) and outputs.

``small``: ~20 tasks; ``city``: 1,682 tasks and ~700 council engagements over the last three
years (the Cần Thơ figures). Bulk inserts throughout.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openstx.core import derived

SCALES = {"small": {"tasks": 20, "councils": 6}, "city": {"tasks": 1682, "councils": 100}}

# (field code, title templates) — {place} and {crop} are filled in.
TOPICS: list[tuple[str, list[str]]] = [
    (
        "401",
        [
            "Nghiên cứu quy trình canh tác {crop} theo hướng hữu cơ tại {place}",
            "Ứng dụng cơ giới hóa trong sản xuất {crop} tại {place}",
            "Chọn tạo giống {crop} chịu mặn thích ứng biến đổi khí hậu tại {place}",
            "Xây dựng mô hình sản xuất {crop} đạt tiêu chuẩn VietGAP tại {place}",
        ],
    ),
    (
        "405",
        [
            "Nghiên cứu quy trình nuôi tôm càng xanh toàn đực trong ruộng lúa tại {place}",
            "Ứng dụng công nghệ tuần hoàn trong ương cá tra giống tại {place}",
            "Phòng trị bệnh gan thận mủ trên cá tra bằng chế phẩm sinh học tại {place}",
        ],
    ),
    (
        "211",
        [
            "Nghiên cứu công nghệ sấy {crop} giữ màu và vitamin C",
            "Phát triển sản phẩm nước ép {crop} đóng chai quy mô nhỏ tại {place}",
            "Hoàn thiện quy trình bảo quản {crop} sau thu hoạch để xuất khẩu",
        ],
    ),
    (
        "209",
        [
            "Sản xuất chế phẩm vi sinh xử lý rơm rạ tại {place}",
            "Nghiên cứu sản xuất phân hữu cơ vi sinh từ phụ phẩm {crop}",
        ],
    ),
    (
        "207",
        [
            "Xử lý nước thải chế biến thủy sản bằng công nghệ màng sinh học tại {place}",
            "Đánh giá sạt lở bờ sông và giải pháp bảo vệ tại {place}",
        ],
    ),
    (
        "202",
        [
            "Xây dựng hệ thống quan trắc độ mặn tự động phục vụ sản xuất tại {place}",
            "Ứng dụng IoT giám sát môi trường ao nuôi tôm tại {place}",
        ],
    ),
    (
        "3",
        [
            "Đánh giá thực trạng bệnh đái tháo đường type 2 ở người cao tuổi tại {place}",
            "Ứng dụng kỹ thuật nội soi can thiệp trong điều trị sỏi mật tại {place}",
        ],
    ),
    (
        "5",
        [
            "Giải pháp phát triển du lịch cộng đồng gắn với vườn cây ăn trái tại {place}",
            "Nâng cao năng lực đổi mới sáng tạo của doanh nghiệp nhỏ và vừa tại {place}",
        ],
    ),
]
CROPS = [
    "lúa",
    "bưởi da xanh",
    "xoài cát Hòa Lộc",
    "sầu riêng",
    "khóm",
    "chuối",
    "khoai lang tím",
    "dừa",
    "nấm rơm",
    "sen",
    "cam sành",
    "mít",
]
PLACES = [
    "quận Ninh Kiều",
    "huyện Phong Điền",
    "huyện Thới Lai",
    "huyện Cờ Đỏ",
    "quận Ô Môn",
    "huyện Vĩnh Thạnh",
    "quận Thốt Nốt",
    "quận Cái Răng",
    "huyện Long Mỹ",
    "thành phố Cần Thơ",
]
AGENCIES = [
    "Sở Khoa học và Công nghệ thành phố Cần Thơ",
    "Ủy ban nhân dân thành phố Cần Thơ",
    "Bộ Khoa học và Công nghệ",
    "Ủy ban nhân dân huyện Phong Điền",
]
LEVEL_WEIGHTS = [
    ("provincial", 70),
    ("grassroots", 12),
    ("district", 8),
    ("ministerial", 5),
    ("national", 5),
]
FORM_WEIGHTS = [
    ("de_tai", 70),
    ("du_an_sxtn", 12),
    ("du_an_khcn", 8),
    ("de_an", 7),
    ("chuong_trinh", 3),
]
COUNCIL_ROLES = ["chair", "vice_chair", "reviewer_1", "reviewer_2", "secretary", "member", "member"]
PATHS = {  # the steps that lead to each state, in order
    "proposed": [],
    "listed": ["list"],
    "call": ["list", "open_call"],
    "direct": ["list", "assign_direct"],
    "budget_appraisal": ["list", "open_call", "to_appraisal"],
    "approved": ["list", "open_call", "to_appraisal", "approve"],
    "contracted": ["list", "open_call", "to_appraisal", "approve", "sign_contract"],
    "in_progress": ["list", "open_call", "to_appraisal", "approve", "sign_contract", "start"],
    "submitted": [
        "list",
        "open_call",
        "to_appraisal",
        "approve",
        "sign_contract",
        "start",
        "submit_acceptance",
    ],
    "accepted": [
        "list",
        "open_call",
        "to_appraisal",
        "approve",
        "sign_contract",
        "start",
        "submit_acceptance",
        "accept",
    ],
    "failed": [
        "list",
        "open_call",
        "to_appraisal",
        "approve",
        "sign_contract",
        "start",
        "submit_acceptance",
        "fail",
    ],
    "registered": [
        "list",
        "open_call",
        "to_appraisal",
        "approve",
        "sign_contract",
        "start",
        "submit_acceptance",
        "accept",
        "register_results",
    ],
    "applied": [
        "list",
        "open_call",
        "to_appraisal",
        "approve",
        "sign_contract",
        "start",
        "submit_acceptance",
        "accept",
        "register_results",
        "apply",
    ],
    "stopped": ["list", "open_call", "to_appraisal", "approve", "sign_contract", "start", "stop"],
}


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def _state_for(rng: random.Random, start: dt.date, end: dt.date, today: dt.date) -> str:
    if start > today:
        return rng.choice(
            ["proposed", "listed", "call", "direct", "budget_appraisal", "approved", "contracted"]
        )
    if end > today:
        return rng.choices(["in_progress", "contracted", "stopped"], weights=[90, 7, 3])[0]
    if (today - end).days < 240:
        return rng.choices(["submitted", "in_progress", "accepted"], weights=[45, 25, 30])[0]
    return rng.choices(
        ["applied", "registered", "accepted", "failed", "stopped"], weights=[25, 45, 20, 6, 4]
    )[0]


def _period_for(state: str, today: dt.date, months: int) -> tuple[dt.date, dt.date]:
    from openstx.projects.services import add_months

    if state in ("proposed", "listed", "call", "direct", "budget_appraisal", "approved"):
        start = dt.date(today.year + 1, 1, 1)
    elif state in ("contracted", "in_progress", "stopped"):
        start = add_months(today.replace(day=1), -6)
    elif state == "submitted":
        start = add_months(today.replace(day=1), -(months + 2))
    else:
        start = add_months(today.replace(day=1), -(months + 14))
    return start, add_months(start, months) - dt.timedelta(days=1)


def generate(
    scale: str, seed: int, organizations: list, experts: list, log: Callable[[str], Any] = print
) -> dict[str, int]:

    from openstx.projects.models import (
        Council,
        CouncilMember,
        ScoreSheet,
        Task,
        TaskBudget,
        TaskMember,
        TaskOutput,
        TaskTransition,
    )
    from openstx.projects.services import add_months, evaluate
    from openstx.projects.workflow import get_workflow
    from openstx.taxonomy.models import FieldOfScience

    if Task.objects.filter(external_id__startswith="demo-task-").exists():
        return {}
    conf = SCALES.get(scale, SCALES["small"])
    rng = random.Random(seed + 7)
    config = get_workflow()
    today = timezone.localdate()
    fields = {f.code: f for f in FieldOfScience.objects.filter(code__in=[c for c, _t in TOPICS])}
    hosts = [
        o
        for o in organizations
        if o.type
        in (
            "university",
            "research_institute",
            "public_st_unit",
            "st_enterprise",
            "hospital",
            "enterprise",
        )
    ] or list(organizations)
    by_org: dict[int, list[Any]] = {}
    for e in experts:
        by_org.setdefault(e.organization_id, []).append(e)
    n = conf["tasks"]
    first_year = today.year - 10

    tasks: list[Any] = []
    meta: list[dict[str, Any]] = []
    for i in range(n):
        code, templates = TOPICS[i % len(TOPICS)] if i < len(TOPICS) else rng.choice(TOPICS)
        title = rng.choice(templates).format(crop=rng.choice(CROPS), place=rng.choice(PLACES))
        # make sure every stage appears in the small demo
        state_hint = list(PATHS)[i % len(PATHS)] if i < 14 and scale == "small" else None
        year = rng.randint(first_year, today.year + 1)
        start = dt.date(year, rng.choice([1, 3, 6, 7, 9]), 1)
        months = rng.choice([12, 18, 24, 24, 30, 36])
        end = add_months(start, months) - dt.timedelta(days=1)
        state = state_hint or _state_for(rng, start, end, today)
        if state_hint:
            start, end = _period_for(state_hint, today, months)
        host = rng.choice(hosts)
        staff = by_org.get(host.pk) or experts
        leader = (
            rng.choice(staff) if state not in ("proposed", "listed") or rng.random() < 0.5 else None
        )
        level = _weighted(rng, LEVEL_WEIGHTS)
        budget = (
            rng.randrange(300, 4500) * 1_000_000
            if level != "grassroots"
            else rng.randrange(50, 300) * 1_000_000
        )
        accepted_on = None
        rating = ""
        if state in ("accepted", "registered", "applied"):
            accepted_on = min(today, end + dt.timedelta(days=rng.randint(30, 200)))
            rating = rng.choices(["excellent", "good", "pass"], weights=[15, 55, 30])[0]
        elif state == "failed":
            rating = "fail"
        extended = None
        if state in ("in_progress", "submitted") and rng.random() < 0.15:
            extended = add_months(end, 6)
        tasks.append(
            Task(
                external_id=f"demo-task-{i + 1:05d}",
                code=f"{level[:2].upper()}-{start.year}-{i + 1:04d}",
                title=title[:500],
                level=level,
                form=_weighted(rng, FORM_WEIGHTS),
                ordering_agency=AGENCIES[0] if level == "provincial" else rng.choice(AGENCIES),
                host=host if state != "proposed" or rng.random() < 0.5 else None,
                leader=leader,
                start_date=start,
                end_date=end,
                extended_end_date=extended,
                budget_total_vnd=budget if state not in ("proposed", "listed") else None,
                objectives=f"Mục tiêu: {title[0].lower()}{title[1:]}, góp phần nâng cao hiệu quả "
                "sản xuất và thu nhập cho người dân.",
                expected_products="Quy trình kỹ thuật được nghiệm thu; mô hình trình diễn; "
                "bài báo khoa học; đào tạo kỹ thuật viên.",
                workflow=config.row,
                state=state,
                rating=rating,
                accepted_on=accepted_on,
                state_changed_at=timezone.now(),
                next_check_due=add_months(today, rng.choice([-1, 0, 1, 3]))
                if state == "in_progress"
                else None,
            )
        )
        meta.append({"code": code, "state": state, "start": start, "end": end})
    created = derived.bulk_create(Task, tasks, batch_size=500, history=True, change_reason="demo")
    if created and created[0].pk is None:
        pks = dict(
            Task.objects.filter(external_id__startswith="demo-task-").values_list(
                "external_id", "pk"
            )
        )
        for t in tasks:
            t.pk = pks[t.external_id]
    else:
        for t, c in zip(tasks, created, strict=True):
            t.pk = c.pk

    through = Task.fields.through
    links, members, budgets, steps, outputs = [], [], [], [], []
    for t, m in zip(tasks, meta, strict=True):
        f = fields.get(m["code"])
        if f:
            links.append(through(task_id=t.pk, fieldofscience_id=f.pk))
        team = {t.leader.pk} if t.leader else set()
        if t.leader:
            members.append(TaskMember(task_id=t.pk, expert_id=t.leader.pk, role="leader"))
            staff = by_org.get(t.leader.organization_id) or experts
            for e in rng.sample(staff, min(len(staff), rng.randint(2, 5))):
                if e.pk not in team:
                    team.add(e.pk)
                    members.append(
                        TaskMember(
                            task_id=t.pk,
                            expert_id=e.pk,
                            role="secretary" if len(team) == 2 else "key",
                        )
                    )
        if t.budget_total_vnd:
            years = list(range(m["start"].year, m["end"].year + 1))
            state_share = Decimal(rng.choice([1, 1, 0.8, 0.7]))
            per_year = t.budget_total_vnd // len(years)
            for y in years:
                s = int(per_year * state_share)
                budgets.append(TaskBudget(task_id=t.pk, year=y, source="state", amount_vnd=s))
                if per_year - s:
                    budgets.append(
                        TaskBudget(task_id=t.pk, year=y, source="other", amount_vnd=per_year - s)
                    )
        when = timezone.make_aware(
            dt.datetime.combine(m["start"] - dt.timedelta(days=300), dt.time(9))
        )
        prev = "proposed"
        steps.append(
            TaskTransition(
                task_id=t.pk,
                action="create",
                from_state="",
                to_state="proposed",
                at=when,
                comment="Dữ liệu mẫu",
            )
        )
        path = list(PATHS[m["state"]])
        if "open_call" in path and rng.random() < 0.3:
            path[path.index("open_call")] = "assign_direct"
        for code in path:
            step = config.steps[code]
            when = when + dt.timedelta(days=rng.randint(20, 60))
            if code == "start":
                when = timezone.make_aware(dt.datetime.combine(m["start"], dt.time(9)))
            if code == "submit_acceptance":
                when = timezone.make_aware(dt.datetime.combine(m["end"], dt.time(9)))
            steps.append(
                TaskTransition(
                    task_id=t.pk,
                    action=code,
                    from_state=prev,
                    to_state=step.to,
                    at=when,
                    comment="Dừng do chủ nhiệm chuyển công tác." if code == "stop" else "",
                )
            )
            prev = step.to
        if m["state"] in ("accepted", "registered", "applied"):
            for _k in range(rng.randint(0, 3)):
                outputs.append(
                    TaskOutput(
                        task_id=t.pk,
                        kind="publication",
                        year=t.accepted_on.year,
                        title=f"Kết quả {t.title[:200].lower()}",
                        publication_kind=rng.choices(
                            ["international", "domestic"], weights=[25, 75]
                        )[0],
                    )
                )
            outputs.append(
                TaskOutput(
                    task_id=t.pk,
                    kind="training",
                    year=t.accepted_on.year,
                    degree=rng.choice(["master", "bachelor"]),
                    count=rng.randint(1, 4),
                )
            )
            if rng.random() < 0.4:
                outputs.append(
                    TaskOutput(
                        task_id=t.pk,
                        kind="technology",
                        year=t.accepted_on.year,
                        title=f"Quy trình công nghệ: {t.title[:200]}",
                        description="Quy trình đã được hội đồng nghiệm thu.",
                    )
                )
    through.objects.bulk_create(links, batch_size=2000)
    TaskMember.objects.bulk_create(members, batch_size=2000, ignore_conflicts=True)
    TaskBudget.objects.bulk_create(budgets, batch_size=2000)
    TaskTransition.objects.bulk_create(steps, batch_size=2000)
    TaskOutput.objects.bulk_create(outputs, batch_size=2000)

    # Councils in the last three years: acceptance councils of recently accepted tasks, and
    # selection councils of recent calls; members never from the host or the team.
    team_of: dict[int, set[int]] = {}
    for mem in members:
        team_of.setdefault(mem.task_id, set()).add(mem.expert_id)
    since = dt.date(today.year - 2, 1, 1)
    pool = [(t, "acceptance") for t in tasks if t.accepted_on and t.accepted_on >= since] + [
        (t, "selection")
        for t, m in zip(tasks, meta, strict=True)
        if m["start"] >= since and m["state"] not in ("proposed", "listed", "call", "direct")
    ]
    pool += [
        (t, "acceptance") for t, m in zip(tasks, meta, strict=True) if m["state"] == "submitted"
    ]
    rng.shuffle(pool)
    pool = pool[: conf["councils"]]
    councils, seats_meta = [], []
    senior = [e for e in experts if e.degree in ("TS", "TSKH") or e.academic_title] or experts
    for t, purpose in pool:
        cfg = config.council_config(purpose)
        if purpose == "acceptance" and t.accepted_on:
            date = t.accepted_on - dt.timedelta(days=rng.randint(3, 20))
        elif purpose == "acceptance":
            date = None
        else:
            date = t.start_date - dt.timedelta(days=rng.randint(40, 120))
        concluded = date is not None
        council = Council(
            task_id=t.pk,
            purpose=purpose,
            meeting_date=date,
            place="Sở Khoa học và Công nghệ thành phố Cần Thơ",
            decision_number=f"{rng.randint(100, 999)}/QĐ-SKHCN",
            status="concluded" if concluded else "meeting",
            rules={"criteria": cfg["criteria"], "rule": cfg["rule"]},
            concluded_at=timezone.now() if concluded else None,
        )
        councils.append(council)
        host_id = t.host_id if t.host else None
        chosen: list[Any] = []
        tries = 0
        while len(chosen) < len(COUNCIL_ROLES) and tries < 200:
            tries += 1
            e = rng.choice(senior)
            if e.organization_id == host_id or e.pk in team_of.get(t.pk, set()) or e in chosen:
                continue
            chosen.append(e)
        seats_meta.append(chosen)
    Council.objects.bulk_create(councils, batch_size=500)
    if councils and councils[0].pk is None:  # backends without RETURNING
        ids = list(Council.objects.order_by("-pk").values_list("pk", flat=True)[: len(councils)])
        for c, pk in zip(councils, reversed(ids), strict=True):
            c.pk = pk
    seats = []
    for council, chosen in zip(councils, seats_meta, strict=True):
        for e, role in zip(chosen, COUNCIL_ROLES, strict=False):
            seats.append(
                CouncilMember(
                    council_id=council.pk,
                    expert_id=e.pk,
                    role=role,
                    invitation="accepted",
                    invited_at=timezone.now(),
                    responded_at=timezone.now(),
                )
            )
    CouncilMember.objects.bulk_create(seats, batch_size=2000)
    seat_rows = list(
        CouncilMember.objects.filter(council__in=councils).values_list("pk", "council_id")
    )
    by_council: dict[int, list[int]] = {}
    for pk, cid in seat_rows:
        by_council.setdefault(cid, []).append(pk)
    sheets = []
    updates = []
    rating_of = {t.pk: t.rating for t in tasks}
    for council in councils:
        target = {"excellent": 0.9, "good": 0.77, "pass": 0.62, "fail": 0.4}.get(
            rating_of.get(council.task_id) or "good", 0.75
        )
        pairs = []
        for seat in by_council.get(council.pk, []):
            scores = {}
            for c in council.rules["criteria"]:
                share = max(0.2, min(1.0, rng.gauss(target, 0.05)))
                scores[c["code"]] = str(round(Decimal(c["max"]) * Decimal(str(share)), 1))
            total = sum((Decimal(v) for v in scores.values()), Decimal(0))
            vote = "pass" if target >= 0.5 or rng.random() < 0.2 else "fail"
            pairs.append((total, vote))
            sheets.append(ScoreSheet(member_id=seat, scores=scores, total=total, vote=vote))
        if council.status == "concluded":
            result = evaluate(council.rules, pairs)
            council.average_score = result["average"]
            council.pass_votes = result["pass_votes"]
            council.votes = result["votes"]
            council.outcome = result["outcome"]
            council.outcome_label = result["label_vi"]
            updates.append(council)
    ScoreSheet.objects.bulk_create(sheets, batch_size=2000)
    Council.objects.bulk_update(
        updates,
        ["average_score", "pass_votes", "votes", "outcome", "outcome_label"],
        batch_size=500,
    )
    log(f"S&T tasks: {len(tasks)}, councils: {len(councils)}, council seats: {len(seats)}")
    return {
        "tasks": len(tasks),
        "councils": len(councils),
        "council_engagements": len(seats),
        "task_outputs": len(outputs),
    }
