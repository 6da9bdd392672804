"""Demo documents for the S&T library: task reports, papers, patents, standards and theses with
Vietnamese metadata and full text, some of them marked as digitised from paper (about 8 %, as
25,500 of Cần Thơ's 300,000 documents were)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from openstx.core import derived
from openstx.library.models import AccessLevel, Collection, Document
from openstx.library.synth import page_text

SCALES = {"small": 40, "city": 3000}
SUBJECTS = [
    "nuôi trồng thủy sản",
    "cá tra",
    "tôm thẻ chân trắng",
    "lúa chịu mặn",
    "bưởi da xanh",
    "xoài cát Hòa Lộc",
    "bảo quản sau thu hoạch",
    "chế biến nông sản",
    "xâm nhập mặn",
    "biogas",
    "năng lượng mặt trời",
    "chuyển đổi số",
    "chế phẩm sinh học",
    "phân hữu cơ vi sinh",
]
TITLES = {
    Collection.TASK_REPORTS: "Báo cáo tổng hợp kết quả đề tài: Nghiên cứu {s} tại {p}",
    Collection.PAPERS: "Ảnh hưởng của {s} đến năng suất và chất lượng sản phẩm ở {p}",
    Collection.PATENTS: "Quy trình {s} và thiết bị thực hiện quy trình",
    Collection.STANDARDS: "Tiêu chuẩn cơ sở về {s}",
    Collection.THESES: "Luận văn thạc sĩ: Đánh giá hiệu quả {s} ở {p}",
    Collection.NEWS: "Hội thảo chuyển giao tiến bộ kỹ thuật về {s} tại {p}",
}
PLACES = ["Cần Thơ", "Hậu Giang", "Sóc Trăng", "An Giang", "Đồng Tháp", "Vĩnh Long", "Cà Mau"]


def generate(
    scale: str,
    seed: int,
    organizations: list[Any],
    experts: list[Any],
    log: Callable[[str], Any] = print,
) -> dict[str, int]:

    rng = random.Random(seed + 6)
    collections = list(TITLES)
    docs = []
    for i in range(1, SCALES.get(scale, 40) + 1):
        collection = rng.choice(collections)
        subject = rng.choice(SUBJECTS)
        authors = [e.full_name for e in rng.sample(experts, k=min(len(experts), rng.randint(1, 3)))]
        org = rng.choice(organizations) if organizations else None
        access = rng.choices(list(AccessLevel.values), weights=[80, 12, 5, 3])[0]
        docs.append(
            Document(
                external_id=f"demo-doc-{i:05d}",
                title=TITLES[collection].format(s=subject, p=rng.choice(PLACES)),
                creators=authors,
                subjects=[subject, rng.choice(SUBJECTS)],
                description=f"Tài liệu về {subject}, lưu tại Thư viện khoa học và công nghệ.",
                publisher=org.name if org else "",
                date=str(rng.randint(2005, 2025)),
                dc_type="Text",
                language="vi",
                collection=collection,
                access_level=access,
                status=Document.Status.PUBLISHED,
                was_public=access == AccessLevel.PUBLIC,
                digitised=rng.random() < 0.085,
                full_text=page_text(seed + i, paragraphs=rng.randint(2, 5)),
            )
        )
    derived.bulk_create(Document, docs, batch_size=500)  # derived fields, search outbox
    log(f"Library: {len(docs)} documents")
    return {"documents": len(docs)}
