"""GET export: the filtered trail streamed as CSV, JSON lines or OCSF, recorded as `audit.exported`."""
from django.http import StreamingHttpResponse
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from ..export_sql import export_of
from ..exports import FORMATS
from ..filters import EventFilter
from ..models import AuditEvent
from ..replica import reading_from_replica
from ..services.recording import record_action
from . import docs
from .base import TrailView
from .views import filtered


def _recorded_stream(export, *, organization, acting, filters):
    """Yields the export's bytes; when the last byte is out (or the download stops), the export is recorded."""
    try:
        yield from export
    finally:
        complete = export.manifest["complete"]
        record_action(organization, "audit.exported", acting, outcome="success" if complete else "failure",
                      reason="" if complete else "The download stopped before the end.",
                      metadata={"filters": filters, "manifest": export.manifest})


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
        if fmt not in FORMATS:
            raise ValidationError({"format": [f"Must be one of {', '.join(FORMATS)}."]})
        filterset, events = filtered(self)
        organization = self.organization()
        export = export_of(reading_from_replica(events), fmt)
        filters = {**filterset.applied(), "format": fmt}
        response = StreamingHttpResponse(
            _recorded_stream(export, organization=organization, acting=self.acting(), filters=filters),
            content_type=export.content_type)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = (f'attachment; filename="trailproof-{organization.slug}-{stamp}.'
                                           f'{export.extension}"')
        response["Cache-Control"] = "no-store"
        return response
