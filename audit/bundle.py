"""The verification bundle: one zip an auditor checks offline with `python -m audit.verify_bundle BUNDLE`.

    events.jsonl      every stored event, every stored field, in seq order
    checkpoints.json  every signed checkpoint of the organization, oldest first
    receipts.json     the purged runs (deletion receipts) with the deleted events' hashes from the signed tree
    redactions.json   each GDPR erasure's redactions: (seq, chained hash, hash of the redacted content)
    keys.json         the public keys that signed the checkpoints (contract §9 shape)
    manifest.json     the organization, when, counts, and the SHA-256 of each file above
"""
import dataclasses
import hashlib
import tempfile
import zipfile

import orjson
from django.http import FileResponse
from django.utils import timezone

from .canonical import format_timestamp
from .models import AuditEvent, Checkpoint, Erasure
from .people import pseudonym_for
from .services.checkpoints import checkpoint_document, published_keys
from .services.merkle_store import TreeIncomplete, TreeReader
from .services.purged_ranges import purged_ranges
from .services.recording import record_action

BUNDLE_FORMAT = "trailproof-bundle/1"
CHUNK_ROWS = 2000
SPOOL_BYTES = 16 * 1024 * 1024


def build_bundle(organization, *, progress=None):
    """Writes the bundle to a temporary file (in memory up to 16 MiB); returns (file positioned at 0, manifest)."""
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (handed to the response)
    files, manifest = {}, {"format": BUNDLE_FORMAT, "organization": organization.slug,
                           "generated_at": format_timestamp(timezone.now())}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("events.jsonl", "w", force_zip64=True) as out:
            counts = _write_events(organization, out, progress)
        files["events.jsonl"] = counts.pop("sha256")
        manifest.update(counts)
        for name, data in (("checkpoints.json", _checkpoints(organization)), ("receipts.json", _receipts(organization)),
                           ("redactions.json", _redactions(organization)), ("keys.json", {"keys": published_keys()})):
            body = orjson.dumps(data, option=orjson.OPT_INDENT_2)
            archive.writestr(name, body)
            files[name] = hashlib.sha256(body).hexdigest()
        manifest["files"] = files
        archive.writestr("manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    target.seek(0)
    return target, manifest


def _write_events(organization, out, progress) -> dict:
    digest, count, first, last = hashlib.sha256(), 0, None, None
    buffer = []
    for document in event_documents(organization):
        buffer.append(orjson.dumps(document) + b"\n")
        first = document["seq"] if first is None else first
        last, count = document["seq"], count + 1
        if len(buffer) >= CHUNK_ROWS:
            _flush(buffer, out, digest, progress)
    _flush(buffer, out, digest, progress)
    return {"event_count": count, "first_seq": first, "last_seq": last, "sha256": digest.hexdigest()}


_DOCUMENT_FIELDS = ("pk", "seq", "event_id", "action", "category", "occurred_at", "recorded_at", "actor_kind",
                    "actor", "actor__external_id", "actor__name", "actor__email", "actor__erased_at", "automation",
                    "outcome", "reason", "targets", "run", "task", "blueprint", "changes", "source_ip", "user_agent",
                    "metadata", "recorded_via", "prev_hash", "hash")


def event_documents(organization):
    """Every event as `audit.documents.event_document` writes it, from plain rows (no model per event)."""
    slug = organization.slug
    rows = (AuditEvent.objects.filter(organization=organization).order_by("seq")
            .values_list(*_DOCUMENT_FIELDS).iterator(chunk_size=CHUNK_ROWS))
    for (pk, seq, event_id, action, category, occurred_at, recorded_at, actor_kind, actor_pk, actor_id, name, email,
         erased_at, automation, outcome, reason, targets, run, task, blueprint, changes, ip, agent, metadata,
         recorded_via, prev_hash, digest) in rows:
        yield {
            "id": pk, "organization": slug, "seq": seq, "event_id": event_id, "action": action,
            "category": category, "occurred_at": format_timestamp(occurred_at),
            "recorded_at": format_timestamp(recorded_at),
            "actor": {"kind": actor_kind, "id": actor_id,
                      "name": pseudonym_for(organization.pk, actor_pk) if erased_at else (name or None),
                      "email": None if erased_at else (email or None)},
            "automation": automation, "outcome": outcome, "reason": reason, "targets": targets, "run": run,
            "task": task, "blueprint": blueprint, "changes": changes,
            "source": None if ip is None and agent is None else {"ip": ip, "user_agent": agent},
            "metadata": metadata, "recorded_via": recorded_via, "prev_hash": prev_hash, "hash": digest,
        }


def _flush(buffer, out, digest, progress) -> None:
    if buffer:
        chunk = b"".join(buffer)
        out.write(chunk)
        digest.update(chunk)
        if progress:
            progress(len(buffer))
        buffer.clear()


def _checkpoints(organization) -> list[dict]:
    return [checkpoint_document(c) for c in Checkpoint.objects.filter(organization=organization).order_by("pk")]


def _receipts(organization) -> list[dict]:
    """Each purged run with the hashes of its deleted events, read from the signed tree (when it covers them)."""
    reader, receipts = TreeReader(organization), []
    for run in purged_ranges(organization):
        try:
            leaves = [leaf.hex() for leaf in reader.leaves(run.first_seq - 1, run.last_seq - 1)]
        except TreeIncomplete:
            leaves = None
        receipts.append({**dataclasses.asdict(run), "hashes": leaves})  # every field the receipt has, and the hashes
    return receipts


def _redactions(organization) -> list[dict]:
    """Each erasure and its redactions; its `erasure.completed` event in the chain commits to their digest."""
    return [{"erasure": erasure.pk, "redactions_digest": erasure.redactions_digest,
             "redactions": [list(row) for row in erasure.redactions.order_by("seq").values_list(
                 "seq", "original_hash", "redacted_hash")]}
            for erasure in Erasure.objects.filter(organization=organization).order_by("pk")]


def export_bundle(organization, acting, *, progress=None):
    """Build the bundle and record it as `audit.exported` with its manifest; returns (file at 0, file name)."""
    bundle, manifest = build_bundle(organization, progress=progress)
    digest, size = hashlib.sha256(), 0
    while chunk := bundle.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    bundle.seek(0)
    file_name = f"trailproof-{organization.slug}-{timezone.now():%Y%m%dT%H%M%SZ}.bundle.zip"
    record_action(organization, "audit.exported", acting, metadata={
        "file_name": file_name, "format": "bundle", "filters": {}, "row_count": manifest["event_count"],
        "first_seq": manifest["first_seq"], "last_seq": manifest["last_seq"], "bytes": size,
        "sha256": digest.hexdigest(), "complete": True})
    return bundle, file_name


def bundle_response(organization, acting) -> FileResponse:
    """The whole trail as a bundle download (page and API)."""
    bundle, file_name = export_bundle(organization, acting)
    response = FileResponse(bundle, content_type="application/zip", as_attachment=True, filename=file_name)
    response["Cache-Control"] = "no-store"
    return response
