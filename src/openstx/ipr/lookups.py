"""Pick a task, an offer or an IP record by typing instead of scrolling a dropdown.

The field, widget and suggestion endpoint are the platform's (``openstx.core.typeahead``); this
module keeps the names the IP forms import.
"""

from __future__ import annotations

from openstx.core.typeahead import (
    LIMIT,
    LOOKUPS,
    IdentField,
    Lookup,
    LookupInput,
    MultiIdentField,
    bind_user,
    ident_of,
    label_of,
)

__all__ = [
    "LIMIT",
    "LOOKUPS",
    "IdentField",
    "Lookup",
    "LookupInput",
    "MultiIdentField",
    "bind_user",
    "ident_of",
    "label_of",
]
