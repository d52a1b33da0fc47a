"""The admin site: Django's, recording every refused entry as `authz.denied`, every admin on the lookup allow-list."""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse

from .admin_lookups import AllowListedLookups


class TrailproofAdminSite(admin.AdminSite):
    site_header = "Trailproof administration"
    site_title = "Trailproof admin"
    index_title = "Organizations, people and their audit trail"

    def register(self, model_or_iterable, admin_class=None, **options):
        """Any admin, ours or a library's, answers only allow-listed lookups."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AllowListedLookups):
            admin_class = type(admin_class.__name__, (AllowListedLookups, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        allowed = super().has_permission(request)
        if not allowed and request.user.is_authenticated and request.path != reverse("admin:login"):
            from .views.scope import record_refusal

            record_refusal(request, reason="the admin site is open to compliance officers and admins")
        return allowed


class TrailproofAdminConfig(AdminConfig):
    default_site = "audit.admin_site.TrailproofAdminSite"
