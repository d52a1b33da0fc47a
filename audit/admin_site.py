"""The admin site: Django's, recording every refused entry as `authz.denied`."""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse


class TrailproofAdminSite(admin.AdminSite):
    site_header = "Trailproof administration"
    site_title = "Trailproof admin"
    index_title = "Organizations, people and their audit trail"

    def has_permission(self, request):
        allowed = super().has_permission(request)
        if not allowed and request.user.is_authenticated and request.path != reverse("admin:login"):
            from .views.scope import record_refusal

            record_refusal(request, reason="the admin site is open to compliance officers and admins")
        return allowed


class TrailproofAdminConfig(AdminConfig):
    default_site = "audit.admin_site.TrailproofAdminSite"
