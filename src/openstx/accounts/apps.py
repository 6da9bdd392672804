from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openstx.accounts"
    label = "accounts"
