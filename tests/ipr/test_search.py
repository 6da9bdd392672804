from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from .factories import IPRecordFactory, StandardRecordFactory, TrainingCourseFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def index_dir(tmp_path, settings):
    settings.SEARCH_INDEX_DIR = tmp_path / "search"
    settings.SEARCH_NODE_NAME = f"test-node:{tmp_path.name}"
    settings.SEARCH_APPLY = ""


def find(q, user, type_):
    from openstx.search import service, writer

    writer.apply_pending()
    return [h.title for h in service.search(q, user=user, types=[type_]).hits]


def test_ip_records_are_searchable_with_and_without_diacritics(org, member, officer):
    IPRecordFactory(title="Bưởi Năm Roi Phong Điền", is_public=True)
    IPRecordFactory(title="Bưởi da xanh Mỹ Khánh", is_public=False, applicant_organization=org)
    StandardRecordFactory(title="Nước mắm cá cơm", outcome="accepted")
    TrainingCourseFactory(title="Tập huấn nhãn hiệu tập thể bưởi")
    assert find("bưởi", AnonymousUser(), "ip") == ["Bưởi Năm Roi Phong Điền"]
    assert sorted(find("buoi", member, "ip")) == [
        "Bưởi Năm Roi Phong Điền",
        "Bưởi da xanh Mỹ Khánh",
    ]
    assert len(find("bưởi", officer, "ip")) == 2
    assert find("nuoc mam", AnonymousUser(), "standard") == ["Nước mắm cá cơm"]
    assert find("nhãn hiệu tập thể", AnonymousUser(), "training") == [
        "Tập huấn nhãn hiệu tập thể bưởi"
    ]


def test_imported_rows_reach_the_index(tmp_path, officer):
    from openpyxl import Workbook

    from openstx.ipr.importers import import_file

    wb = Workbook()
    wb.active.append(["Số đơn", "Loại", "Tên nhãn hiệu", "Chủ đơn", "Tình trạng"])
    wb.active.append(["4-2019-1", "NH", "Khóm Cầu Đúc Hậu Giang", "HTX", "Đã công bố"])
    wb.active.append(["4-2019-2", "NH", "Khóm Tắc Cậu", "HTX", "Mới nộp"])
    wb.save(tmp_path / "a.xlsx")
    import_file("ip", tmp_path / "a.xlsx")
    assert find("khom", AnonymousUser(), "ip") == [
        "Khóm Cầu Đúc Hậu Giang"
    ]  # filed: not public yet
    assert sorted(find("khom", officer, "ip")) == ["Khóm Cầu Đúc Hậu Giang", "Khóm Tắc Cậu"]
