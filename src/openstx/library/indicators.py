"""Library indicators for the reports app: documents held and digitised (snapshots)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from openstx.library.models import Collection, Document
from openstx.reports.registry import COUNT, Indicator, Row, register


@register
class DocumentsHeld(Indicator):
    key = "library.documents"
    area = "library"
    title = _("Documents in the S&T library")
    description = _(
        "Full-text documents held, by collection, and how many were digitised from paper (as of today)."
    )
    unit = COUNT
    by_year = False
    group_label = _("Collection")

    def compute(self, year_from: int, year_to: int) -> list[Row]:
        live = Document.objects.filter(deleted_at__isnull=True)
        counts: dict[str, int] = {
            r["collection"]: r["n"]
            for r in live.values("collection")
            .annotate(n=Count("pk"), d=Count("pk", filter=Q(digitised=True)))
            .order_by()
        }
        rows = [
            Row(None, code, str(label), counts.get(code, 0)) for code, label in Collection.choices
        ]
        rows.append(
            Row(
                None,
                "digitised",
                str(_("of which digitised from paper")),
                live.filter(digitised=True).count(),
            )
        )
        return rows
