"""System log and webhook endpoints, mounted at /api/v1/ beside the audit endpoints."""
from django.urls import path

from . import views

app_name = "syslog-api"

urlpatterns = [
    path("system-logs", views.SystemLogListView.as_view(), name="system-logs"),
    path("webhooks", views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<str:pk>", views.WebhookDetailView.as_view(), name="webhook-detail"),
]
