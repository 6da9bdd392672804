from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "openstx.web"
    label = "web"

    def ready(self) -> None:
        from openstx.web import pagecache

        pagecache.connect_signals()
