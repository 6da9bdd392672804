from django.urls import path

from openstx.core import typeahead
from openstx.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/<str:code>/", views.set_language, name="language"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    # type-ahead suggestions of every record chooser (core.typeahead)
    path("lookup/<slug:kind>/", typeahead.lookup, name="lookup"),
]
