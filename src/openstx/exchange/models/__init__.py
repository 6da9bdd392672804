"""Technology exchange: offers, demands, their life cycle, connections and deals, events.

All state changes go through ``openstx.exchange.services``; these classes hold data and the
small derived values that templates need. One module per seam: ``listings`` (offers, demands,
their images, attachments and moderation log), ``events``, ``connections`` (with their steps,
messages and meetings) and ``confidential`` (requests to see an offer's confidential details);
every model is re-exported here, as Django expects."""

from __future__ import annotations

from openstx.core.models import Notification  # moved to core; the old import path still works
from openstx.exchange.models.confidential import (
    ConfidentialRequest,
    ConfidentialTerms,
)
from openstx.exchange.models.connections import (
    Connection,
    ConnectionStep,
    Meeting,
    Message,
)
from openstx.exchange.models.events import (
    Event,
)
from openstx.exchange.models.listings import (
    RESERVED_SLUGS,
    TRL_VALIDATORS,
    Demand,
    Listing,
    ListingAttachment,
    ListingImage,
    ListingStatus,
    ListingTransition,
    Offer,
    TransferMode,
    attachment_path,
    image_path,
    thumbnail_path,
)

__all__ = [
    "Notification",
    "ConfidentialRequest",
    "ConfidentialTerms",
    "Connection",
    "ConnectionStep",
    "Demand",
    "Event",
    "Listing",
    "ListingAttachment",
    "ListingImage",
    "ListingStatus",
    "ListingTransition",
    "Meeting",
    "Message",
    "Offer",
    "RESERVED_SLUGS",
    "TRL_VALIDATORS",
    "TransferMode",
    "attachment_path",
    "image_path",
    "thumbnail_path",
]
