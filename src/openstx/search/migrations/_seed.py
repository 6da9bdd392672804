"""Seeding dictionary entries from a data migration (not a migration itself: the loader skips
modules whose name starts with "_"). Existing rows are left as they are (staff may have edited
or switched them off); reversing removes exactly the rows the entries name."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations


def seed_entries(entries: Sequence[tuple[str, str]]) -> migrations.RunPython:
    """A ``RunPython`` that adds ``(terms, kind)`` entries, and removes them when reversed."""

    def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
        synonym = apps.get_model("search", "Synonym")
        for terms, kind in entries:
            synonym.objects.get_or_create(terms=terms, defaults={"kind": kind})

    def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
        apps.get_model("search", "Synonym").objects.filter(
            terms__in=[terms for terms, _kind in entries]
        ).delete()

    return migrations.RunPython(forward, backward)
