from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from openstx.library.models import AccessLevel, Collection, Document


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Báo cáo tổng kết đề tài số {n}")
    creators = factory.LazyFunction(lambda: ["Nguyễn Văn An", "Trần Thị Bình"])
    subjects = factory.LazyFunction(lambda: ["thủy sản", "chế phẩm sinh học"])
    description = "Nghiên cứu ứng dụng chế phẩm sinh học trong nuôi tôm."
    publisher = "Sở Khoa học và Công nghệ Cần Thơ"
    date = "2024-05-10"
    dc_type = "Text"
    language = "vi"
    collection = Collection.TASK_REPORTS
    access_level = AccessLevel.PUBLIC
    status = Document.Status.PUBLISHED
    full_text = "Nội dung báo cáo về nuôi trồng thủy sản."
