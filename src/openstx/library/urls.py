from django.urls import path

from openstx.library import views

app_name = "library"
urlpatterns = [
    path("", views.index, name="document-list"),
    path("upload/", views.upload, name="upload"),
    path("moderation/", views.moderation, name="moderation"),
    path("batch/", views.batch, name="batch"),
    path("batch/<int:job_id>/", views.batch_status, name="batch-status"),
    path("batch/<int:job_id>/progress/", views.batch_progress, name="batch-progress"),
    path("<int:pk>/", views.detail, name="detail-short"),
    path("<int:pk>/edit", views.edit, name="edit"),
    path("<int:pk>/moderate", views.moderate, name="moderate"),
    path("<int:pk>/file/<str:kind>", views.download, name="download"),
    path("<int:pk>/text", views.text, name="text"),
    path("<int:pk>/cite/", views.cite, name="cite"),
    path("<int:pk>/cite/<str:fmt>", views.cite, name="cite-format"),
    path("<int:pk>/<slug:slug>/", views.detail, name="detail"),
]
