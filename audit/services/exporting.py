"""The one export service: pages and API stream through it, and it records `audit.exported` with one manifest shape.

The manifest (contract §6) is stored flat in the event's metadata: `file_name`, `filters` (without the format),
`format`, `row_count`, `first_seq`, `last_seq`, `bytes`, `sha256`, `complete`. `manifest_document` turns such an
event into what an auditor checks a file against, on the Exports pages and in `manifest.json`.
"""
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from ..acting import Acting
from ..canonical import format_timestamp
from ..export_sql import export_of
from ..exports import Export
from ..models import Organization
from ..people import person_name
from ..replica import reading_from_replica
from .recording import record_action

MANIFEST_FIELDS = ("file_name", "format", "filters", "row_count", "first_seq", "last_seq", "bytes", "sha256",
                   "complete")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str) -> str:
    """A name any browser and shell takes as it is: letters, digits, dot, dash and underscore."""
    return _UNSAFE.sub("_", name).strip("._")[:150] or "download"


def attachment(name: str) -> str:
    """The Content-Disposition of a download, the name made safe and encoded (RFC 6266)."""
    return content_disposition_header(True, safe_file_name(name))


@dataclass
class RecordedExport:
    export: Export
    file_name: str
    stream: Iterator[bytes]

    def response(self) -> StreamingHttpResponse:
        response = StreamingHttpResponse(self.stream, content_type=self.export.content_type)
        response["Content-Disposition"] = attachment(self.file_name)
        response["Cache-Control"] = "no-store"
        return response


def start_export(queryset, fmt: str, *, organization: Organization, acting: Acting, filters: dict) -> RecordedExport:
    """An export of `queryset` (scoped and filtered by the caller) that records itself when its last byte is out."""
    export = export_of(reading_from_replica(queryset), fmt)  # PostgreSQL's COPY where it can, else Python
    file_name = safe_file_name(f"trail-{organization.slug}-{timezone.now():%Y%m%dT%H%M%SZ}.{export.extension}")
    filters = {key: value for key, value in filters.items() if key != "format"}
    stream = _recorded(export, organization=organization, acting=acting, filters=filters, file_name=file_name)
    return RecordedExport(export, file_name, stream)


def _recorded(export: Export, *, organization, acting, filters, file_name) -> Iterator[bytes]:
    try:
        yield from export
    finally:
        manifest = export.manifest
        record_action(organization, "audit.exported", acting,
                      outcome="success" if manifest["complete"] else "failure",
                      reason="" if manifest["complete"] else "The download stopped before the end.",
                      metadata={"file_name": file_name, "filters": filters, **manifest})


def manifest_document(event) -> dict:
    """The manifest an auditor checks a file against, from its `audit.exported` event."""
    metadata = event.metadata or {}
    return {
        "organization": event.organization.slug,
        "exported_by": {"kind": event.actor_kind, "id": event.actor.external_id, "name": person_name(event.actor)},
        "exported_at": format_timestamp(event.occurred_at),
        **{key: metadata.get(key) for key in MANIFEST_FIELDS},
        "recorded_in": {"event_id": event.pk, "seq": event.seq, "hash": event.hash},
    }


def manifest_file_name(event) -> str:
    return safe_file_name(f"trail-{event.organization.slug}-export-{event.seq}.manifest.json")
