from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "openstx.taxonomy"
    label = "taxonomy"
    verbose_name = _("Taxonomies")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from openstx.taxonomy import services
        from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

        def clear(**kwargs):  # type: ignore[no-untyped-def]
            services.clear_caches()

        for model in (AdministrativeUnit, FieldOfScience):
            post_save.connect(
                clear, sender=model, weak=False, dispatch_uid=f"taxonomy-cache-{model.__name__}"
            )
            post_delete.connect(
                clear, sender=model, weak=False, dispatch_uid=f"taxonomy-del-{model.__name__}"
            )
