"""Public pictures under ``MEDIA_URL``, served by the application in every deployment.

Listing images and thumbnails, article pictures and avatars are shown to whoever may see the
page that names them; their file names are random (uuid4 / token_urlsafe), so an address is only
known from such a page. Everything else under ``MEDIA_ROOT`` — listing attachments (some
confidential), library files, task and IP dossiers, generated reports — is never served from
here: those go through their app's permission-checked download views. Without this view, with
``DEBUG`` off (the default), no uploaded picture showed at all."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.static import serve

#: Folders of ``MEDIA_ROOT`` whose files are pictures meant for pages (see the models'
#: ``upload_to``). A new public picture field adds its folder here, nothing else does.
PUBLIC_PREFIXES = (
    "exchange/images/",
    "exchange/thumbs/",
    "portal/articles/",
    "portal/thumbs/",
    "avatars/",
)
#: Pictures never change under one name (a new upload gets a new random name).
MAX_AGE = 7 * 24 * 3600


@require_safe
def public_media(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    if not path.startswith(PUBLIC_PREFIXES) or ".." in path.split("/"):
        raise Http404
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
