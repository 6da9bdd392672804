from django.urls import path, re_path

from openstx.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.statistics, name="statistics"),
    re_path(
        r"^data/(?P<key>[a-z_.]+)\.(?P<fmt>csv|json)$", views.indicator_data, name="indicator-data"
    ),
    path("budget/", views.budget, name="budget"),
    path("report/", views.report, name="report"),
    path("report/<int:pk>/download/", views.report_download, name="report-download"),
]
