from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IprConfig(AppConfig):
    name = "openstx.ipr"
    label = "ipr"
    verbose_name = _("Intellectual property and standards")

    def ready(self) -> None:
        from openstx.ipr import policies, search  # noqa: F401  (register policies and search specs)
