from django.urls import path

from openstx.matching import views

app_name = "matching"

urlpatterns = [
    path("demands/<int:pk>/", views.demand_page, name="demand"),
    path("demands/<int:pk>/fragment/", views.demand_fragment, name="demand-fragment"),
    path("offers/<int:pk>/", views.offer_page, name="offer"),
    path("offers/<int:pk>/fragment/", views.offer_fragment, name="offer-fragment"),
    path("connect/", views.connect, name="connect"),
    path("follow/<str:kind>/<int:pk>/", views.follow, name="follow"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/stop/", views.stop, name="stop"),
    path("pairs/", views.pairs, name="pairs"),
]
