from __future__ import annotations

import pytest
from lxml import etree

from openstx.library import citations
from tests.library.factories import DocumentFactory

pytestmark = pytest.mark.django_db


def test_bibtex_ris_and_dublin_core():
    document = DocumentFactory(title="Ứng dụng {AI} & dữ liệu_lớn", identifier="ISBN 978-604")
    bib = citations.bibtex(document)
    assert bib.startswith("@techreport{nguyen2024_")
    assert "title = {Ứng dụng \\{AI\\} \\& dữ liệu\\_lớn}" in bib
    assert "author = {Nguyễn Văn An and Trần Thị Bình}" in bib
    assert "year = {2024}" in bib
    ris = citations.ris(document)
    lines = ris.split("\r\n")
    assert lines[0] == "TY  - RPRT"
    assert "AU  - Nguyễn Văn An" in lines and "AU  - Trần Thị Bình" in lines
    assert "PY  - 2024" in lines and lines[-2] == "ER  - "
    root = etree.fromstring(citations.dublin_core_xml(document).encode())
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert root.findtext(f"{dc}title") == "Ứng dụng {AI} & dữ liệu_lớn"
    assert [e.text for e in root.findall(f"{dc}creator")] == ["Nguyễn Văn An", "Trần Thị Bình"]


def test_cite_button_and_downloads(client):
    document = DocumentFactory()
    page = client.get(document.get_absolute_url()).content.decode()
    assert f"/library/{document.pk}/cite/" in page
    panel = client.get(f"/library/{document.pk}/cite/").content.decode()
    assert "@techreport" in panel and "TY  - RPRT" in panel
    for fmt in ("bibtex", "ris", "dc"):
        response = client.get(f"/library/{document.pk}/cite/{fmt}")
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
