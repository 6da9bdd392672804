from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "openstx.web"
    label = "web"
