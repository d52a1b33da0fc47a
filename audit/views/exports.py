"""Exports of what the officer sees, through the one streaming exporter, and the manifests recorded with them."""
import orjson
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..canonical import format_timestamp
from ..export_sql import export_of
from ..exports import FORMATS
from ..replica import reading_from_replica
from ..selectors import event_for, events_for, filtered_events
from ..services.recording import record_action
from .scope import investigator_required, not_in_organization

PAGE_FORMATS = ("csv", "jsonl")


def _recorded_while_streaming(export, *, organization, acting, filters, file_name):
    """Yields the file, then records `audit.exported` with the manifest of exactly the bytes sent."""
    try:
        yield from export
    finally:
        manifest = export.manifest
        record_action(organization, "audit.exported", acting,
                      outcome="success" if manifest["complete"] else "failure",
                      reason="" if manifest["complete"] else "the download was interrupted",
                      metadata={"file_name": file_name, "filters": filters, **manifest})


@investigator_required
def export(request):
    investigation = request.investigation
    organization = investigation.organization
    fmt = request.GET.get("format", "csv")
    event_filter = filtered_events(organization, request.GET)
    if fmt not in PAGE_FORMATS or not event_filter.is_valid():
        return render(request, "audit/export_invalid.html", {"form": event_filter.form, "organization": organization},
                      status=400)
    filters = event_filter.applied()
    file_name = f"trail-{organization.slug}-{timezone.now():%Y%m%dT%H%M%SZ}.{FORMATS[fmt]['extension']}"
    export = export_of(reading_from_replica(event_filter.qs), fmt)
    stream = _recorded_while_streaming(export, organization=organization, acting=investigation.acting,
                                       filters=filters, file_name=file_name)
    response = StreamingHttpResponse(stream, content_type=FORMATS[fmt]["content_type"])
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response


def manifest_document(event) -> dict:
    """The manifest an auditor checks a file against, from its `audit.exported` event."""
    metadata = event.metadata or {}
    return {
        "organization": event.organization.slug,
        "exported_by": {"kind": event.actor_kind, "id": event.actor.external_id,
                        "name": None if event.actor.erased_at else event.actor.name or None},
        "exported_at": format_timestamp(event.occurred_at),
        **{key: metadata.get(key) for key in ("file_name", "format", "filters", "row_count", "first_seq",
                                              "last_seq", "bytes", "sha256", "complete")},
        "recorded_in": {"event_id": event.pk, "seq": event.seq, "hash": event.hash},
    }


@investigator_required
def export_list(request):
    organization = request.investigation.organization
    exports = events_for(organization).filter(action="audit.exported").order_by("-occurred_at", "-seq")[:50]
    return render(request, "audit/export_list.html", {"organization": organization, "exports": exports})


@investigator_required
def export_manifest(request, pk):
    event = event_for(request.investigation.organization, pk)
    if event is None or event.action != "audit.exported":
        not_in_organization(request, "export")
    body = orjson.dumps(manifest_document(event), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    response = HttpResponse(body, content_type="application/json")
    name = (event.metadata or {}).get("file_name") or f"export-{event.seq}"
    response["Content-Disposition"] = f'attachment; filename="{name}.manifest.json"'
    return response
