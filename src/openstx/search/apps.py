from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "openstx.search"
    label = "search"
