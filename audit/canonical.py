"""The canonical JSON form (RFC 8785) that the hash chain is computed over, and the chain hash itself.

`rfc8785` is the reference. orjson with sorted keys writes the same bytes for strings, safe integers,
booleans, null, lists and objects whose keys sort the same by code point as by UTF-16 code unit, so
documents take that path; each float is written by the reference and spliced in as a pre-serialized
fragment. Anything else (big integers, tuples, subclasses, unusual keys) is written by the reference.
tests/audit/test_canonical.py proves the two byte-identical with hypothesis.
"""
from datetime import UTC

import orjson
import rfc8785

# One definition of the hashed document and of the chain hash, shared with the offline verifier (standard library
# only).
from .offline import GENESIS_HASH, HASHED_FIELDS, chain_hash, hashed_document  # noqa: F401

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_SAFE_INT = 2**53 - 1
_FIRST_UNSORTED_BMP = "\ue000"  # from here on, UTF-16 orders astral characters (surrogates) first


class _Reference(Exception):
    """This value must be written by the reference implementation."""


def _key_sorts_alike(key) -> bool:
    return type(key) is str and (key.isascii() or not key or max(key) < _FIRST_UNSORTED_BMP)


def _for_orjson(value):
    """`value` as orjson should write it: floats replaced by RFC 8785 fragments (copying only what holds one)."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is int:
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value
        raise _Reference
    if kind is float:
        return orjson.Fragment(rfc8785.dumps(value))
    if kind is dict:
        copy = None
        for key, item in value.items():
            if not (type(key) is str and key.isascii()) and not _key_sorts_alike(key):
                raise _Reference
            if type(item) is str or item is None:  # the common leaves, without a call
                continue
            ready = _for_orjson(item)
            if ready is not item:
                if copy is None:
                    copy = dict(value)
                copy[key] = ready
        return value if copy is None else copy
    if kind is list:
        copy = None
        for position, item in enumerate(value):
            if type(item) is str or item is None:
                continue
            ready = _for_orjson(item)
            if ready is not item:
                if copy is None:
                    copy = list(value)
                copy[position] = ready
        return value if copy is None else copy
    raise _Reference


def canonical_bytes(value) -> bytes:
    """The RFC 8785 serialization of `value`, exactly as `rfc8785.dumps` writes it (or its error)."""
    try:
        return orjson.dumps(_for_orjson(value), option=orjson.OPT_SORT_KEYS)
    except (_Reference, rfc8785.CanonicalizationError, orjson.JSONEncodeError, RecursionError):
        return rfc8785.dumps(value)


def reference_bytes(value) -> bytes:
    """The reference serialization, for tests and benchmarks."""
    return rfc8785.dumps(value)


def format_timestamp(moment) -> str:
    """UTC, microsecond precision, `Z` suffix: the one textual form of a timestamp in hashes and output."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat always writes a four-digit year (strftime's %Y does not below 1000 on Linux), and is faster.
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


def event_hash(prev_hash: str, event: dict) -> str:
    return chain_hash(prev_hash, canonical_bytes(hashed_document(event)))
