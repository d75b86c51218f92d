"""canonical_json against canonical-json.md: vector J1, every J2 rejection, and properties."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import canonical_json
from canonical_json import CanonicalJSONError

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "canonical-json.md"


def _vector_lines() -> list[str]:
    text = SPEC.read_text(encoding="utf-8")
    block = text.split("<!-- vectors -->", 1)[1].split("<!-- /vectors -->", 1)[0]
    return block.splitlines()


def _j1() -> dict[str, str]:
    fields = {}
    for line in _vector_lines():
        key, sep, value = line.partition(" = ")
        if sep and key.strip() in {"input", "CJ hex", "length", "SHA-256"}:
            fields[key.strip()] = value.strip()
    return fields


J2 = [re.match(r"reject ([0-9a-f]+)\s+(.*)$", line).groups()  # type: ignore[union-attr]
      for line in _vector_lines() if line.startswith("reject ")]


def test_spec_has_every_rejection_vector() -> None:
    # Guards the parser: a silently empty list would make the parametrised test vacuous.
    assert len(J2) == 14


def test_j1_encodes_to_the_spec_bytes() -> None:
    j1 = _j1()
    encoded = canonical_json.dumps(json.loads(j1["input"]))
    assert encoded.hex() == j1["CJ hex"]
    assert f"{len(encoded)} bytes" == j1["length"]
    assert hashlib.sha256(encoded).hexdigest() == j1["SHA-256"]


def test_j1_bytes_read_back_to_the_same_value() -> None:
    data = bytes.fromhex(_j1()["CJ hex"])
    assert canonical_json.dumps(canonical_json.loads(data)) == data


@pytest.mark.parametrize(("hex_bytes", "why"), J2, ids=[why for _, why in J2])
def test_j2_reader_rejects(hex_bytes: str, why: str) -> None:
    with pytest.raises(CanonicalJSONError):
        canonical_json.loads(bytes.fromhex(hex_bytes))


def test_writer_composes_decomposed_text() -> None:
    assert canonical_json.dumps({"t": "Cafe\u0301"}) == '{"t":"Café"}'.encode()


def test_keys_sort_by_code_point_not_utf16() -> None:
    # UTF-16 order would put U+1F600 (a surrogate pair, 0xD83D…) before U+FF01.
    assert canonical_json.dumps({"\U0001F600": 1, "\uFF01": 2}) == '{"！":2,"😀":1}'.encode()


def test_writer_refuses_what_no_reader_accepts() -> None:
    for value in (1.5, 2**53, "\ud800", "\U0001FAE8", "x" * 65_537, [[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]):
        with pytest.raises(CanonicalJSONError):
            canonical_json.dumps(value)


# --- properties ---------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=12).map(
    lambda s: unicodedata.normalize("NFC", s))
_scalars = st.none() | st.booleans() | st.integers(-canonical_json.MAX_INT, canonical_json.MAX_INT) | _text
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(_text, inner, max_size=4), max_leaves=16)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@given(_values)
def test_round_trip(value: Any) -> None:
    assume(_depth(value) <= canonical_json.MAX_DEPTH)
    data = canonical_json.dumps(value)
    back = canonical_json.loads(data)
    assert canonical_json.dumps(back) == data
    assert json.loads(data) == back  # an ordinary JSON reader sees the same value


@given(_values)
def test_keys_appear_in_utf8_byte_order(value: Any) -> None:
    assume(_depth(value) <= canonical_json.MAX_DEPTH)

    def check(v: Any) -> None:
        if isinstance(v, dict):
            keys = [k.encode() for k in v]
            assert keys == sorted(keys)
            for member in v.values():
                check(member)
        elif isinstance(v, list):
            for member in v:
                check(member)

    check(canonical_json.loads(canonical_json.dumps(value)))


@given(_values, st.sampled_from([
    {"indent": 1}, {"ensure_ascii": True}, {"separators": (", ", ": ")}, {"sort_keys": False}]))
def test_any_other_encoding_is_rejected(value: Any, options: dict[str, Any]) -> None:
    assume(_depth(value) <= canonical_json.MAX_DEPTH)
    value = canonical_json.loads(canonical_json.dumps(value))
    settings = {"ensure_ascii": False, "sort_keys": True, "separators": (",", ":"), **options}
    if "indent" in options:
        del settings["separators"]
    if options == {"sort_keys": False}:
        value = _reverse_keys(value)
    other = json.dumps(value, **settings).encode()
    assume(other != canonical_json.dumps(value))
    with pytest.raises(CanonicalJSONError):
        canonical_json.loads(other)


def _reverse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(v) for v in value]
    return value


@given(_values, st.data())
def test_flipped_byte_never_reads_as_the_same_value(value: Any, data: st.DataObject) -> None:
    assume(_depth(value) <= canonical_json.MAX_DEPTH)
    encoded = bytearray(canonical_json.dumps(value))
    i = data.draw(st.integers(0, len(encoded) - 1))
    encoded[i] ^= data.draw(st.integers(1, 255))
    try:
        back = canonical_json.loads(bytes(encoded))
    except CanonicalJSONError:
        return
    assert canonical_json.dumps(back) == bytes(encoded) != canonical_json.dumps(value)
