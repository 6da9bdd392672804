import sys
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def load_code_lists(using: str = "default", verbosity: int = 1, **kwargs: Any) -> None:
    """``post_migrate``: the shipped code lists are in place after ``migrate`` alone, and an
    upgrade that ships a new version of a list applies it (see ``services.ensure_loaded``).

    Off when ``OPENSTX_CODE_LISTS_ON_MIGRATE`` is false (the test suite's database starts empty
    and its fixtures create the few codes they need)."""
    from django.conf import settings
    from django.db import connections, router

    from openstx.taxonomy import services
    from openstx.taxonomy.models import CodeListVersion

    if not getattr(settings, "OPENSTX_CODE_LISTS_ON_MIGRATE", True):
        return
    if not router.allow_migrate_model(using, CodeListVersion):
        return
    connection = connections[using]
    if CodeListVersion._meta.db_table not in connection.introspection.table_names():
        return  # migrated only part of the way (``migrate taxonomy 0001``)
    if using != "default":
        return  # the loaders write through the default connection
    out = kwargs.get("stdout") or sys.stdout
    for name, stats in services.ensure_loaded().items():
        if verbosity >= 1:
            out.write(f"  Code list {name}: {stats}\n")


class TaxonomyConfig(AppConfig):
    name = "openstx.taxonomy"
    label = "taxonomy"
    verbose_name = _("Taxonomies")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        post_migrate.connect(load_code_lists, sender=self, dispatch_uid="taxonomy-code-lists")

        from openstx.taxonomy import services
        from openstx.taxonomy.models import AdministrativeUnit, FieldOfScience

        def clear(**kwargs):
            services.clear_caches()

        for model in (AdministrativeUnit, FieldOfScience):
            post_save.connect(
                clear, sender=model, weak=False, dispatch_uid=f"taxonomy-cache-{model.__name__}"
            )
            post_delete.connect(
                clear, sender=model, weak=False, dispatch_uid=f"taxonomy-del-{model.__name__}"
            )
