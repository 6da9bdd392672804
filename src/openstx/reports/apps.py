from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "openstx.reports"
    label = "reports"
    # policies and <app>/indicators.py modules are discovered by openstx.core.registries
