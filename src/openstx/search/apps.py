from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "openstx.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # Every app's ``search.py`` registers its models (``openstx.search.registry``).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("search")
