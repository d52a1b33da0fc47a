"""Exports of what the officer sees, through the one export service, and the manifests recorded with them."""
import orjson
from django.http import HttpResponse
from django.shortcuts import render

from ..bundle import bundle_response
from ..selectors import application_records, filtered_events
from ..services.exporting import attachment, manifest_document, manifest_file_name, start_export
from .scope import investigator_required, not_in_organization

PAGE_FORMATS = ("csv", "jsonl")


@investigator_required
def export(request):
    investigation = request.investigation
    organization = investigation.organization
    fmt = request.GET.get("format", "csv")
    if fmt == "bundle":
        return bundle_response(organization, investigation.acting)
    event_filter = filtered_events(organization, request.GET)
    if fmt not in PAGE_FORMATS or not event_filter.is_valid():
        return render(request, "audit/export_invalid.html", {"form": event_filter.form, "organization": organization},
                      status=400)
    return start_export(event_filter.qs, fmt, organization=organization, acting=investigation.acting,
                        filters=event_filter.applied()).response()


@investigator_required
def export_list(request):
    organization = request.investigation.organization
    exports = application_records(organization, "audit.exported").order_by("-occurred_at", "-seq")[:50]
    return render(request, "audit/export_list.html", {"organization": organization, "exports": exports})


def _export_event(request, pk):
    event = application_records(request.investigation.organization, "audit.exported").filter(pk=pk).first()
    if event is None:
        not_in_organization(request, "export")
    return event


@investigator_required
def export_detail(request, pk):
    event = _export_event(request, pk)
    return render(request, "audit/export_detail.html", {
        "organization": request.investigation.organization, "event": event, "manifest": manifest_document(event)})


@investigator_required
def export_manifest(request, pk):
    event = _export_event(request, pk)
    body = orjson.dumps(manifest_document(event), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = attachment(manifest_file_name(event))
    return response
