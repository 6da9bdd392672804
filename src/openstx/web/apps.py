from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "openstx.web"
    label = "web"

    def ready(self) -> None:
        from openstx.web import fragments, pagecache

        pagecache.connect_signals()
        fragments.connect_signals()
