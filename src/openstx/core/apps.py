from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openstx.core"
    label = "core"

    def ready(self) -> None:
        from openstx.core import policies  # noqa: F401  (registers permission policies)
