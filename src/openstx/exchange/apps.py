from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "openstx.exchange"
    label = "exchange"
