from django.urls import path

from openstx.ipr import views

app_name = "ipr"

urlpatterns = [
    path("", views.record_list, name="record-list"),
    path("export.xlsx", views.record_export, name="record-export"),
    path("new/", views.record_edit, name="record-create"),
    path("<int:pk>/", views.record_detail, name="record-detail"),
    path("<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("<int:pk>/status/", views.record_transition, name="record-transition"),
    path("statistics/", views.statistics, name="statistics"),
    path("import/", views.import_page, name="import"),
    path("import/<int:job_id>/", views.import_status, name="import-status"),
    path("import/<int:job_id>/progress/", views.import_progress, name="import-progress"),
    path("import/<int:job_id>/rerun/", views.import_rerun, name="import-rerun"),
    path("lookup/<slug:kind>/", views.lookup, name="lookup"),
    path("standards/", views.standard_list, name="standard-list"),
    path("standards/export.xlsx", views.standard_export, name="standard-export"),
    path("standards/new/", views.standard_edit, name="standard-create"),
    path("standards/<int:pk>/", views.standard_detail, name="standard-detail"),
    path("standards/<int:pk>/edit/", views.standard_edit, name="standard-edit"),
    path("standards/files/<int:pk>/", views.standard_attachment, name="standard-attachment"),
    path("training/", views.course_list, name="course-list"),
    path("training/export.xlsx", views.course_export, name="course-export"),
    path("training/new/", views.course_edit, name="course-create"),
    path("training/<int:pk>/", views.course_detail, name="course-detail"),
    path("training/<int:pk>/edit/", views.course_edit, name="course-edit"),
]
