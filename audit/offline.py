"""What an auditor needs without our code's dependencies: RFC 8785 JSON, event hashes and signed checkpoint bytes.

Standard library only (the offline bundle verifier imports it; no Django, no orjson, no rfc8785).
`canonical_json` writes the bytes `rfc8785.dumps` writes (tests/proofs/test_offline_canonical.py proves it
with hypothesis). The common document (ASCII keys, no floats) takes `json.dumps(sort_keys=True)`, which
then writes the same bytes; anything else goes through the careful encoder below.
"""
import hashlib
import json
import math
from decimal import Decimal

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "organization", "seq", "event_id", "action", "category", "occurred_at", "recorded_at", "actor",
    "automation", "outcome", "reason", "targets", "run", "task", "blueprint", "changes", "source",
    "metadata", "recorded_via",
)
_EXPORTED_KEYS = {*HASHED_FIELDS, "id", "prev_hash", "hash"}
CHECKPOINT_SIGNED_FIELDS = ("tree_size", "root", "head_hash", "signed_at", "key_id", "previous")
_SAFE_INT = 2**53 - 1
_dumps_sorted = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                                 allow_nan=False).encode


class NotCanonical(ValueError):
    """The value has no RFC 8785 form (NaN, infinity, an unsafe integer, a lone surrogate, a non-JSON type)."""


def hashed_document(event: dict) -> dict:
    """What the chain commits to for one event, from its stored (read) representation.

    The actor is committed to by kind and id only: name and email are personal data kept in the actor
    directory, so that erasing them never breaks a proof.
    """
    if event.keys() == _EXPORTED_KEYS:  # an event as Trailproof writes it: every hashed field and three more
        document = event.copy()
        del document["id"], document["prev_hash"], document["hash"]
    else:
        document = dict(zip(HASHED_FIELDS, map(event.get, HASHED_FIELDS), strict=True))
    actor = event["actor"]
    document["actor"] = {"kind": actor["kind"], "id": actor["id"]}
    return document


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def event_hash(prev_hash: str, event: dict) -> str:
    return chain_hash(prev_hash, canonical_json(hashed_document(event)))


def sorted_json(document) -> bytes:
    """Compact JSON with sorted keys, by the standard library: RFC 8785 for most events (see content_hash)."""
    return _dumps_sorted(document).encode("utf-8")


def content_hash(event: dict, quick_json=sorted_json) -> str:
    """The chain hash of the event's content and stored `prev_hash` (equal to its `hash` when unaltered).

    Optimistic first: compact JSON with sorted keys is the RFC 8785 form of documents without floats or
    unusual keys, and bytes that reproduce the stored hash cannot be wrong (that would take a SHA-256
    collision, as long as `quick_json` writes different documents differently); only a miss is written again
    by the careful encoder.
    """
    prev_hash, document = event["prev_hash"], hashed_document(event)
    try:
        quick = chain_hash(prev_hash, quick_json(document))
        if quick == event["hash"]:
            return quick
    except (ValueError, TypeError, RecursionError):
        pass
    return chain_hash(prev_hash, canonical_json(document))


def event_hash_matches(event: dict) -> bool:
    return content_hash(event) == event["hash"]


def redactions_digest(rows) -> str:
    """What an `erasure.completed` event commits to: its redactions as sorted (seq, chained hash, redacted hash)."""
    lines = "".join(f"{seq}:{original}:{redacted}\n" for seq, original, redacted in sorted(rows))
    return hashlib.sha256(lines.encode()).hexdigest()


def checkpoint_signed_bytes(checkpoint: dict) -> bytes:
    """The bytes a checkpoint's signature covers: the RFC 8785 form of every field but the signature."""
    return canonical_json({name: checkpoint[name] for name in CHECKPOINT_SIGNED_FIELDS})


def canonical_json(value) -> bytes:
    try:
        return "".join(_encode(value)).encode("utf-8")
    except (UnicodeEncodeError, RecursionError) as error:
        raise NotCanonical(str(error)) from None


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _encode(value):
    kind = type(value)
    if value is None:
        yield "null"
    elif value is True:
        yield "true"
    elif value is False:
        yield "false"
    elif kind is str:
        yield _dumps_sorted(value)
    elif kind is int:
        if abs(value) > _SAFE_INT:
            raise NotCanonical(f"{value} is outside the range JSON numbers keep exactly")
        yield str(value)
    elif kind is float:
        yield es6_number(value)
    elif kind is dict:
        yield "{"
        for position, key in enumerate(sorted(value, key=_key_order)):
            yield ("," if position else "") + _dumps_sorted(key) + ":"
            yield from _encode(value[key])
        yield "}"
    elif kind is list:
        yield "["
        for position, item in enumerate(value):
            if position:
                yield ","
            yield from _encode(item)
        yield "]"
    else:
        raise NotCanonical(f"{kind.__name__} is not a JSON type")


def _key_order(key):
    if type(key) is not str:
        raise NotCanonical("object keys must be strings")
    return _utf16_key(key)


def es6_number(value: float) -> str:
    """ECMAScript's Number.prototype.toString, which RFC 8785 prescribes for every number."""
    if math.isnan(value) or math.isinf(value):
        raise NotCanonical("NaN and infinity have no JSON form")
    if value == 0:
        return "0"
    # repr gives the shortest digits that round-trip, as ECMAScript asks; value = digits x 10^(point - count)
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    count, point = len(digits), len(digits) + exponent
    sign = "-" if value < 0 else ""
    if count <= point <= 21:
        return sign + digits + "0" * (point - count)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    exp = point - 1
    mantissa = digits[0] + ("." + digits[1:] if count > 1 else "")
    return f"{sign}{mantissa}e{'+' if exp > 0 else '-'}{abs(exp)}"
