"""The areas of the site, in the order the navigation and the home page show them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    key: str
    title: Promise
    description: Promise
    url_name: str  # the area's entry page
    icon: str = "compass"  # a Lucide name from openstx.web.icons

    @property
    def url(self) -> str:
        return reverse(self.url_name)


AREAS: list[Area] = [
    Area(
        "exchange",
        _("Technology exchange"),
        _("Technology, equipment and service offers; technology demands; connections and deals."),
        "exchange:offer-list",
        "handshake",
    ),
    Area(
        "directory",
        _("Experts and organisations"),
        _("Directories of S&T organisations and researchers."),
        "directory:expert-list",
        "users",
    ),
    Area(
        "projects",
        _("S&T tasks"),
        _("The registry of S&T tasks from proposal through councils to acceptance."),
        "projects:task-list",
        "clipboard-list",
    ),
    Area(
        "ipr",
        _("Intellectual property"),
        _("IP applications and certificates, standards declarations and training courses."),
        "ipr:record-list",
        "shield-check",
    ),
    Area(
        "library",
        _("S&T library"),
        _("Full-text documents: task reports, papers, patents, standards, theses."),
        "library:document-list",
        "library",
    ),
    Area(
        "reports",
        _("Statistics"),
        _("Indicators of the province's science and technology, and periodic reports."),
        "reports:statistics",
        "chart-column",
    ),
    Area(
        "portal",
        _("News and services"),
        _("News, calls for proposals, services for businesses and support programmes."),
        "portal:article-list",
        "newspaper",
    ),
]


def area(key: str) -> Area:
    return next(a for a in AREAS if a.key == key)
