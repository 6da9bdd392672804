"""The JSON API, versioned under /api/v1/. Each domain app contributes one router."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from openstx import __version__
from openstx.accounts.auth import CsrfSwagger
from openstx.core.api import document_errors


class OpenStxAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document names the error answers every operation can give
    (401 when secured, 404 with an id, 400/422 with parameters or a body; docs/api.md)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(*args, **kwargs))


api = OpenStxAPI(
    title="OpenSTX API",
    version="1",
    description="Science-and-technology exchange and information system. "
    "Authenticate with a browser session or a personal API token (Authorization: Bearer …).",
    urls_namespace="api",
    docs=CsrfSwagger(),  # "Try it out" sends the CSRF token for session-authenticated writes
)


def _add_routers() -> None:
    from openstx.accounts.api import router as accounts_router
    from openstx.directory.api import router as directory_router
    from openstx.exchange.api import router as exchange_router
    from openstx.search.api import router as search_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/", directory_router)
    api.add_router("/", exchange_router)
    api.add_router("/", "openstx.matching.api.router")
    api.add_router("/", search_router)
    api.add_router("/projects", "openstx.projects.api.router")
    api.add_router("/", "openstx.ipr.api.router")
    api.add_router("/library", "openstx.library.api.router")
    api.add_router("/", "openstx.portal.api.router")
    api.add_router("/", "openstx.reports.api.router")


_add_routers()


@api.get("/version", tags=["meta"])
def version(request):
    return {"name": "openstx", "version": __version__}
