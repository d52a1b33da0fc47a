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
from .people import pseudonym_for

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
# What the CSV reads from the database, in column order, with erased_at last to hide an erased name.
_CSV_FIELDS = (
    "seq", "occurred_at", "recorded_at", "event_id", "action", "category", "actor_kind", "actor__external_id",
    "actor__name", "outcome", "reason", "targets", "run", "task", "blueprint", "automation", "source_ip",
    "recorded_via", "prev_hash", "hash", "actor__erased_at", "organization_id", "actor_id",
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
        rows = self._queryset.values_list(*_CSV_FIELDS).iterator(chunk_size=self._chunk_size)
        for row in rows:
            (seq, occurred_at, recorded_at, event_id, action, category, actor_kind, actor_id, actor_name,
             outcome, reason, targets, run, task, blueprint, automation, source_ip, recorded_via, prev_hash,
             hash_, erased_at, organization_id, actor_pk) = row
            self._seen(seq)
            writer.writerow((
                seq, format_timestamp(occurred_at), format_timestamp(recorded_at), neutralize(event_id or ""),
                action, category, actor_kind, neutralize(actor_id),
                pseudonym_for(organization_id, actor_pk) if erased_at else neutralize(actor_name),
                outcome, neutralize(reason), neutralize(_json_cell(targets)), neutralize(_json_cell(run)),
                neutralize(_json_cell(task)), neutralize(_json_cell(blueprint)), neutralize(_json_cell(automation)),
                source_ip or "", neutralize(recorded_via), prev_hash, hash_,
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
