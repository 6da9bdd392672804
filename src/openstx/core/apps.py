from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openstx.core"
    label = "core"

    def ready(self) -> None:
        from openstx.core.registries import autodiscover

        autodiscover()  # every app's policies, search specs, indicators and importers
