"""OAI-PMH 2.0 provider at /oai (metadata format oai_dc).

- Records are the library's public, published documents. A document that was once public and is
  deleted, hidden or made non-public stays as a tombstone: ``<header status="deleted">``
  (``deletedRecord`` = transient: tombstones are kept but may be purged by an administrator).
- Sets: one per collection (``setSpec`` = the collection code).
- Datestamp = the record's last change (``updated_at``), granularity seconds.
- Resumption tokens carry the last (datestamp, id) seen, not an offset, so a harvest stays
  correct while records change: list order is (updated_at, id) and the next page starts after the
  cursor. A record changed mid-harvest moves to the end and is harvested again, never skipped.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from openstx.library.models import Collection, Document

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def page_size() -> int:
    return int(getattr(settings, "OPENSTX_OAI_PAGE_SIZE", 100))


def namespace() -> str:
    return str(getattr(settings, "OPENSTX_OAI_NAMESPACE", "openstx"))


def oai_identifier(document_id: int) -> str:
    return f"oai:{namespace()}:library/{document_id}"


def parse_identifier(identifier: str) -> int | None:
    prefix = f"oai:{namespace()}:library/"
    if identifier.startswith(prefix) and identifier[len(prefix) :].isdigit():
        return int(identifier[len(prefix) :])
    return None


def datestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(value: str, *, end: bool) -> tuple[dt.datetime, str]:
    """A from/until argument -> an aware datetime bound and its granularity."""
    try:
        if len(value) == 10:
            day = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
            return (day + dt.timedelta(days=1) if end else day), "day"
        if len(value) == 20 and value.endswith("Z"):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return (moment + dt.timedelta(seconds=1) if end else moment), "seconds"
    except ValueError:
        pass
    raise OaiError(
        "badArgument", f"Illegal date {value!r} (use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)."
    )


def encode_token(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("v") != 1:
            raise ValueError
        return data
    except (ValueError, TypeError, UnicodeDecodeError):
        raise OaiError("badResumptionToken", "The resumption token is invalid.")


# --- XML -------------------------------------------------------------------------------------


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent: Any, tag: str, text: str | None = None, ns: str = OAI_NS, **attrs: str) -> Any:
    element = etree.SubElement(parent, _q(ns, tag), **attrs)
    if text is not None:
        element.text = text
    return element


def _envelope(request: HttpRequest, args: dict[str, str] | None) -> tuple[Any, Any]:
    root = etree.Element(_q(OAI_NS, "OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(_q(XSI_NS, "schemaLocation"), f"{OAI_NS} {OAI_SCHEMA}")
    _sub(root, "responseDate", datestamp(timezone.now()))
    request_el = _sub(root, "request", base_url(request))
    for key, value in (args or {}).items():
        request_el.set(key, value)
    return root, request_el


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(request.path)


def _response(root: Any) -> HttpResponse:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _header(parent: Any, document: Document) -> None:
    deleted = not document.is_oai_public
    header = _sub(parent, "header", **({"status": "deleted"} if deleted else {}))
    _sub(header, "identifier", oai_identifier(document.pk))
    _sub(header, "datestamp", datestamp(document.updated_at))
    _sub(header, "setSpec", document.collection)


def dublin_core(document: Document, site_url: str = "") -> Any:
    """The oai_dc element of a document (also the per-document Dublin Core XML export)."""
    dc = etree.Element(_q(OAI_DC_NS, "dc"), nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    dc.set(_q(XSI_NS, "schemaLocation"), f"{OAI_DC_NS} {OAI_DC_SCHEMA}")

    def add(tag: str, value: Any) -> None:
        if value:
            etree.SubElement(dc, _q(DC_NS, tag)).text = str(value)

    add("title", document.title)
    for creator in document.creators or []:
        add("creator", creator)
    for subject in document.subjects or []:
        add("subject", subject)
    add("description", document.description)
    add("publisher", document.publisher)
    add("date", document.date)
    add("type", document.dc_type)
    add("format", document.dc_format)
    add("identifier", document.identifier)
    add("identifier", f"{site_url}{document.get_absolute_url()}")
    add("language", document.language)
    add("rights", document.rights)
    return dc


def _record(parent: Any, document: Document, site_url: str) -> None:
    record = _sub(parent, "record")
    _header(record, document)
    if document.is_oai_public:
        metadata = _sub(record, "metadata")
        metadata.append(dublin_core(document, site_url))


# --- Verbs -----------------------------------------------------------------------------------


def harvestable() -> QuerySet:
    return Document.objects.filter(was_public=True)


def _check_prefix(prefix: str) -> None:
    if prefix != "oai_dc":
        raise OaiError("cannotDisseminateFormat", f"Metadata format {prefix!r} is not supported.")


def admin_email() -> str:
    """OPENSTX_OAI_ADMIN_EMAIL, else the sender address; the schema wants a dotted domain."""
    email = getattr(settings, "OPENSTX_OAI_ADMIN_EMAIL", "") or (
        settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">").strip()
    )
    local, _at, domain = email.partition("@")
    if not local or "." not in domain:
        email = f"{local or 'admin'}@{domain or 'localhost'}.localdomain"
    return email


def identify(request: HttpRequest, root: Any) -> None:
    node = _sub(root, "Identify")
    _sub(node, "repositoryName", f"{settings.SITE_NAME} — S&T library")
    _sub(node, "baseURL", base_url(request))
    _sub(node, "protocolVersion", "2.0")
    _sub(node, "adminEmail", admin_email())
    earliest = harvestable().order_by("updated_at").values_list("updated_at", flat=True).first()
    _sub(node, "earliestDatestamp", datestamp(earliest or timezone.now()))
    _sub(node, "deletedRecord", "transient")
    _sub(node, "granularity", "YYYY-MM-DDThh:mm:ssZ")


def list_metadata_formats(request: HttpRequest, root: Any, args: dict[str, str]) -> None:
    if "identifier" in args:
        pk = parse_identifier(args["identifier"])
        if pk is None or not harvestable().filter(pk=pk).exists():
            raise OaiError("idDoesNotExist", "No such record.")
    node = _sub(root, "ListMetadataFormats")
    fmt = _sub(node, "metadataFormat")
    _sub(fmt, "metadataPrefix", "oai_dc")
    _sub(fmt, "schema", OAI_DC_SCHEMA)
    _sub(fmt, "metadataNamespace", OAI_DC_NS)


def list_sets(request: HttpRequest, root: Any, args: dict[str, str]) -> None:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets is never split: no token is valid.")
    node = _sub(root, "ListSets")
    for code, label in Collection.choices:
        entry = _sub(node, "set")
        _sub(entry, "setSpec", code)
        _sub(entry, "setName", str(label))


def get_record(request: HttpRequest, root: Any, args: dict[str, str]) -> None:
    _check_prefix(args["metadataPrefix"])
    pk = parse_identifier(args["identifier"])
    document = harvestable().filter(pk=pk).first() if pk is not None else None
    if document is None:
        raise OaiError("idDoesNotExist", "No such record.")
    node = _sub(root, "GetRecord")
    _record(node, document, settings.SITE_URL)


def list_items(request: HttpRequest, root: Any, verb: str, args: dict[str, str]) -> None:
    if "resumptionToken" in args:
        state = decode_token(args["resumptionToken"])
        if state.get("verb") != verb:
            raise OaiError("badResumptionToken", "The token belongs to another verb.")
    else:
        _check_prefix(args["metadataPrefix"])
        state = {"v": 1, "verb": verb, "m": args["metadataPrefix"]}
        granularities = set()
        for key, end in (("from", False), ("until", True)):
            if key in args:
                _bound, granularity = parse_date(args[key], end=end)
                granularities.add(granularity)
                state[key] = args[key]
        if len(granularities) > 1:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if (
            "from" in state
            and "until" in state
            and parse_date(state["from"], end=False)[0] >= parse_date(state["until"], end=True)[0]
        ):
            raise OaiError("badArgument", "from is later than until.")
        if "set" in args:
            if args["set"] not in Collection.values:
                raise OaiError("noRecordsMatch", f"No set {args['set']!r}.")
            state["set"] = args["set"]

    qs = harvestable()
    try:
        if "from" in state:
            qs = qs.filter(updated_at__gte=parse_date(state["from"], end=False)[0])
        if "until" in state:
            qs = qs.filter(updated_at__lt=parse_date(state["until"], end=True)[0])
        if "set" in state:
            qs = qs.filter(collection=state["set"])
        if "after" in state:
            after = dt.datetime.fromisoformat(state["after"])
            after_id = int(state["id"])
            qs = qs.filter(Q(updated_at__gt=after) | Q(updated_at=after, id__gt=after_id))
    except (OaiError, ValueError, TypeError, KeyError):
        raise OaiError("badResumptionToken", "The resumption token is invalid.")
    size = page_size()
    if verb == "ListIdentifiers":
        qs = qs.only("id", "updated_at", "collection", "status", "access_level", "deleted_at")
    rows = list(qs.order_by("updated_at", "id")[: size + 1])
    if not rows:
        if "after" in state:  # the list ended exactly at the previous page
            node = _sub(root, verb)
            _sub(node, "resumptionToken")
            return
        raise OaiError("noRecordsMatch", "No records match the request.")
    more = len(rows) > size
    rows = rows[:size]
    node = _sub(root, verb)
    for document in rows:
        if verb == "ListIdentifiers":
            _header(node, document)
        else:
            _record(node, document, settings.SITE_URL)
    if more:
        last = rows[-1]
        state = {**state, "after": last.updated_at.isoformat(), "id": last.pk}
        _sub(node, "resumptionToken", encode_token(state))
    elif "after" in state:
        _sub(node, "resumptionToken")


#: Characters XML 1.0 cannot carry (NUL and the C0 controls but tab, LF and CR).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: str) -> bool:
    """Can ``value`` be echoed in the response's ``<request>`` element?"""
    return _XML_ILLEGAL.search(value) is None


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def endpoint(request: HttpRequest) -> HttpResponse:
    data = request.GET if request.method in ("GET", "HEAD") else request.POST
    verb_values = data.getlist("verb")
    if len(verb_values) != 1 or verb_values[0] not in VERBS:
        root, _request_el = _envelope(request, None)
        _sub(root, "error", "Missing, repeated or illegal verb.", code="badVerb")
        return _response(root)
    verb = verb_values[0]
    required, optional = VERBS[verb]
    args: dict[str, str] = {}
    problems: list[str] = []
    for key in data:
        values = data.getlist(key)
        if key == "verb":
            continue
        if key not in required | optional:
            problems.append(f"Illegal argument {key!r}.")
        elif len(values) > 1:
            problems.append(f"Repeated argument {key!r}.")
        else:
            args[key] = values[0]
    unreadable = sorted(key for key, value in args.items() if not _xml_safe(value))
    if unreadable == ["resumptionToken"]:
        root, _request_el = _envelope(request, None)
        _sub(root, "error", "The resumption token is invalid.", code="badResumptionToken")
        return _response(root)
    for key in unreadable:  # NUL or control characters: never a date, prefix or identifier
        problems.append(f"Illegal characters in argument {key!r}.")
    if "resumptionToken" in args:
        if set(args) != {"resumptionToken"}:
            problems.append("resumptionToken is an exclusive argument.")
    else:
        missing = required - set(args)
        if missing:
            problems.append(f"Missing argument(s): {', '.join(sorted(missing))}.")
    if problems:
        root, _request_el = _envelope(request, None)
        for problem in problems:
            _sub(root, "error", problem, code="badArgument")
        return _response(root)
    root, request_el = _envelope(request, {"verb": verb, **args})
    try:
        if verb == "Identify":
            identify(request, root)
        elif verb == "ListMetadataFormats":
            list_metadata_formats(request, root, args)
        elif verb == "ListSets":
            list_sets(request, root, args)
        elif verb == "GetRecord":
            get_record(request, root, args)
        else:
            list_items(request, root, verb, args)
    except OaiError as error:
        # badArgument/badVerb: the request element carries no attributes (spec 3.2)
        echo = None if error.code in ("badArgument", "badVerb") else {"verb": verb, **args}
        root, request_el = _envelope(request, echo)
        _sub(root, "error", error.message, code=error.code)
    return _response(root)
