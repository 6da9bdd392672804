from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "openstx.directory"
    label = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        from openstx.directory import policies  # noqa: F401  (registers the policies)
