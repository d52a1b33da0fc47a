"""GET export: the filtered trail streamed as CSV, JSON lines or OCSF, through the one export service."""
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from ..bundle import bundle_response
from ..exports import FORMATS
from ..filters import EventFilter
from ..models import AuditEvent
from ..services.exporting import start_export
from . import docs
from .base import TrailView
from .views import filtered


class ExportView(TrailView):
    required_scope = "export"
    throttle_scope = "export"
    filter_backends = [DjangoFilterBackend]
    filterset_class = EventFilter
    queryset = AuditEvent.objects.none()

    def perform_content_negotiation(self, request, force=False):
        # `format` names the export format here, not a renderer; errors are always JSON.
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

    @docs.export
    def get(self, request):
        fmt = request.query_params.get("format") or "csv"
        if fmt == "bundle":
            return bundle_response(self.organization(), self.acting())
        if fmt not in FORMATS:
            raise ValidationError({"format": [f"Must be one of {', '.join((*FORMATS, 'bundle'))}."]})
        filterset, events = filtered(self)
        return start_export(events, fmt, organization=self.organization(), acting=self.acting(),
                            filters=filterset.applied()).response()
