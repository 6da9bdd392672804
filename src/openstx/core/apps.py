from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openstx.core"
    label = "core"
