"""Exchange pages. Thin: permissions via core.permissions, state changes via services.

One module per seam: ``listings`` (lists, detail pages, posting, files, moderation),
``connections`` (interest, connections and deals, asking experts, brokers, notices), ``events``
and ``statistics``. URLs name the views re-exported here."""

from __future__ import annotations

from openstx.exchange.views import confidential  # confidential-details requests
from openstx.exchange.views.connections import (
    ask_expert,
    broker_connect,
    connection_action,
    connection_detail,
    connection_list,
    interest,
    notification_list,
)
from openstx.exchange.views.events import (
    event_action,
    event_create,
    event_detail,
    event_edit,
    event_list,
    event_register,
    event_unregister,
)
from openstx.exchange.views.listings import (
    MODELS,
    PAGE_SIZE,
    attachment_download,
    demand_create,
    demand_detail,
    demand_edit,
    demand_list,
    listing_action,
    listing_redirect,
    listing_upload,
    moderation,
    my_listings,
    offer_create,
    offer_detail,
    offer_edit,
    offer_list,
)
from openstx.exchange.views.statistics import (
    statistics_page,
)

__all__ = [
    "MODELS",
    "PAGE_SIZE",
    "ask_expert",
    "attachment_download",
    "broker_connect",
    "confidential",
    "connection_action",
    "connection_detail",
    "connection_list",
    "demand_create",
    "demand_detail",
    "demand_edit",
    "demand_list",
    "event_action",
    "event_create",
    "event_detail",
    "event_edit",
    "event_list",
    "event_register",
    "event_unregister",
    "interest",
    "listing_action",
    "listing_redirect",
    "listing_upload",
    "moderation",
    "my_listings",
    "notification_list",
    "offer_create",
    "offer_detail",
    "offer_edit",
    "offer_list",
    "statistics_page",
]

# Posting step by step, preview, deleting a draft
from openstx.exchange.views.listings_steps import (  # noqa: E402
    listing_delete,
    listing_preview,
    listing_start,
    listing_step,
)

__all__ += ["listing_delete", "listing_preview", "listing_start", "listing_step"]
