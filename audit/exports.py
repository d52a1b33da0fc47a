"""Streaming exports of the trail (CSV, JSON lines, OCSF JSON lines) and the manifest of their bytes.

    export = stream_export(queryset, "csv")
    for chunk in export: ...          # bytes, from a server-side cursor, in constant memory
    export.manifest                   # row count, first and last seq, SHA-256 of exactly those bytes

Rows always come in `seq` (chain) order and hold only stored data, so the same filters over a closed period
give byte-identical files.
"""
import csv
import hashlib
import io
from collections.abc import Iterator

import orjson

from .canonical import format_timestamp
from .documents import event_document, event_rows
from .ocsf import ocsf_event
from .people import person_name

FORMATS = {
    "csv": {"content_type": "text/csv; charset=utf-8", "extension": "csv"},
    "jsonl": {"content_type": "application/x-ndjson", "extension": "jsonl"},
    "ocsf": {"content_type": "application/x-ndjson", "extension": "ocsf.jsonl"},
}
CSV_COLUMNS = (
    "seq", "occurred_at", "recorded_at", "event_id", "action", "category", "actor_kind", "actor_id",
    "actor_name", "outcome", "reason", "targets", "run", "task", "blueprint", "automation", "source_ip",
    "recorded_via", "prev_hash", "hash",
)
# OWASP CSV injection: a spreadsheet treats a cell starting with these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000
FLUSH_BYTES = 256 * 1024


def neutralize(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs: a leading formula character gets a quote before it."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def _json_cell(value) -> str:
    return "" if value is None else orjson.dumps(value).decode()


class Export:
    """One export being streamed. Iterate it once; `manifest` is complete when the iteration has ended."""

    def __init__(self, queryset, fmt: str, *, chunk_size: int = CHUNK_ROWS):
        if fmt not in FORMATS:
            raise ValueError(f"Unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}.")
        self.format = fmt
        self.content_type = FORMATS[fmt]["content_type"]
        self.extension = FORMATS[fmt]["extension"]
        self._queryset = queryset.order_by("seq")
        self._chunk_size = chunk_size
        self._sha256 = hashlib.sha256()
        self.row_count = 0
        self.byte_count = 0
        self.first_seq = None
        self.last_seq = None
        self.complete = False

    def __iter__(self) -> Iterator[bytes]:
        lines = self._csv_lines() if self.format == "csv" else self._json_lines()
        buffer = []
        size = 0
        for line in lines:
            buffer.append(line)
            size += len(line)
            if size >= FLUSH_BYTES:
                yield self._emit(b"".join(buffer))
                buffer, size = [], 0
        if buffer:
            yield self._emit(b"".join(buffer))
        self.complete = True

    def _emit(self, chunk: bytes) -> bytes:
        self._sha256.update(chunk)
        self.byte_count += len(chunk)
        return chunk

    def _seen(self, seq: int) -> None:
        if self.first_seq is None:
            self.first_seq = seq
        self.last_seq = seq
        self.row_count += 1

    def _seen_rows(self, first: int, last: int, count: int) -> None:
        if self.first_seq is None:
            self.first_seq = first
        self.last_seq = last
        self.row_count += count

    def _csv_lines(self) -> Iterator[bytes]:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for row in event_rows(self._queryset, chunk_size=self._chunk_size):
            self._seen(row.seq)
            writer.writerow((
                row.seq, format_timestamp(row.occurred_at), format_timestamp(row.recorded_at),
                neutralize(row.event_id or ""), row.action, row.category, row.actor_kind,
                neutralize(row.actor.external_id), neutralize(person_name(row.actor) or ""), row.outcome,
                neutralize(row.reason), *(neutralize(_json_cell(value)) for value in
                                          (row.targets, row.run, row.task, row.blueprint, row.automation)),
                row.source_ip or "", neutralize(row.recorded_via), row.prev_hash, row.hash,
            ))
            if text.tell() >= FLUSH_BYTES:
                yield text.getvalue().encode()
                text.seek(0)
                text.truncate()
        yield text.getvalue().encode()

    def _json_lines(self) -> Iterator[bytes]:
        to_line = ocsf_event if self.format == "ocsf" else None
        for event in event_rows(self._queryset, chunk_size=self._chunk_size):
            self._seen(event.seq)
            document = event_document(event)
            yield orjson.dumps(to_line(document) if to_line else document) + b"\n"

    @property
    def manifest(self) -> dict:
        """What the `audit.exported` event records and the pages offer beside the file."""
        return {
            "format": self.format,
            "row_count": self.row_count,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "bytes": self.byte_count,
            "sha256": self._sha256.hexdigest(),
            "complete": self.complete,
        }


def stream_export(queryset, fmt: str, *, chunk_size: int = CHUNK_ROWS) -> Export:
    """An iterable of the export's bytes over `queryset` (already scoped and filtered by the caller)."""
    return Export(queryset, fmt, chunk_size=chunk_size)
