from django.urls import path

from openstx.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.directory_home, name="home"),
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/new/", views.organization_create, name="organization-create"),
    path("organizations/register/", views.organization_register, name="organization-register"),
    path("organizations/register/wards/", views.ward_options, name="ward-options"),
    path(
        "organizations/verification/",
        views.organization_verification_queue,
        name="organization-verification",
    ),
    path("organizations/<int:pk>/verify/", views.organization_verify, name="organization-verify"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization-edit"),
    path(
        "organizations/<int:pk>/history/", views.organization_history, name="organization-history"
    ),
    path("organizations/<int:pk>/", views.organization_detail, name="organization-detail-short"),
    path(
        "organizations/<int:pk>/<slug:slug>/",
        views.organization_detail,
        name="organization-detail",
    ),
    path("experts/", views.expert_list, name="expert-list"),
    path("experts/new/", views.expert_create, name="expert-create"),
    path("experts/<int:pk>/edit/", views.expert_edit, name="expert-edit"),
    path("experts/<int:pk>/history/", views.expert_history, name="expert-history"),
    path(
        "experts/<int:pk>/publications/new/",
        views.publication_create,
        name="publication-create",
    ),
    path(
        "experts/<int:pk>/publications/<int:pub_pk>/edit/",
        views.publication_edit,
        name="publication-edit",
    ),
    path(
        "experts/<int:pk>/publications/<int:pub_pk>/delete/",
        views.publication_delete,
        name="publication-delete",
    ),
    path("experts/<int:pk>/", views.expert_detail, name="expert-detail-short"),
    path("experts/<int:pk>/<slug:slug>/", views.expert_detail, name="expert-detail"),
]
