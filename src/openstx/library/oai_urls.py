from django.urls import path

from openstx.library import oai

app_name = "oai"
urlpatterns = [path("", oai.endpoint, name="endpoint")]
