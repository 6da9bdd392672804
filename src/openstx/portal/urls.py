from django.urls import path

from openstx.portal import views
from openstx.portal.feeds import ArticleFeed

app_name = "portal"

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("news/<int:pk>-<str:slug>/", views.article_detail, name="article-detail"),
    path("news/manage/", views.article_manage, name="article-manage"),
    path("news/new/", views.article_create, name="article-create"),
    path("news/<int:pk>/edit/", views.article_edit, name="article-edit"),
    path("news/<int:pk>/status/", views.article_status, name="article-status"),
    path("feed/", ArticleFeed(), name="feed"),
    path("services/", views.service_list, name="service-list"),
    path("services/<int:pk>-<str:slug>/", views.service_detail, name="service-detail"),
    path("services/<int:pk>/request/", views.request_create, name="request-create"),
    path("requests/", views.my_requests, name="my-requests"),
    path("requests/queue/", views.request_queue, name="request-queue"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("requests/<int:pk>/action/", views.request_action, name="request-action"),
    path("requests/<int:pk>/message/", views.request_message, name="request-message"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("programmes/", views.programme_list, name="programme-list"),
    path("programmes/<int:pk>-<str:slug>/", views.programme_detail, name="programme-detail"),
    path("programmes/<int:pk>/apply/", views.application_create, name="application-create"),
    path("applications/", views.application_list, name="application-list"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/review/", views.application_review, name="application-review"),
    path("startups/", views.startup_list, name="startup-list"),
    path("startups/<int:pk>/", views.startup_detail, name="startup-detail"),
    path("startups/edit/<int:org_pk>/", views.startup_edit, name="startup-edit"),
    path("intermediaries/", views.intermediary_list, name="intermediary-list"),
    path("contact/", views.contact, name="contact"),
    path("training/", views.training_list, name="training-list"),
    path("training/<int:pk>/register/", views.training_register, name="training-register"),
]
