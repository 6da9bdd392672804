"""The contact page shows the department's details, editable by staff, in both languages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from openstx.portal import services
from openstx.portal.models import DepartmentContact

pytestmark = pytest.mark.django_db

DETAILS = {
    "name": "Sở Khoa học và Công nghệ thành phố Cần Thơ",
    "name_en": "Department of Science and Technology of Can Tho City",
    "address": "Số 02 Lý Thường Kiệt, phường Ninh Kiều, thành phố Cần Thơ",
    "address_en": "2 Ly Thuong Kiet Street, Ninh Kieu Ward, Can Tho City",
    "phone": "0292 3820 674",
    "email": "sokhcn@cantho.gov.vn",
    "office_hours": "Thứ Hai – Thứ Sáu: 7:00 – 11:00",
    "office_hours_en": "",  # falls back to the Vietnamese
    "latitude": "10.033800",
    "longitude": "105.787600",
}


def test_officer_saves_details_and_both_languages_read_them(client, officer):
    services.save_department_contact(officer, **DETAILS)
    client.cookies["openstx_language"] = "vi"
    html = client.get("/portal/contact/").content.decode()
    assert "Số 02 Lý Thường Kiệt" in html and 'href="tel:02923820674"' in html
    assert 'href="mailto:sokhcn@cantho.gov.vn"' in html
    assert "Thứ Hai – Thứ Sáu: 7:00 – 11:00" in html
    assert "https://www.openstreetmap.org/?mlat=10.033800&amp;mlon=105.787600" in html
    assert "tile.openstreetmap" not in html and "<iframe" not in html  # no tiles at run time
    assert "Giờ làm việc" in html and "Gửi" in html

    client.cookies["openstx_language"] = "en"
    html = client.get("/portal/contact/").content.decode()
    assert "2 Ly Thuong Kiet Street" in html and "Office hours" in html
    assert "Thứ Hai – Thứ Sáu" in html  # no English hours given: the Vietnamese ones


def test_only_officers_change_details(business, officer, client):
    with pytest.raises(PermissionDenied):
        services.save_department_contact(business, phone="0000")
    with pytest.raises(PermissionDenied):
        services.save_department_contact(None, phone="0000")
    assert DepartmentContact.load().phone == ""
    client.force_login(business)
    assert "Edit the contact details" not in client.get("/portal/contact/").content.decode()


def test_empty_details_say_so_and_the_form_still_works(client):
    html = client.get("/portal/contact/").content.decode()
    assert "Chưa có thông tin." in html
    assert 'name="message"' in html


def test_officer_edits_in_the_admin(client, officer):
    officer.is_staff = True
    officer.save()
    client.force_login(officer)
    page = client.get("/admin/portal/departmentcontact/")
    assert page.status_code == 302  # the list goes straight to the one row
    url = page["Location"]
    form = client.get(url)
    assert form.status_code == 200
    data = dict(DETAILS)
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = DepartmentContact.load()
    assert row.address == DETAILS["address"] and str(row.latitude) == "10.033800"
    assert row.history.first().history_user == officer
    assert client.get("/admin/portal/departmentcontact/add/").status_code == 403
    assert "Sửa thông tin liên hệ" in client.get("/portal/contact/").content.decode()


def test_footer_links_the_contact_page(client):
    assert 'href="/portal/contact/"' in client.get("/").content.decode()
