"""The fast canonical form is byte-identical to the RFC 8785 reference library, for any JSON value."""
import json
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit import canonical
from audit.canonical import TIMESTAMP_FORMAT, canonical_bytes, format_timestamp

SAFE = 2**53 - 1

# Characters from every region that matters: controls, ASCII, Latin-1, the BMP below and above the
# surrogate block (U+E000..U+FFFF sorts after astral characters in UTF-16 but before them by code point),
# and astral planes. Lone surrogates are excluded: JSON text cannot carry them (tested separately).
characters = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x7F),
    st.characters(min_codepoint=0x80, max_codepoint=0xD7FF),
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    st.sampled_from(["\u2028", "\u2029", "\x7f", "\ufeff", "\ufffd", "\U0001f600", "\ue000", "\uffff"]),
)
texts = st.text(characters, max_size=12)
keys = st.one_of(texts, st.sampled_from(["a", "b", "\ue000", "\U0001f600", "\uffff", "\U00010000", "é", ""]))
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e21, 1e20, 1e-6, 1e-7, 5e-324, 1.7976931348623157e308,
                     9007199254740992.0, 0.1, 123456789012345680000.0, 4.35, 0.000001234]),
    st.integers(min_value=-(2**60), max_value=2**60).map(float),
)
integers = st.one_of(st.integers(min_value=-SAFE, max_value=SAFE), st.sampled_from([SAFE, -SAFE, 0, -1]))
scalars = st.one_of(st.none(), st.booleans(), integers, floats, texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
@example({"\ue000": 1, "\U0001f600": 2})
@example({"a": -0.0, "b": [1.0, 1e21, 1e-7, 5e-324]})
@example({"\u20ac": "\x00\x1f\x7f\u2028", "\r": "\b\f\n\t\"\\"})
def test_fast_path_matches_the_reference_for_any_json_value(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(keys, scalars, min_size=2, max_size=8))
def test_objects_are_ordered_by_utf16_code_units(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


@settings(max_examples=2000, deadline=None)
@given(floats)
def test_floats_are_written_as_ecmascript_numbers(value):
    assert canonical_bytes({"n": value, "l": [value]}) == rfc8785.dumps({"n": value, "l": [value]})


@pytest.mark.parametrize("value", [SAFE + 1, -(SAFE + 1), 2**64, -(2**70)])
def test_integers_beyond_the_safe_range_are_refused_like_the_reference(value):
    with pytest.raises(rfc8785.IntegerDomainError):
        rfc8785.dumps({"n": value})
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_bytes({"n": value})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_floats_are_refused_like_the_reference(value):
    with pytest.raises(rfc8785.FloatDomainError):
        canonical_bytes([value])


def test_lone_surrogates_are_refused_like_the_reference():
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_bytes({"text": "\ud800"})


def test_values_outside_plain_json_types_take_the_reference_path():
    assert canonical_bytes({"t": (1, 2.5, "x")}) == rfc8785.dumps({"t": (1, 2.5, "x")}) == b'{"t":[1,2.5,"x"]}'
    assert canonical_bytes({"b": True, "n": None}) == b'{"b":true,"n":null}'


# RFC 8785 §3.2.2.3 and Appendix B: IEEE 754 bit patterns and their canonical text.
NUMBER_VECTORS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), NUMBER_VECTORS)
def test_rfc8785_number_vectors(bits, text):
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert canonical_bytes([value]) == f"[{text}]".encode()


def test_rfc8785_sorting_vector():
    """RFC 8785 §3.2.3: properties ordered by UTF-16 code units."""
    value = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
             "1": "One", "\U0001f600": "Emoji: Grinning Face", "\x80": "Control",
             "\xf6": "Latin Small Letter O With Diaeresis"}
    expected = ('{"\\r":"Carriage Return","1":"One","\x80":"Control","\xf6":"Latin Small Letter O With Diaeresis",'
                '"\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}')
    assert canonical_bytes(value) == expected.encode()


def test_rfc8785_sample_vector():
    """RFC 8785 §3.2.4, the example input and its canonical output."""
    value = json.loads('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
                       ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
                       ' "literals": [null, true, false]}')
    expected = ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
                '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')
    assert canonical_bytes(value) == expected.encode()


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_timestamps_format_like_strftime(moment, offset_minutes):
    shifted = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    expected = f"{moment.year:04d}" + moment.strftime(TIMESTAMP_FORMAT.removeprefix("%Y"))  # four digits always
    assert format_timestamp(shifted) == format_timestamp(moment) == expected


def test_event_shaped_documents_take_the_fast_path(monkeypatch):
    """Floats and non-ASCII keys below U+E000 must not push a document onto the slow reference path."""
    original, whole_documents = rfc8785.dumps, []

    def spy(value):
        if not isinstance(value, float):  # the fast path asks the reference for single floats only
            whole_documents.append(value)
        return original(value)

    monkeypatch.setattr(canonical.rfc8785, "dumps", spy)
    document = {"seq": 7, "metadata": {"amount": 1234.5, "größe": -0.0, "tags": ["a", 1.0]}, "reason": "ok \u20ac"}
    assert canonical_bytes(document) == original(document)
    assert whole_documents == []
