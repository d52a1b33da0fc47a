"""The canonical JSON form (RFC 8785) that the hash chain is computed over, and the chain hash itself."""
import hashlib
from datetime import UTC

import orjson
import rfc8785

GENESIS_HASH = "0" * 64
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_SAFE_INT = 2**53 - 1


def _fast_path_applies(value) -> bool:
    """True when orjson with sorted keys writes exactly the RFC 8785 bytes for this value.

    That holds for strings, safe integers, booleans, null, lists and objects whose keys are ASCII (for
    non-ASCII keys RFC 8785 orders by UTF-16 code units); floats always take the reference path.
    """
    if value is None or value is True or value is False or type(value) is str:
        return True
    if type(value) is int:
        return -_SAFE_INT <= value <= _SAFE_INT
    if type(value) is dict:
        return all(type(k) is str and k.isascii() and _fast_path_applies(v) for k, v in value.items())
    if type(value) is list:
        return all(_fast_path_applies(item) for item in value)
    return False


def canonical_bytes(value) -> bytes:
    if _fast_path_applies(value):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return rfc8785.dumps(value)


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def format_timestamp(moment) -> str:
    """UTC, microsecond precision, `Z` suffix: the one textual form of a timestamp in hashes and output."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)



HASHED_FIELDS = (
    "organization", "seq", "event_id", "action", "category", "occurred_at", "recorded_at", "actor",
    "automation", "outcome", "reason", "targets", "run", "task", "blueprint", "changes", "source",
    "metadata", "recorded_via",
)


def hashed_document(event: dict) -> dict:
    """What the chain commits to for one event, from its stored (read) representation.

    The actor is committed to by kind and id only: name and email are personal data kept in the actor
    directory, so that erasing them never breaks a proof.
    """
    document = {name: event.get(name) for name in HASHED_FIELDS}
    document["actor"] = {"kind": event["actor"]["kind"], "id": event["actor"]["id"]}
    return document


def event_hash(prev_hash: str, event: dict) -> str:
    return chain_hash(prev_hash, canonical_bytes(hashed_document(event)))
