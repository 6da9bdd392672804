from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from openstx.api import api
from openstx.web.media import public_media

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("openstx.accounts.urls")),
    path("directory/", include("openstx.directory.urls")),
    path("search/", include("openstx.search.urls")),
    path("exchange/", include("openstx.exchange.urls")),
    path("matching/", include("openstx.matching.urls")),
    path("projects/", include("openstx.projects.urls")),
    path("ip/", include("openstx.ipr.urls")),
    path("library/", include("openstx.library.urls")),
    path("oai", include("openstx.library.oai_urls")),
    path("sitemap.xml", include("openstx.exchange.sitemaps")),
    path("portal/", include("openstx.portal.urls")),
    path("statistics/", include("openstx.reports.urls")),
    path("", include("openstx.web.urls")),
]

# Public pictures only (openstx.web.media); every other upload has a permission-checked view.
urlpatterns.insert(0, path(settings.MEDIA_URL.strip("/") + "/<path:path>", public_media))
