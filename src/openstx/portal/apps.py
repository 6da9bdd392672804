from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "openstx.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from openstx.portal import policies  # noqa: F401  (registers the permission policies)
