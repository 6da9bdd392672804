"""Portal business rules: every state change of articles, service requests, support
applications, contact messages and training registrations goes through here (views and the
API stay thin). One module per seam: ``articles``, ``requests``, ``programmes``, ``contact``,
``training``, ``startups``, and ``notices`` (e-mail to requesters, handlers and the department). The public
names are re-exported here, so ``from openstx.portal import services`` keeps working."""

from __future__ import annotations

from openstx.portal.services.articles import (
    ARTICLE_FIELDS,
    article_state,
    latest_articles,
    publish_article,
    publish_due,
    save_article,
    set_article_image,
    tasks_by_codes,
    unpublish_article,
)
from openstx.portal.services.contact import (
    CONTACT_FIELDS,
    CONTACT_LIMIT,
    CONTACT_WINDOW,
    RateLimited,
    department_contact,
    save_department_contact,
    submit_contact,
)
from openstx.portal.services.notices import (
    department_email,
    handler_choices,
)
from openstx.portal.services.programmes import (
    A,
    apply,
    approve,
    reject,
    start_review,
    support_by_programme_year,
    update_checklist,
    window_error,
    withdraw,
)
from openstx.portal.services.requests import (
    TRANSITIONS,
    R,
    add_message,
    assign_request,
    available_actions,
    complete_request,
    create_request,
    decline_request,
    overdue,
    start_request,
)
from openstx.portal.services.startups import save_startup_profile
from openstx.portal.services.training import (
    register_for_course,
    registration_status,
    seats_left,
)

__all__ = [
    "A",
    "ARTICLE_FIELDS",
    "CONTACT_FIELDS",
    "CONTACT_LIMIT",
    "CONTACT_WINDOW",
    "R",
    "RateLimited",
    "department_contact",
    "save_department_contact",
    "TRANSITIONS",
    "add_message",
    "apply",
    "approve",
    "article_state",
    "assign_request",
    "available_actions",
    "complete_request",
    "create_request",
    "decline_request",
    "department_email",
    "handler_choices",
    "latest_articles",
    "overdue",
    "publish_article",
    "publish_due",
    "register_for_course",
    "registration_status",
    "reject",
    "save_article",
    "seats_left",
    "save_startup_profile",
    "set_article_image",
    "start_request",
    "start_review",
    "submit_contact",
    "support_by_programme_year",
    "tasks_by_codes",
    "unpublish_article",
    "update_checklist",
    "window_error",
    "withdraw",
]
