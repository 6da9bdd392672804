from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "openstx.reports"
    label = "reports"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from openstx.reports import policies  # noqa: F401  (registers permission policies)

        # each app declares its indicators in <app>/indicators.py
        autodiscover_modules("indicators")
