"""OAI-PMH 2.0: a real harvester (sickle) over the live server, schema validation (offline,
schemas committed in src/openstx/library/schemas), error codes, cursors that survive changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

import openstx.library
from openstx.library.models import AccessLevel, Collection, Document
from openstx.library.oai import oai_identifier
from tests.library.factories import DocumentFactory

OAI = "{http://www.openarchives.org/OAI/2.0/}"
SCHEMA_DIR = Path(openstx.library.__file__).parent / "schemas"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "oai-pmh-with-dc.xsd")))


@pytest.fixture
def library(settings):  # type: ignore[no-untyped-def]
    settings.OPENSTX_OAI_PAGE_SIZE = 7
    public = DocumentFactory.create_batch(20)
    papers = DocumentFactory.create_batch(3, collection=Collection.PAPERS)
    hidden = [
        DocumentFactory(access_level=AccessLevel.MEMBERS),
        DocumentFactory(access_level=AccessLevel.RESTRICTED, title="Tài liệu mật"),
        DocumentFactory(status=Document.Status.PENDING),
    ]
    gone = DocumentFactory(title="Đã xoá")
    gone.deleted_at = timezone.now()
    gone.save()
    return {"public": public + papers, "hidden": hidden, "gone": gone, "papers": papers}


def get(client, schema, **params):  # type: ignore[no-untyped-def]
    response = client.get("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    schema.assertValid(root)
    return root


def error_code(root) -> str | None:  # type: ignore[no-untyped-def]
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


@pytest.mark.django_db(transaction=True)
def test_sickle_harvests_the_whole_repository(live_server, library):
    from sickle import Sickle

    harvester = Sickle(f"{live_server.url}/oai", max_retries=0)
    identify = harvester.Identify()
    assert identify.protocolVersion == "2.0"
    assert identify.deletedRecord == "transient"
    records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    expected = {oai_identifier(d.pk) for d in library["public"]} | {
        oai_identifier(library["gone"].pk)
    }
    assert {r.header.identifier for r in records} == expected
    assert len(records) == len(expected)  # each once, over 4 pages of 7
    deleted = [r for r in records if r.header.deleted]
    assert [r.header.identifier for r in deleted] == [oai_identifier(library["gone"].pk)]
    live = next(r for r in records if not r.header.deleted)
    assert live.metadata["title"][0].startswith("Báo cáo tổng kết")
    assert live.metadata["creator"] == ["Nguyễn Văn An", "Trần Thị Bình"]
    sets = {s.setSpec for s in harvester.ListSets()}
    assert sets == set(Collection.values)
    headers = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="papers"))
    assert {h.identifier for h in headers} == {oai_identifier(d.pk) for d in library["papers"]}
    formats = [f.metadataPrefix for f in harvester.ListMetadataFormats()]
    assert formats == ["oai_dc"]
    record = harvester.GetRecord(
        identifier=oai_identifier(library["public"][0].pk), metadataPrefix="oai_dc"
    )
    assert record.metadata["publisher"] == ["Sở Khoa học và Công nghệ Cần Thơ"]


@pytest.mark.django_db
def test_every_verb_validates_against_the_schema(client, schema, library):
    get(client, schema, verb="Identify")
    get(client, schema, verb="ListMetadataFormats")
    get(client, schema, verb="ListSets")
    root = get(client, schema, verb="ListRecords", metadataPrefix="oai_dc")
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken").text
    while token:
        root = get(client, schema, verb="ListRecords", resumptionToken=token)
        token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken").text
    get(client, schema, verb="ListIdentifiers", metadataPrefix="oai_dc", set="papers")
    get(
        client,
        schema,
        verb="GetRecord",
        metadataPrefix="oai_dc",
        identifier=oai_identifier(library["gone"].pk),
    )


@pytest.mark.django_db
def test_restricted_and_non_public_records_never_appear(client, schema, library):
    for document in library["hidden"]:
        root = get(
            client,
            schema,
            verb="GetRecord",
            metadataPrefix="oai_dc",
            identifier=oai_identifier(document.pk),
        )
        assert error_code(root) == "idDoesNotExist"
    text = client.get("/oai", {"verb": "ListRecords", "metadataPrefix": "oai_dc"}).content.decode()
    assert "Tài liệu mật" not in text


@pytest.mark.django_db
def test_error_codes(client, schema, library):
    assert error_code(get(client, schema)) == "badVerb"
    assert error_code(get(client, schema, verb="Harvest")) == "badVerb"
    assert error_code(get(client, schema, verb="ListRecords")) == "badArgument"
    assert error_code(get(client, schema, verb="Identify", foo="1")) == "badArgument"
    assert (
        error_code(
            get(
                client,
                schema,
                verb="ListRecords",
                metadataPrefix="oai_dc",
                **{"from": "2024-13-45"},
            )
        )
        == "badArgument"
    )
    assert (
        error_code(
            get(
                client,
                schema,
                verb="ListRecords",
                metadataPrefix="oai_dc",
                **{"from": "2024-01-01", "until": "2024-01-02T00:00:00Z"},
            )
        )
        == "badArgument"
    )
    assert (
        error_code(
            get(
                client,
                schema,
                verb="ListRecords",
                metadataPrefix="oai_dc",
                **{"from": "2030-01-02", "until": "2030-01-01"},
            )
        )
        == "badArgument"
    )
    assert (
        error_code(get(client, schema, verb="ListRecords", resumptionToken="nonsense"))
        == "badResumptionToken"
    )
    assert (
        error_code(get(client, schema, verb="ListRecords", metadataPrefix="marc21"))
        == "cannotDisseminateFormat"
    )
    assert (
        error_code(
            get(client, schema, verb="GetRecord", metadataPrefix="oai_dc", identifier="oai:other:1")
        )
        == "idDoesNotExist"
    )
    assert (
        error_code(get(client, schema, verb="ListMetadataFormats", identifier="oai:x:9"))
        == "idDoesNotExist"
    )
    assert (
        error_code(
            get(
                client,
                schema,
                verb="ListRecords",
                metadataPrefix="oai_dc",
                **{"from": "2999-01-01"},
            )
        )
        == "noRecordsMatch"
    )
    assert (
        error_code(get(client, schema, verb="ListIdentifiers", metadataPrefix="oai_dc", set="nope"))
        == "noRecordsMatch"
    )
    # a repeated argument
    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert etree.fromstring(response.content).find(f"{OAI}error").get("code") == "badArgument"
    # POST works too
    response = client.post("/oai", {"verb": "Identify"})
    assert etree.fromstring(response.content).find(f"{OAI}Identify") is not None


@pytest.mark.django_db
def test_from_until_select_by_datestamp(client, schema, library):
    old = library["public"][0]
    Document.objects.filter(pk=old.pk).update(
        updated_at=dt.datetime(2020, 5, 1, 10, 0, tzinfo=dt.UTC)
    )
    root = get(
        client,
        schema,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2020-05-01", "until": "2020-05-01"},
    )
    ids = [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")]
    assert ids == [oai_identifier(old.pk)]
    root = get(
        client,
        schema,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        until="2020-05-01T10:00:00Z",
    )
    assert [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")] == ids


@pytest.mark.django_db
def test_resumption_token_survives_changes_mid_harvest(client, schema, library):
    """Records changed or deleted while a harvest runs are never skipped."""
    root = get(client, schema, verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen = [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")]
    token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    # Change a record already harvested and one not yet; add a new one; delete one on page 1.
    harvested = Document.objects.get(pk=int(seen[0].rsplit("/", 1)[1]))
    harvested.description = "Đã sửa"
    harvested.save()
    DocumentFactory(title="Tài liệu mới")
    first_page_ids = {int(i.rsplit("/", 1)[1]) for i in seen}
    pending = Document.objects.filter(was_public=True).exclude(pk__in=first_page_ids).first()
    Document.objects.filter(pk=pending.pk).update(
        deleted_at=timezone.now(), updated_at=timezone.now()
    )
    while token:
        root = get(client, schema, verb="ListIdentifiers", resumptionToken=token)
        seen += [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")]
        token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    everything = {
        oai_identifier(pk)
        for pk in Document.objects.filter(was_public=True).values_list("pk", flat=True)
    }
    assert everything <= set(seen)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["from", "until", "set", "metadataPrefix"])
def test_control_characters_in_an_argument_are_a_bad_argument(client, schema, key):
    # the request echo cannot hold NUL: this was a 500 (lxml refuses the attribute value)
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc", key: "2024\x0001"}
    assert error_code(get(client, schema, **params)) == "badArgument"


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["\x00", "abc\x01", "eyJ2IjoxfQ\x00"])
def test_control_characters_in_a_token_are_a_bad_resumption_token(client, schema, token):
    root = get(client, schema, verb="ListRecords", resumptionToken=token)
    assert error_code(root) == "badResumptionToken"
