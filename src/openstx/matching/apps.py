from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "openstx.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from openstx.matching import policies, signals  # noqa: F401  (register on import)
