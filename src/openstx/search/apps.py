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

        from django.db.models.signals import post_delete, post_save

        from openstx.search import synonyms
        from openstx.search.models import Synonym

        def clear(**kwargs: object) -> None:
            synonyms.clear_cache()

        post_save.connect(clear, sender=Synonym, weak=False, dispatch_uid="search-synonyms-save")
        post_delete.connect(clear, sender=Synonym, weak=False, dispatch_uid="search-synonyms-del")
