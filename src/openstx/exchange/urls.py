from django.urls import path
from django.views.generic import RedirectView

from openstx.exchange import feeds, views

app_name = "exchange"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="exchange:offer-list"), name="home"),
    path("offers/", views.offer_list, name="offer-list"),
    path("offers/new/", views.offer_create, name="offer-create"),
    path("offers/post/", views.listing_start, {"kind": "offer"}, name="offer-post"),
    path("offers/<int:pk>/", views.listing_redirect, {"kind": "offer"}, name="offer-short"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer-edit"),
    path("offers/<int:pk>/<slug:slug>/", views.offer_detail, name="offer-detail"),
    path("demands/", views.demand_list, name="demand-list"),
    path("demands/new/", views.demand_create, name="demand-create"),
    path("demands/post/", views.listing_start, {"kind": "demand"}, name="demand-post"),
    path("demands/<int:pk>/", views.listing_redirect, {"kind": "demand"}, name="demand-short"),
    path("demands/<int:pk>/edit/", views.demand_edit, name="demand-edit"),
    path("demands/<int:pk>/ask-expert/", views.ask_expert, name="ask-expert"),
    path("demands/<int:pk>/<slug:slug>/", views.demand_detail, name="demand-detail"),
    path("listing/<str:kind>/<int:pk>/action/", views.listing_action, name="listing-action"),
    path(
        "listing/<str:kind>/<int:pk>/upload/<str:what>/",
        views.listing_upload,
        name="listing-upload",
    ),
    path("listing/<str:kind>/<int:pk>/interest/", views.interest, name="interest"),
    path("listing/<str:kind>/<int:pk>/steps/<slug:step>/", views.listing_step, name="listing-step"),
    path("listing/<str:kind>/<int:pk>/preview/", views.listing_preview, name="listing-preview"),
    path("listing/<str:kind>/<int:pk>/delete/", views.listing_delete, name="listing-delete"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("mine/", views.my_listings, name="my-listings"),
    path(
        "offers/<int:pk>/confidential/request/",
        views.confidential.request_details,
        name="confidential-request",
    ),
    path(
        "offers/<int:pk>/confidential/terms/", views.confidential.terms, name="confidential-terms"
    ),
    path(
        "confidential-requests/<int:pk>/<str:action>/",
        views.confidential.decide,
        name="confidential-decide",
    ),
    path("confidential-requests/", views.confidential.request_list, name="confidential-requests"),
    path("moderation/", views.moderation, name="moderation"),
    path("connections/", views.connection_list, name="connection-list"),
    path("connections/new/", views.broker_connect, name="broker-connect"),
    path("connections/<int:pk>/", views.connection_detail, name="connection-detail"),
    path("connections/<int:pk>/<str:action>/", views.connection_action, name="connection-action"),
    path("notifications/", views.notification_list, name="notifications"),
    path("events/", views.event_list, name="event-list"),
    path("events/new/", views.event_create, name="event-create"),
    path("events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/action/", views.event_action, name="event-action"),
    path("events/<int:pk>/register/", views.event_register, name="event-register"),
    path("events/<int:pk>/unregister/", views.event_unregister, name="event-unregister"),
    path("events/<int:pk>/<slug:slug>/", views.event_detail, name="event-detail"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("feed/", feeds.ListingFeed(), name="feed"),
]
