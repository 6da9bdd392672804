"""Portal pages. Thin: permissions via core.permissions, state changes via services.

One module per seam: ``articles``, ``requests`` (services and tracked requests), ``programmes``
(support programmes and applications), ``startups`` (start-ups and intermediaries) and
``contact`` (contact form and training). URLs name the views re-exported here."""

from __future__ import annotations

from openstx.portal.views.articles import (
    PAGE_SIZE,
    article_create,
    article_detail,
    article_edit,
    article_list,
    article_manage,
    article_status,
)
from openstx.portal.views.contact import (
    contact,
    training_list,
    training_register,
)
from openstx.portal.views.programmes import (
    application_create,
    application_detail,
    application_list,
    application_review,
    programme_detail,
    programme_list,
)
from openstx.portal.views.requests import (
    attachment,
    my_requests,
    request_action,
    request_create,
    request_detail,
    request_message,
    request_queue,
    service_detail,
    service_list,
)
from openstx.portal.views.startups import (
    intermediary_list,
    startup_detail,
    startup_edit,
    startup_list,
)

__all__ = [
    "PAGE_SIZE",
    "application_create",
    "application_detail",
    "application_list",
    "application_review",
    "article_create",
    "article_detail",
    "article_edit",
    "article_list",
    "article_manage",
    "article_status",
    "attachment",
    "contact",
    "intermediary_list",
    "my_requests",
    "programme_detail",
    "programme_list",
    "request_action",
    "request_create",
    "request_detail",
    "request_message",
    "request_queue",
    "service_detail",
    "service_list",
    "startup_detail",
    "startup_edit",
    "startup_list",
    "training_list",
    "training_register",
]
