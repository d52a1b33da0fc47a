"""The system log store in the Django admin: read-only, scoped to the organizations the person administers.

Secrets never appear: webhook signing secrets and SMTP passwords are left out of every list and form, and
only safe fields can be filtered or searched.
"""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from audit.admin import ScopedAdmin, visible_organizations
from audit.models import Membership, Organization, Role

from .models import Alert, OrganizationMailServer, SystemLogEntry, WebhookDelivery, WebhookEndpoint


def administered_organization_ids(request) -> list[int]:
    if not hasattr(request, "_administered_ids"):
        request._administered_ids = list(Membership.objects.filter(user=request.user, role=Role.ADMIN)
                                         .values_list("organization_id", flat=True))
    return request._administered_ids


class SystemLogScopedAdmin(ScopedAdmin):
    """Organization admins see their organizations' rows; superusers every row, the deployment's (0) too."""

    def get_queryset(self, request):
        queryset = self.model._default_manager.get_queryset()
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization_id__in=administered_organization_ids(request))

    def _may_read(self, request) -> bool:
        return request.user.is_active and (request.user.is_superuser or bool(administered_organization_ids(request)))

    def has_module_permission(self, request):
        return self._may_read(request)

    def has_view_permission(self, request, obj=None):
        return self._may_read(request)


@admin.register(SystemLogEntry)
class SystemLogEntryAdmin(SystemLogScopedAdmin):
    list_display = ("occurred_at", "organization_id", "severity", "kind", "message")
    list_filter = ("severity", "kind")
    search_fields = ("message",)
    fields = ("occurred_at", "organization_id", "severity", "kind", "message", "details")
    date_hierarchy = None
    ordering = ("-occurred_at",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SystemLogScopedAdmin):
    list_display = ("url", "organization_id", "description", "created_at")
    search_fields = ("url", "description")
    fields = ("id", "organization_id", "url", "actions", "description", "created_at", "updated_at", "created_via")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SystemLogScopedAdmin):
    list_display = ("id", "organization_id", "endpoint", "event_id", "notice_type", "status", "attempts",
                    "next_attempt_at", "last_status_code", "last_error")
    list_filter = ("status",)
    list_select_related = ("endpoint",)
    fields = ("id", "organization_id", "endpoint", "event_id", "notice_type", "payload", "status", "attempts",
              "next_attempt_at", "last_status_code", "last_error", "created_at", "finished_at")
    ordering = ("-created_at",)


@admin.register(OrganizationMailServer)
class OrganizationMailServerAdmin(SystemLogScopedAdmin):
    list_display = ("organization_id", "host", "port", "security", "username", "updated_at")
    fields = ("organization_id", "host", "port", "security", "username", "from_email", "updated_at")


class AlertStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("acknowledged", "Acknowledged")]

    def queryset(self, request, queryset):
        if self.value() in ("open", "acknowledged"):
            return queryset.filter(acknowledged_at__isnull=self.value() == "open")
        return queryset


@admin.register(Alert)
class AlertAdmin(ScopedAdmin):
    """Alerts for the organizations the person investigates (as on the Alerts page); acknowledged there."""

    organization_path = "organization_id"
    list_display = ("raised_at", "organization_id", "severity", "rule", "message", "count", "last_seen_at",
                    "acknowledged_at", "acknowledged_by")
    list_filter = ("severity", "rule", AlertStateFilter)
    search_fields = ("message", "subject")
    fields = ("organization_id", "rule", "severity", "subject", "message", "count", "window_minutes", "raised_at",
              "last_seen_at", "acknowledged_at", "acknowledged_by", "acknowledgement_note", "entry",
              "acknowledge_on_page")
    readonly_fields = ("acknowledge_on_page",)
    ordering = ("-raised_at", "-id")

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if request.user.is_superuser or len(visible_organizations(request)) > 1:
            return shown
        return [name for name in shown if name != "organization_id"]  # one organization: the column says nothing

    @admin.display(description="Acknowledge")
    def acknowledge_on_page(self, alert):
        slug = Organization.objects.filter(pk=alert.organization_id).values_list("slug", flat=True).first()
        if not alert.is_open or slug is None:
            return "—"
        url = reverse("alerts:list") + "?" + urlencode({"org": slug})
        return format_html('<a href="{}">Acknowledge on the Alerts page</a> (the acknowledgement is recorded '
                           "as an audit event)", url)
