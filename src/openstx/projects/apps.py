import contextlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "openstx.projects"
    label = "projects"
    verbose_name = _("S&T tasks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from openstx.projects import policies  # noqa: F401  (registers permission policies)

        with contextlib.suppress(ImportError):  # the search app contributes the registry
            from openstx.projects import search  # noqa: F401
