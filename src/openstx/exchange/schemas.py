"""Request and response schemas of the exchange API (the OpenAPI components it documents;
names are unique across apps, see tests/core/test_api_toolkit.py)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from openstx.core.api import (
    BodyIn,
    Page,
    PageParams,
)
from openstx.directory.api import FieldOfScienceOut

# --- Schemas -------------------------------------------------------------------------------------


class OrgRef(Schema):
    id: int
    external_id: str | None
    name: str
    type: str


class OfferOut(Schema):
    id: int
    external_id: str | None
    url: str
    title: str
    summary: str
    description: str
    kind: str
    fields: list[FieldOfScienceOut]
    keywords: list[str]
    trl: int | None
    advantages: str
    applications: str
    ip_items: str
    transfer_modes: list[str]
    price_vnd: int | None
    price_negotiable: bool
    owner: OrgRef
    origin: str
    region: str | None
    status: str
    valid_until: dt.date | None
    published_at: dt.datetime | None
    confidential_detail: str | None
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None


class DemandOut(Schema):
    id: int
    external_id: str | None
    url: str
    title: str
    problem: str
    desired_outcome: str
    constraints: str
    fields: list[FieldOfScienceOut]
    keywords: list[str]
    min_trl: int | None
    budget_min_vnd: int | None
    budget_max_vnd: int | None
    deadline: dt.date | None
    requester: OrgRef | None
    requester_anonymous: bool
    region: str | None
    status: str
    valid_until: dt.date | None
    published_at: dt.datetime | None


class OfferPage(Page):
    results: list[OfferOut]


class DemandPage(Page):
    results: list[DemandOut]


class ListingFilters(PageParams):
    q: str | None = None
    field: list[str] | None = None
    kind: str | None = None
    trl: int | None = None
    mode: str | None = None
    region: str | None = None
    org_type: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    sort: str | None = None
    status: str | None = None


class OfferIn(BodyIn):
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    kind: str | None = None
    fields: list[str] | None = None
    keywords: str | None = None
    trl: int | None = None
    advantages: str | None = None
    applications: str | None = None
    ip_items: str | None = None
    transfer_modes: list[str] | None = None
    price_vnd: int | None = None
    price_negotiable: bool | None = None
    owner: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    origin: str | None = None
    region: str | None = None
    confidential_detail: str | None = None
    valid_until: dt.date | None = None


class DemandIn(BodyIn):
    title: str | None = None
    problem: str | None = None
    desired_outcome: str | None = None
    constraints: str | None = None
    fields: list[str] | None = None
    keywords: str | None = None
    min_trl: int | None = None
    budget_min_vnd: int | None = None
    budget_max_vnd: int | None = None
    deadline: dt.date | None = None
    requester: str | None = None
    requester_anonymous: bool | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    region: str | None = None
    valid_until: dt.date | None = None


class ListingTransitionIn(BodyIn):
    action: str
    comment: str = ""


class InterestIn(BodyIn):
    message: str = ""
    counterpart: str | None = None  # your own demand (for an offer) or offer (for a demand)
    event: str | None = None  # the published event where the listing is showcased


class ConnectionStepOut(Schema):
    action: str
    from_stage: str
    to_stage: str
    actor: str | None
    comment: str
    at: dt.datetime


class ConnectionMessageOut(Schema):
    id: int
    author: str | None
    body: str
    created_at: dt.datetime


class ConnectionOut(Schema):
    id: int
    url: str
    stage: str
    outcome: str
    demand: int | None
    offer: int | None
    expert: int | None
    seeker: str | None
    provider: str | None
    broker: str | None
    responder_side: str
    event: int | None
    created_at: dt.datetime
    responded_at: dt.datetime | None
    mou_date: dt.date | None
    contract_value_vnd: int | None
    contract_type: str
    contract_date: dt.date | None
    closed_at: dt.datetime | None
    close_reason: str
    steps: list[ConnectionStepOut]


class ConnectionPage(Page):
    results: list[ConnectionOut]


class ConnectionIn(BodyIn):
    demand: str
    offer: str | None = None
    expert: str | None = None
    event: str | None = None
    message: str = ""


class RespondIn(BodyIn):
    accept: bool
    comment: str = ""


class ConnectionMessageIn(BodyIn):
    body: str


class MeetingIn(BodyIn):
    date: dt.datetime
    place: str = ""
    online: bool = False
    link: str = ""
    minutes: str = ""


class MouIn(BodyIn):
    date: dt.date
    note: str = ""


class ContractIn(BodyIn):
    value_vnd: int
    contract_type: str
    date: dt.date


class CloseIn(BodyIn):
    success: bool
    reason: str = ""
    close_demand: bool = False


class EventIn(BodyIn):
    title: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    place: str | None = None
    description: str | None = None
    registration_open: bool | None = None
    external_id: str | None = None


class EventListingIn(BodyIn):
    kind: str  # offer | demand
    listing: str  # id or external_id
    remove: bool = False


class EventOut(Schema):
    id: int
    external_id: str | None
    url: str
    title: str
    status: str
    registration_open: bool
    start_date: dt.date
    end_date: dt.date | None
    place: str
    description: str
    offers: list[int]
    demands: list[int]
    participants: list[OrgRef]
    counts: dict[str, int]


# --- Confidential-details requests (exchange/api_confidential.py) ---------------------------------


class ConfidentialRequestIn(BodyIn):
    message: str = ""
    accept_terms: bool = False  # required (true) when the owner set non-disclosure terms


class ConfidentialDecisionIn(BodyIn):
    action: str  # grant | refuse | revoke
    reason: str = ""


class ConfidentialRequestOut(Schema):
    id: int
    offer: int
    requester: str
    organization: str | None
    message: str
    status: str
    nda_version: int | None
    nda_sha256: str
    nda_accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str
    created_at: dt.datetime


class ConfidentialTermsOut(Schema):
    offer: int
    required: bool  # a request must accept these terms
    text: str
    version: int | None
    sha256: str | None
