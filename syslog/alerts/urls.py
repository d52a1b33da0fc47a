"""URLs of the alerts pages (namespace `alerts`, mounted at /alerts/)."""
from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("rules/", views.rules, name="rules"),
]
