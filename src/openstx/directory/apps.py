from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "openstx.directory"
    label = "directory"
