from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "openstx.exchange"
    label = "exchange"
    verbose_name = _("Technology exchange")

    def ready(self) -> None:
        from openstx.exchange import policies  # noqa: F401  (registers the permission policies)
