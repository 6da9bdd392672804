from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "openstx.library"
    label = "library"
    verbose_name = _("S&T library")

    def ready(self) -> None:
        from openstx.library import (
            policies,  # noqa: F401  (registers the permission policies)
            search,  # noqa: F401  (registers the index fields)
        )
