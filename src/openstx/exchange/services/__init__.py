"""Every state change of the exchange and its business rules.

Views, the API, the CLI and the demo generator call these functions; none of them changes a
listing's status or a connection's stage by itself. Each function checks permissions through
``openstx.core.permissions`` and ``exchange.policies`` and logs who did what, when, with which
comment. One module per seam: ``listings`` (validation, life cycle, saving, files, expiry,
who may see details), ``connections`` (interest, experts, brokers, meetings, MoU, contracts),
``events`` (fairs and demo days) and ``statistics`` (pipelines and figures). The public names
are re-exported here, so ``from openstx.exchange import services`` keeps working."""

from __future__ import annotations

# Notices go through core.notifications; the old import path keeps working for other apps.
from openstx.core.notifications import notify, officers  # noqa: E402

# The permission rules live in exchange.policies; views, the API and tests read them here too.
from openstx.exchange.policies import (  # noqa: E402
    can_respond,
    can_see_thread,
    is_party,
    side_of,
)
from openstx.exchange.services import confidential  # requests to see confidential details
from openstx.exchange.services.connections import (
    WORKING,
    broker_connect,
    close_connection,
    connect,
    connection_users,
    express_interest,
    find_experts,
    post_message,
    record_contract,
    record_meeting,
    record_mou,
    request_expert,
    respond,
    suggested_experts,
)
from openstx.exchange.services.events import (
    EVENT_ACTION_LABELS,
    event_allowed_actions,
    event_counts,
    event_registration_open,
    event_transition,
    register_for_event,
    save_event,
    unregister_from_event,
    validate_event,
)
from openstx.exchange.services.listings import (
    ACTION_LABELS,
    REMIND_DAYS,
    VALIDITY_DAYS,
    S,
    Stage,
    TransitionError,
    add_attachment,
    add_image,
    allowed_actions,
    approve,
    can_see_confidential,
    can_see_requester,
    expire_listings,
    is_owner,
    listing_kind,
    listing_users,
    quality_issues,
    reject,
    requester_label,
    reverse_moderation,
    save_listing,
    submit,
    transition,
    validate_listing,
)
from openstx.exchange.services.statistics import (
    exchange_statistics,
    pipeline,
)

__all__ = [
    "notify",
    "officers",
    "can_respond",
    "can_see_thread",
    "confidential",
    "is_party",
    "side_of",
    "ACTION_LABELS",
    "EVENT_ACTION_LABELS",
    "REMIND_DAYS",
    "S",
    "Stage",
    "TransitionError",
    "VALIDITY_DAYS",
    "WORKING",
    "add_attachment",
    "add_image",
    "allowed_actions",
    "approve",
    "broker_connect",
    "can_see_confidential",
    "can_see_requester",
    "close_connection",
    "connect",
    "connection_users",
    "event_allowed_actions",
    "event_counts",
    "event_registration_open",
    "event_transition",
    "exchange_statistics",
    "expire_listings",
    "express_interest",
    "find_experts",
    "is_owner",
    "listing_kind",
    "listing_users",
    "pipeline",
    "post_message",
    "quality_issues",
    "record_contract",
    "record_meeting",
    "record_mou",
    "register_for_event",
    "reject",
    "request_expert",
    "requester_label",
    "respond",
    "reverse_moderation",
    "save_event",
    "save_listing",
    "submit",
    "suggested_experts",
    "transition",
    "unregister_from_event",
    "validate_event",
    "validate_listing",
]
