from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "openstx.taxonomy"
    label = "taxonomy"
