"""The search app's own tables are internal machinery (outbox, node positions, writer state):
staff only. Synonyms are edited by staff and read by everyone's queries through the service,
not through ``restrict``."""

from __future__ import annotations

from openstx.core.permissions import StaffOnlyPolicy, register
from openstx.search.models import OutboxEntry, SearchNode, SearchState, Synonym

for _model in (OutboxEntry, SearchNode, SearchState, Synonym):
    register(_model)(StaffOnlyPolicy)
