"""Demo IP, standards and training records with a Mekong Delta flavour (deterministic).

``--scale city`` reproduces the Cần Thơ figures: 1,690 IP applications filed 2016–2019
(1,627 trademarks, 24 patents, 5 utility solutions, 34 industrial designs), 727 of them granted.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from openstx.core import derived
from openstx.ipr.classes import normalize_classes
from openstx.ipr.models import (
    Attendance,
    IPRecord,
    IPStatus,
    IPTransition,
    StandardKind,
    StandardOutcome,
    StandardRecord,
    TrainingCourse,
    application_key,
)

SCALES: dict[str, dict[str, Any]] = {
    "city": {
        "types": {"trademark": 1627, "patent": 24, "utility_solution": 5, "industrial_design": 34},
        "granted": 727,
        "standards": 360,
        "courses": 24,
        "attendees": (20, 45),
    },
    "small": {
        "types": {
            "trademark": 30,
            "patent": 3,
            "utility_solution": 2,
            "industrial_design": 3,
            "geographical_indication": 1,
            "software_copyright": 1,
        },
        "granted": 16,
        "standards": 14,
        "courses": 4,
        "attendees": (5, 12),
    },
}
YEARS = (2016, 2017, 2018, 2019)

PRODUCTS = [
    ("Gạo", ["thơm ST25", "thơm Jasmine", "hữu cơ", "Nàng Hương", "tài nguyên", "lứt đỏ"]),
    ("Bưởi", ["Năm Roi", "da xanh", "Phong Điền"]),
    ("Khóm", ["Cầu Đúc", "Tắc Cậu", "sấy dẻo"]),
    ("Cá tra", ["phi lê", "một nắng", "kho tộ"]),
    ("Nước mắm", ["cá cơm", "truyền thống", "nhĩ"]),
    ("Xoài", ["cát Hòa Lộc", "cát chu", "sấy dẻo"]),
    ("Mật ong", ["hoa tràm U Minh", "hoa nhãn"]),
    ("Bánh tráng", ["Thuận Hưng", "dừa", "phơi sương"]),
    ("Tôm khô", ["Rạch Gốc", "Cà Mau"]),
    ("Khô cá lóc", ["đồng", "một nắng"]),
    ("Chả cá thác lác", ["Hậu Giang", "tươi"]),
    ("Trà mãng cầu", ["túi lọc", "sấy lạnh"]),
    ("Dừa", ["sáp Cầu Kè", "xiêm xanh"]),
    ("Nem", ["Lai Vung", "chua"]),
    ("Bánh pía", ["Sóc Trăng", "sầu riêng"]),
    ("Sầu riêng", ["Ri6", "Cái Mơn"]),
    ("Rượu", ["đế Phong Điền", "sim"]),
    ("Cacao", ["Bến Tre", "Tiền Giang"]),
    ("Kẹo dừa", ["Bến Tre", "lá dứa"]),
    ("Nhãn", ["Ido", "xuồng cơm vàng"]),
]
BRANDS = [
    "Hương Quê",
    "Mekong Xanh",
    "Tây Đô",
    "Ba Miền",
    "Phù Sa",
    "Sông Hậu",
    "Út Hiền",
    "Cô Ba",
    "Mười Tốt",
    "Đất Phương Nam",
    "Cửu Long",
    "Miệt Vườn",
    "Bảy Núi",
    "Ngọc Phát",
    "An Bình",
    "Hồng Ngự",
    "Năm Căn",
    "Vàm Cống",
    "Cái Răng",
    "Thới Lai",
    "Hưng Phát",
    "Thanh Bình",
    "Phước Lộc",
    "Kim Ngân",
    "Nam Bộ",
    "Xứ Dừa",
    "Lúa Vàng",
    "Sen Hồng",
]
PERSON_PREFIX = ["Hộ kinh doanh", "Cơ sở sản xuất", "Cơ sở", "Ông", "Bà"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Lâm", "Châu", "Thạch"]
GIVEN = [
    "Văn Tài",
    "Thị Hạnh",
    "Minh Tâm",
    "Thanh Tuấn",
    "Ngọc Lan",
    "Hữu Phước",
    "Kim Yến",
    "Quốc Dũng",
    "Thị Mai",
    "Văn Lộc",
    "Thu Trang",
    "Hoàng Nam",
]
PATENTS = [
    ("Quy trình sản xuất chế phẩm vi sinh xử lý bùn đáy ao nuôi cá tra", "C12N 1/20"),
    ("Phương pháp bảo quản bưởi da xanh bằng màng bao chitosan", "A23B 7/16"),
    ("Quy trình chiết xuất pectin từ vỏ bưởi", "C08B 37/06"),
    ("Máy sấy lúa tuần hoàn sử dụng năng lượng mặt trời", "F26B 17/12"),
    ("Quy trình lên men nước mắm ngắn ngày", "A23L 27/50"),
    ("Hệ thống cảm biến độ mặn cho ao nuôi tôm", "G01N 27/06"),
    ("Quy trình sản xuất phân hữu cơ vi sinh từ phụ phẩm cá tra", "C05F 11/08"),
    ("Phương pháp nhân giống khóm bằng nuôi cấy mô", "A01H 4/00"),
    ("Quy trình sản xuất khóm sấy dẻo giữ màu tự nhiên", "A23B 7/02"),
    ("Thiết bị lọc nước nhiễm mặn quy mô hộ gia đình", "C02F 1/44"),
]
DESIGNS = [
    ("Chai đựng nước mắm", "09-01"),
    ("Hộp đựng bánh pía", "09-03"),
    ("Bao bì gạo", "09-05"),
    ("Nhãn chai mật ong", "19-08"),
    ("Máy bóc vỏ dừa", "15-99"),
    ("Hộp đựng khóm sấy", "09-03"),
    ("Túi đựng trà mãng cầu", "09-05"),
]
NICE_BY_PRODUCT = {
    "Gạo": "30",
    "Bưởi": "31",
    "Khóm": "31",
    "Cá tra": "29",
    "Nước mắm": "30",
    "Xoài": "31",
    "Mật ong": "30",
    "Bánh tráng": "30",
    "Tôm khô": "29",
    "Khô cá lóc": "29",
    "Chả cá thác lác": "29",
    "Trà mãng cầu": "30",
    "Dừa": "31",
    "Nem": "29",
    "Bánh pía": "30",
    "Sầu riêng": "31",
    "Rượu": "33",
    "Cacao": "30",
    "Kẹo dừa": "30",
    "Nhãn": "31",
}
IN_PROGRESS = [IPStatus.FILED, IPStatus.FORMALITY, IPStatus.PUBLISHED, IPStatus.SUBSTANTIVE]
TYPE_PREFIX = {
    "trademark": "4",
    "patent": "1",
    "utility_solution": "2",
    "industrial_design": "3",
    "geographical_indication": "6",
    "software_copyright": "PM",
}


def _date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _person(rng: random.Random) -> str:
    return f"{rng.choice(PERSON_PREFIX)} {rng.choice(FAMILY)} {rng.choice(GIVEN)}"


def _title(rng: random.Random, ip_type: str, i: int) -> tuple[str, str]:
    if ip_type == "trademark":
        product, variants = rng.choice(PRODUCTS)
        brand = rng.choice(BRANDS)
        title = rng.choice(
            [
                f"{brand} {product} {rng.choice(variants)}",
                f"{product} {brand}",
                f"{product} {rng.choice(variants)} {brand}",
            ]
        )
        extra = rng.choice(["", "", f"; {rng.choice(['35', '43', '29', '30', '31'])}"])
        return title, NICE_BY_PRODUCT[product] + extra
    if ip_type in ("patent", "utility_solution"):
        title, ipc = PATENTS[i % len(PATENTS)]
        return title, ipc
    if ip_type == "industrial_design":
        title, loc = DESIGNS[i % len(DESIGNS)]
        return f"{title} {rng.choice(BRANDS)}", loc
    if ip_type == "geographical_indication":
        return rng.choice(["Bưởi Năm Roi Phong Điền", "Khóm Cầu Đúc", "Gạo Sóc Trăng"]), "31"
    return (
        f"Phần mềm quản lý {rng.choice(['vùng nuôi cá tra', 'truy xuất nguồn gốc nông sản', 'hợp tác xã'])}",
        "",
    )


def generate(
    scale: str, seed: int, organizations: list, experts: list, log: Callable[[str], Any] = print
) -> dict[str, int]:

    spec = SCALES.get(scale, SCALES["small"])
    if IPRecord.objects.filter(external_id__startswith="demo-ip-").exists():
        log("ipr: demo records already present")
        return {}
    rng = random.Random(seed * 7 + 8)
    orgs = [o for o in organizations if getattr(o, "pk", None)]
    plan = [t for t, n in spec["types"].items() for _ in range(n)]
    rng.shuffle(plan)
    total = len(plan)
    granted_idx = set(rng.sample(range(total), spec["granted"]))
    tasks = _tasks()
    records: list[IPRecord] = []
    counters: dict[tuple[str, int], int] = {}
    for i, ip_type in enumerate(plan):
        year = YEARS[min(len(YEARS) - 1, int(rng.triangular(0, len(YEARS), len(YEARS) * 0.7)))]
        app_date = _date(rng, year)
        counters[(ip_type, year)] = counters.get((ip_type, year), 0) + 1
        number = f"{TYPE_PREFIX[ip_type]}-{year}-{counters[(ip_type, year)] + 1000 * (i % 7):05d}"
        title, classes = _title(rng, ip_type, i)
        org = rng.choice(orgs) if orgs and (ip_type != "trademark" or rng.random() < 0.35) else None
        applicant = org.name if org else _person(rng)
        if i in granted_idx:
            status = IPStatus.GRANTED
            cert_date = min(
                app_date + dt.timedelta(days=rng.randint(300, 900)), dt.date(2020, 12, 31)
            )
            cert_no = f"{rng.randint(100000, 399999)}"
            term = {
                "trademark": 10,
                "patent": 20,
                "utility_solution": 10,
                "industrial_design": 5,
            }.get(ip_type, 10)
            expiry = (
                app_date + dt.timedelta(days=365 * term + term // 4)
                if ip_type != "software_copyright"
                else None
            )
        else:
            status = rng.choices(
                IN_PROGRESS + [IPStatus.REFUSED, IPStatus.WITHDRAWN],
                weights=[10, 18, 22, 30, 12, 8],
            )[0]
            cert_date, cert_no, expiry = None, "", None
        supported = rng.random() < (0.6 if ip_type != "trademark" else 0.12)
        amount = (
            (
                rng.choice([5, 8, 10, 15, 20, 30]) * 1_000_000
                if ip_type == "trademark"
                else rng.choice([30, 50, 80]) * 1_000_000
            )
            if supported
            else None
        )
        task_id, task_code = (
            rng.choice(tasks)
            if tasks and ip_type != "trademark" and rng.random() < 0.6
            else (None, "")
        )
        records.append(
            IPRecord(
                task_id=task_id,
                task_reference=task_code,
                external_id=f"demo-ip-{i + 1:05d}",
                type=ip_type,
                title=title,
                applicant_organization=org,
                applicant_name=applicant,
                application_number=number,
                application_key=application_key(number),
                application_date=app_date,
                status=status,
                certificate_number=cert_no,
                certificate_date=cert_date,
                expiry_date=expiry,
                classes=normalize_classes(ip_type, classes),
                supported=supported,
                support_amount_vnd=amount,
                support_programme="Chương trình hỗ trợ phát triển tài sản trí tuệ"
                if supported
                else "",
                is_public=status not in (IPStatus.FILED, IPStatus.FORMALITY) or org is None,
            )
        )
    created = derived.bulk_create(
        IPRecord, records, batch_size=500, history=True, change_reason="demo"
    )
    pks = list(
        IPRecord.objects.filter(external_id__startswith="demo-ip-").values_list(
            "pk", "status", "application_date", "certificate_date"
        )
    )
    transitions = []
    for pk, rec_status, filed, cert_date in pks:
        assert filed is not None  # every demo record above has an application date
        transitions.append(
            IPTransition(
                record_id=pk,
                from_status="",
                to_status=IPStatus.FILED,
                date=filed,
                at=_at(filed),
                comment="Nộp đơn",
            )
        )
        if rec_status != IPStatus.FILED:
            prev = IPStatus.SUBSTANTIVE if rec_status == IPStatus.GRANTED else IPStatus.FILED
            transitions.append(
                IPTransition(
                    record_id=pk,
                    from_status=prev,
                    to_status=rec_status,
                    date=(step := cert_date or filed + dt.timedelta(days=30 + pk % 150)),
                    at=_at(step),
                    comment="Cấp văn bằng" if rec_status == IPStatus.GRANTED else "",
                )
            )
    IPTransition.objects.bulk_create(transitions, batch_size=1000)

    standards = _standards(rng, spec["standards"], orgs)
    courses, attendees = _training(rng, spec["courses"], spec["attendees"], orgs)
    log(
        f"ipr: {len(created)} IP records, {standards} standards records, "
        f"{courses} training courses, {attendees} attendees"
    )
    return {
        "ip_records": len(created),
        "standards_records": standards,
        "training_courses": courses,
        "training_attendees": attendees,
    }


def _at(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def _tasks() -> list[tuple[int, str]]:
    """Demo S&T tasks that patents and designs can come from (when the projects app is there)."""
    from openstx.projects.models import Task

    return list(Task.objects.order_by("pk").values_list("pk", "code")[:400])


def _outbox(model: Any, pks: list[int]) -> None:
    from openstx.search import outbox

    outbox.record_changes(model, pks)


STANDARD_PRODUCTS = [
    "Nước mắm cá cơm",
    "Gạo thơm ST25",
    "Khô cá tra phồng",
    "Bánh pía sầu riêng",
    "Nước uống đóng chai",
    "Phân bón hữu cơ vi sinh",
    "Thức ăn thủy sản",
    "Trà mãng cầu túi lọc",
    "Khóm sấy dẻo",
    "Mật ong hoa tràm",
    "Ống nhựa PVC",
    "Thép xây dựng",
    "Dây cáp điện",
    "Mũ bảo hiểm",
    "Đồ chơi trẻ em",
]
REFERENCES = {
    "in_house": lambda r, i: f"TCCS {i % 20 + 1:02d}:{r.choice(YEARS)}/CS",
    "conformity_standard": lambda r, i: r.choice(
        ["TCVN 5107:2018", "TCVN 11888:2017", "TCVN 6096:2010"]
    ),
    "conformity_regulation": lambda r, i: r.choice(
        ["QCVN 01-190:2020/BNNPTNT", "QCVN 6-1:2010/BYT", "QCVN 7:2019/BKHCN", "QCVN 2:2021/BKHCN"]
    ),
    "labelling": lambda r, i: "Nghị định 43/2017/NĐ-CP",
    "barcode": lambda r, i: "GS1 Việt Nam",
}


def _standards(rng: random.Random, n: int, orgs: list) -> int:

    kinds = (
        [StandardKind.IN_HOUSE] * 4
        + [StandardKind.CONFORMITY_STANDARD] * 2
        + [StandardKind.CONFORMITY_REGULATION] * 3
        + [StandardKind.LABELLING, StandardKind.BARCODE]
    )
    rows = []
    for i in range(n):
        kind = rng.choice(kinds)
        received = _date(rng, rng.choice(YEARS))
        outcome = rng.choices(list(StandardOutcome.values), weights=[6, 60, 14, 10, 6, 4])[0]
        if (
            kind in (StandardKind.LABELLING, StandardKind.BARCODE)
            and outcome == StandardOutcome.ACCEPTED
        ):
            outcome = StandardOutcome.SUPPORTED
        org = rng.choice(orgs) if orgs else None
        rows.append(
            StandardRecord(
                external_id=f"demo-std-{i + 1:04d}",
                kind=kind,
                title=rng.choice(STANDARD_PRODUCTS),
                reference=REFERENCES[kind](rng, i),
                number=f"{i + 1:04d}/TN-TĐC",
                organization=org,
                organization_name=org.name if org else _person(rng),
                received_date=received,
                decision_date=None
                if outcome == StandardOutcome.PENDING
                else received + dt.timedelta(days=rng.randint(3, 20)),
                outcome=outcome,
                support_amount_vnd=rng.choice([3, 5, 10]) * 1_000_000
                if outcome == StandardOutcome.SUPPORTED
                else None,
            )
        )
    derived.bulk_create(
        StandardRecord, rows, batch_size=500, history=True, change_reason="demo"
    )  # derived fields, search outbox
    return len(rows)


COURSE_TOPICS = [
    ("Tập huấn xác lập và bảo hộ quyền sở hữu công nghiệp", "Sở hữu trí tuệ"),
    ("Xây dựng và phát triển nhãn hiệu tập thể cho nông sản", "Sở hữu trí tuệ"),
    ("Hướng dẫn công bố tiêu chuẩn cơ sở và công bố hợp quy", "Tiêu chuẩn, đo lường, chất lượng"),
    ("Áp dụng hệ thống quản lý chất lượng ISO 9001:2015", "Năng suất chất lượng"),
    ("Ghi nhãn hàng hóa và truy xuất nguồn gốc", "Tiêu chuẩn, đo lường, chất lượng"),
    ("Sử dụng mã số mã vạch cho doanh nghiệp nhỏ", "Mã số mã vạch"),
    ("Khai thác thông tin sáng chế phục vụ nghiên cứu", "Sở hữu trí tuệ"),
    ("Quản trị tài sản trí tuệ trong trường đại học", "Sở hữu trí tuệ"),
]
PLACES = [
    "Hội trường Sở KH&CN, quận Ninh Kiều",
    "Trung tâm Hội nghị TP. Cần Thơ",
    "UBND huyện Phong Điền",
    "Trường Đại học Cần Thơ",
    "UBND quận Ô Môn",
    "UBND huyện Cờ Đỏ",
]
TRAINERS = [
    "ThS. Nguyễn Thanh Hải (Cục Sở hữu trí tuệ)",
    "TS. Lê Minh Tâm (Trường Đại học Cần Thơ)",
    "KS. Trần Thị Hạnh (Chi cục Tiêu chuẩn Đo lường Chất lượng)",
    "ThS. Phạm Quốc Dũng (GS1 Việt Nam)",
]


def _training(rng: random.Random, n: int, per: tuple[int, int], orgs: list) -> tuple[int, int]:

    courses = []
    for i in range(n):
        title, topic = COURSE_TOPICS[i % len(COURSE_TOPICS)]
        start = _date(rng, YEARS[i % len(YEARS)])
        courses.append(
            TrainingCourse(
                external_id=f"demo-course-{i + 1:03d}",
                title=f"{title} ({start.year})",
                topic=topic,
                start_date=start,
                end_date=start + dt.timedelta(days=rng.choice([0, 1, 2])),
                place=rng.choice(PLACES),
                trainers="; ".join(rng.sample(TRAINERS, 2)),
                capacity=per[1] + 5,
            )
        )
    derived.bulk_create(TrainingCourse, courses, batch_size=500, history=True, change_reason="demo")
    saved = list(TrainingCourse.objects.filter(external_id__startswith="demo-course-"))
    attendees = []
    for course in saved:
        for _j in range(rng.randint(*per)):
            org = rng.choice(orgs) if orgs and rng.random() < 0.7 else None
            name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
            attendees.append(
                Attendance(
                    course=course,
                    name=name,
                    organization=org,
                    organization_name=org.name if org else "",
                    contact=f"09{rng.randint(10000000, 99999999)}",
                )
            )
    Attendance.objects.bulk_create(attendees, batch_size=1000)
    _outbox(TrainingCourse, [c.pk for c in saved])
    return len(saved), len(attendees)
