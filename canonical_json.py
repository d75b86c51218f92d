"""Canonical JSON (CJ), exactly as ../shared/specs/canonical-json.md defines it.

Every Sunbid hash or signature over JSON is over the bytes `dumps` returns, and every
reader of signed or hashed JSON uses `loads`, which refuses anything that is not
already canonical. Pure stdlib: the audit, seal, draw and recording verifiers share it,
so an outsider can reuse it without Django.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

__all__ = ["CanonicalJSONError", "dumps", "encode_checked", "loads", "normalize", "MAX_INT", "MAX_DEPTH"]

MAX_INT = 2**53 - 1
MAX_DEPTH = 16
MAX_STRING_BYTES = 65_536
# Python 3.11 ships Unicode 14.0, the table the spec pins "unassigned" to.
assert unicodedata.unidata_version == "14.0.0", "canonical JSON needs Python 3.11's Unicode 14.0"


class CanonicalJSONError(ValueError):
    """The value or the bytes break a rule of canonical JSON; the message names it."""


def _check_string(s: str) -> None:
    try:
        size = len(s.encode("utf-8"))
    except UnicodeEncodeError:
        raise CanonicalJSONError("string holds a lone surrogate") from None
    if size > MAX_STRING_BYTES:
        raise CanonicalJSONError(f"string of {size} bytes is longer than {MAX_STRING_BYTES}")
    if s.isascii():
        return  # every ASCII code point is assigned and already NFC
    if not unicodedata.is_normalized("NFC", s):
        raise CanonicalJSONError("string is not NFC-normalised")
    category = unicodedata.category
    for ch in s:
        if ch >= "\x80" and category(ch) == "Cn":
            raise CanonicalJSONError(f"code point U+{ord(ch):04X} is unassigned in Unicode 14.0")


def _check(value: Any, depth: int = 0) -> int:
    """Validate rules 2, 4 and 6 on an already-normalised value; return its depth."""
    if isinstance(value, str):
        _check_string(value)
        return 0
    if value is None or value is True or value is False:
        return 0
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise CanonicalJSONError(f"integer {value} is outside ±(2^53−1)")
        return 0
    if isinstance(value, dict):
        inner = 0
        for key, member in value.items():
            if not isinstance(key, str):
                raise CanonicalJSONError("object keys must be strings")
            _check_string(key)
            inner = max(inner, _check(member, depth + 1))
        result = inner + 1
    elif isinstance(value, (list, tuple)):
        inner = 0
        for member in value:
            inner = max(inner, _check(member, depth + 1))
        result = inner + 1
    else:
        raise CanonicalJSONError(f"{type(value).__name__} is not a canonical JSON value")
    if depth + result > MAX_DEPTH:
        raise CanonicalJSONError(f"nesting deeper than {MAX_DEPTH}")
    return result


def normalize(value: Any) -> Any:
    """Return the value with every string and key NFC-normalised (what writers store)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, member in value.items():
            nkey = unicodedata.normalize("NFC", key) if isinstance(key, str) else key
            if nkey in out:
                raise CanonicalJSONError(f"keys collide after NFC: {nkey!r}")
            out[nkey] = normalize(member)
        return out
    if isinstance(value, (list, tuple)):
        return [normalize(member) for member in value]
    return value


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def encode_checked(value: Any) -> bytes:
    """The canonical bytes of a value its caller has already made canonical: every string NFC
    and checked (rule 4), only the values of rule 2, depth within rule 6. Nothing is normalised
    or checked here; for such a value `dumps` returns these same bytes. For large values built
    from parts already checked, such as a draw's pool snapshot (experts.draw_pool.freeze)."""
    return _encode(value)


def dumps(value: Any) -> bytes:
    """The canonical bytes of `value`, after NFC-normalising its strings."""
    value = normalize(value)
    _check(value)
    return _encode(value)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise CanonicalJSONError("duplicate key")
    return out


def _reject_float(token: str) -> Any:
    raise CanonicalJSONError(f"number {token} has a fraction or exponent")


def _parse_int(token: str) -> int:
    if len(token.lstrip("-")) > 16:
        raise CanonicalJSONError(f"integer token {token} is longer than 16 digits")
    return int(token)


def _reject_constant(token: str) -> Any:
    raise CanonicalJSONError(f"{token} is not JSON")


_decoder = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_float=_reject_float,
                            parse_int=_parse_int, parse_constant=_reject_constant)


def loads(data: bytes) -> Any:
    """Parse bytes that must already be canonical JSON; anything else raises."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CanonicalJSONError(f"not UTF-8: {e}") from None
    try:
        value = _decoder.decode(text)
    except RecursionError:
        raise CanonicalJSONError(f"nesting deeper than {MAX_DEPTH}") from None
    except json.JSONDecodeError as e:
        raise CanonicalJSONError(f"not JSON: {e}") from None
    _check(value)
    if _encode(value) != data:
        raise CanonicalJSONError("bytes are not the canonical encoding of their value")
    return value
