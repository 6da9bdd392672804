from __future__ import annotations

from django.urls import reverse

from openstx.directory.models import Expert, Organization
from tests.factories import ExpertFactory, OrganizationFactory


def test_organization_list_filters_and_pagination(client, fields, units):
    for i in range(25):
        OrganizationFactory(name=f"Doanh nghiệp {i:02d}", type="enterprise")
    bio = OrganizationFactory(
        name="Viện Công nghệ Sinh học", type="research_institute", admin_unit=units["92"]
    )
    bio.fields.set([fields["10616"]])
    url = reverse("directory:organization-list")
    r = client.get(url)
    assert r.status_code == 200
    assert r.context["page"].paginator.count == 26
    assert len(r.context["page"].object_list) == 20
    r = client.get(url, {"page": 2, "type": "enterprise"})
    assert len(r.context["page"].object_list) == 5
    assert "type=enterprise" in r.context["querystring"]
    r = client.get(url, {"field": "1"})
    assert list(r.context["page"].object_list) == [bio]
    r = client.get(url, {"admin_unit": "92", "q": "sinh hoc"})
    assert list(r.context["page"].object_list) == [bio]
    assert "Viện Công nghệ Sinh học" in r.content.decode()
    r = client.get(url, {"field": "no-such-code", "sort": "bogus"})
    assert r.status_code == 200  # a stale link still shows a list


def test_expert_list_filters(client, fields, expert):
    expert.fields.set([fields["10616"]])
    ExpertFactory(full_name="Khác", degree="ThS")
    url = reverse("directory:expert-list")
    r = client.get(url, {"field": "106"})
    assert list(r.context["page"].object_list) == [expert]
    r = client.get(url, {"degree": "ThS"})
    assert [e.full_name for e in r.context["page"].object_list] == ["Khác"]
    r = client.get(url, {"sort": "newest"})
    assert r.context["page"].object_list[0].full_name == "Khác"


def test_organization_detail_redirects_to_canonical(client, org, expert):
    r = client.get(reverse("directory:organization-detail", args=[org.pk, "wrong"]))
    assert r.status_code == 301 and r.url == org.get_absolute_url()
    r = client.get(org.get_absolute_url())
    assert r.status_code == 200
    assert expert.full_name in r.content.decode()


def test_expert_contacts_hidden_from_anonymous(client, expert, member):
    r = client.get(expert.get_absolute_url())
    body = r.content.decode()
    assert r.status_code == 200
    assert "thuy@ctu.edu.vn" not in body and "3831" not in body
    client.force_login(member)
    body = client.get(expert.get_absolute_url()).content.decode()
    assert "thuy@ctu.edu.vn" in body and "0292 3831 234" in body


def test_expert_edit_by_owner_only(client, expert, expert_user, member, fields):
    url = f"/directory/experts/{expert.pk}/edit/"
    assert reverse("directory:expert-edit", args=[expert.pk]) == url
    r = client.get(url)
    assert r.status_code == 302  # to login
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(expert_user)
    assert client.get(url).status_code == 200
    data = {
        "full_name": "Nguyễn Văn Thủy",
        "degree": "TS",
        "organization": expert.organization_id,
        "fields": [fields["10616"].pk],
        "orcid": "0000-0002-1825-0098",
        "email": "thuy@ctu.edu.vn",
    }
    r = client.post(url, data)
    assert r.status_code == 200 and "orcid" in r.context["form"].errors
    data["orcid"] = "0000-0002-1825-0097"
    r = client.post(url, data)
    assert r.status_code == 302
    expert.refresh_from_db()
    assert expert.orcid == "0000-0002-1825-0097"
    assert expert.history.first().history_user == expert_user


def test_organization_edit_by_members_and_officers(client, org, org_member, member, officer):
    url = reverse("directory:organization-edit", args=[org.pk])
    client.force_login(member)
    assert client.get(url).status_code == 403
    client.force_login(org_member)
    r = client.post(url, {"name": org.name, "type": "university", "website": "https://ctu.edu.vn"})
    assert r.status_code == 302
    org.refresh_from_db()
    assert org.website == "https://ctu.edu.vn"
    client.force_login(officer)
    assert client.get(url).status_code == 200
    assert "verified" in client.get(url).context["form"].fields


def test_create_pages_for_officers(client, member, officer):
    url = reverse("directory:organization-create")
    client.force_login(member)
    # a member is sent to register the organisation they work for, not given a bare 403
    r = client.get(url)
    assert r.status_code == 302 and r["Location"] == reverse("directory:organization-register")
    assert client.get(reverse("directory:expert-create")).status_code == 403
    client.force_login(officer)
    r = client.post(url, {"name": "Trung tâm Ứng dụng", "type": "public_st_unit"})
    assert r.status_code == 302
    org = Organization.objects.get(name="Trung tâm Ứng dụng")
    r = client.post(
        reverse("directory:expert-create"), {"full_name": "Hồ Thị Mới", "organization": org.pk}
    )
    assert r.status_code == 302
    assert Expert.objects.get(full_name="Hồ Thị Mới").organization == org


def test_history_page_staff_only(client, org, org_member, officer):
    client.force_login(org_member)
    client.post(
        reverse("directory:organization-edit", args=[org.pk]),
        {"name": "Đại học Cần Thơ", "type": "university"},
    )
    url = reverse("directory:organization-history", args=[org.pk])
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(officer)
    r = client.get(url)
    assert r.status_code == 200
    body = r.content.decode()
    assert "Trường Đại học Cần Thơ" in body and "Đại học Cần Thơ" in body
    entry = r.context["entries"][0]
    assert entry.who == org_member.display_name
    names = {c.label for c in entry.changes}
    assert any("name" in n.lower() or "tên" in n.lower() for n in names)
    assert client.get(reverse("directory:expert-history", args=[999999])).status_code == 404


def test_directory_home_redirects(client, db):
    assert client.get("/directory/").status_code == 302


def test_history_shows_field_changes_and_import_reason(client, officer, fields):
    from openstx.directory import services
    from openstx.directory.history import history_entries

    org = services.create_organization(
        officer, {"name": "Viện A", "type": "research_institute", "fields": [fields["106"]]}
    )
    services.update_organization(
        officer, org, {"fields": [fields["10616"], fields["2"]], "type": "university"}
    )
    entries = history_entries(org)
    latest = {c.label: (c.old, c.new) for c in entries[0].changes}
    assert latest["Lĩnh vực khoa học và công nghệ"] == ("106", "10616, 2")
    assert latest["Loại hình"] == ("Viện nghiên cứu", "Trường đại học / cao đẳng")
    assert entries[-1].kind == "tạo mới"
    client.force_login(officer)
    body = client.get(reverse("directory:organization-history", args=[org.pk])).content.decode()
    assert "10616, 2" in body and officer.display_name in body


def test_officer_links_expert_to_account(client, officer, expert, member):
    url = reverse("directory:expert-edit", args=[expert.pk])
    client.force_login(officer)
    data = {
        "full_name": expert.full_name,
        "organization": expert.organization_id,
        "account": "nobody@example.vn",
    }
    r = client.post(url, data)
    assert "account" in r.context["form"].errors
    data["account"] = member.email.upper()
    assert client.post(url, data).status_code == 302
    expert.refresh_from_db()
    assert expert.user == member
    client.force_login(member)
    assert client.get(url).status_code == 200  # the linked person may now edit
    assert "account" not in client.get(url).context["form"].fields  # but not re-link
