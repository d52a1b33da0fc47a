"""URLs of the system pages (namespace `system`): the system log, webhooks, the organization's email server."""
from django.urls import path

from . import views

app_name = "system"

urlpatterns = [
    path("log/", views.system_log, name="log"),
    path("log/deliveries/<uuid:delivery_id>/resend/", views.resend, name="resend"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<uuid:pk>/delete/", views.webhook_delete, name="webhook-delete"),
    path("email/", views.email_server, name="email"),
]
