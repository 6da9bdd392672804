"""Citations of a document: BibTeX, RIS and Dublin Core XML."""

from __future__ import annotations

import re

from django.conf import settings
from lxml import etree

from openstx.core.text import fold
from openstx.library.models import Collection, Document

FORMATS = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "dc": ("application/xml; charset=utf-8", "xml"),
}

_BIBTEX_TYPES: dict[str, str] = {
    Collection.PAPERS: "article",
    Collection.THESES: "phdthesis",
    Collection.PATENTS: "patent",
    Collection.TASK_REPORTS: "techreport",
    Collection.STANDARDS: "misc",
    Collection.NEWS: "misc",
}
_RIS_TYPES: dict[str, str] = {
    Collection.PAPERS: "JOUR",
    Collection.THESES: "THES",
    Collection.PATENTS: "PAT",
    Collection.TASK_REPORTS: "RPRT",
    Collection.STANDARDS: "STAND",
    Collection.NEWS: "NEWS",
}


def url_of(document: Document) -> str:
    return f"{settings.SITE_URL}{document.get_absolute_url()}"


def _bibtex_escape(value: str) -> str:
    value = value.replace("\\", r"\textbackslash{}")
    return re.sub(r"([{}&%$#_])", r"\\\1", value)


def citation_key(document: Document) -> str:
    first = (document.creators or ["openstx"])[0]
    surname = re.sub(r"[^a-z0-9]", "", fold(first.split()[0] if first.split() else first))
    return f"{surname or 'doc'}{document.year or ''}_{document.pk}"


def bibtex(document: Document) -> str:
    kind = _BIBTEX_TYPES.get(document.collection, "misc")
    fields: list[tuple[str, str]] = [("title", document.title)]
    if document.creators:
        fields.append(("author", " and ".join(document.creators)))
    if document.year:
        fields.append(("year", str(document.year)))
    if document.publisher:
        fields.append(("institution" if kind == "techreport" else "publisher", document.publisher))
    if document.subjects:
        fields.append(("keywords", ", ".join(document.subjects)))
    if document.language:
        fields.append(("language", document.language))
    if document.identifier:
        fields.append(("note", document.identifier))
    fields.append(("url", url_of(document)))
    body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields)
    return f"@{kind}{{{citation_key(document)},\n{body}\n}}\n"


def ris(document: Document) -> str:
    lines = [("TY", _RIS_TYPES.get(document.collection, "GEN")), ("TI", document.title)]
    lines += [("AU", creator) for creator in document.creators or []]
    if document.year:
        lines.append(("PY", str(document.year)))
    if document.date and len(document.date) >= 4:
        lines.append(("DA", document.date.replace("-", "/")))
    if document.publisher:
        lines.append(("PB", document.publisher))
    lines += [("KW", subject) for subject in document.subjects or []]
    if document.description:
        lines.append(("AB", " ".join(document.description.split())))
    if document.language:
        lines.append(("LA", document.language))
    if document.identifier:
        lines.append(
            ("SN" if document.collection == Collection.STANDARDS else "M1", document.identifier)
        )
    lines.append(("UR", url_of(document)))
    lines.append(("ER", ""))
    return "\r\n".join(f"{tag}  - {value}" for tag, value in lines) + "\r\n"


def dublin_core_xml(document: Document) -> str:
    from openstx.library.oai import dublin_core

    element = dublin_core(document, settings.SITE_URL)
    return etree.tostring(
        element, xml_declaration=True, encoding="UTF-8", pretty_print=True
    ).decode()


def render(document: Document, fmt: str) -> str:
    return {"bibtex": bibtex, "ris": ris, "dc": dublin_core_xml}[fmt](document)
