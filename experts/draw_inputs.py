"""The draw's error type and its input rules (draw.md §2). Pure: stdlib only."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["DrawError", "count", "hex32", "nonnegative", "plain_texts", "text", "witness"]

MAX_TEXT = 64
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_WITNESS = re.compile("[0-9]{6,64}")
_HEX32 = re.compile("[0-9a-f]{64}")


class DrawError(Exception):
    """A draw or its record fails a check; `code` is one of draw.md §7's table."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def _invalid(what: str, value: Any) -> DrawError:
    return DrawError("INPUT_INVALID", f"{what} {value!r}")


def text(value: Any, what: str, *, allow_empty: bool = False) -> str:
    """`value` NFC-normalised and checked: no control characters, at most 64 code points.

    Normalising rather than refusing follows canonical-json.md §2: what people type is
    NFC-normalised before it is stored, so what is stored is what is hashed.
    """
    if not isinstance(value, str):
        raise _invalid(what, value)
    nfc = unicodedata.normalize("NFC", value)
    if (not nfc and not allow_empty) or len(nfc) > MAX_TEXT or _CONTROL.search(nfc):
        raise _invalid(what, value)
    return nfc


def plain_texts(values: list[Any], *, allow_empty: bool = False) -> bool:
    """True when every value is a `str` (not a subclass) that `text` returns unchanged and that
    is ASCII: then it is already NFC, every code point is assigned (canonical-json.md §1 rule 4)
    and UTF-8 byte order is code point order. False says nothing: check each value with `text`.

    One pass in C over all the values at once, for the thousands of ids and values of a pool.
    """
    if not values:
        return True
    if set(map(type, values)) != {str}:
        return False
    joined = "".join(values)
    # ASCII and printable: no U+0000–U+001F, no U+007F (the only ASCII that isprintable refuses).
    if not (joined.isascii() and joined.isprintable()):
        return False
    lengths = set(map(len, values))
    return max(lengths) <= MAX_TEXT and (allow_empty or min(lengths) > 0)


def witness(value: Any) -> str:
    """The supervisor's dice digits, ASCII `[0-9]{6,64}`."""
    if not isinstance(value, str) or not _WITNESS.fullmatch(value):
        raise _invalid("witness", value)
    return value


def hex32(value: Any, what: str) -> str:
    """A 32-byte value as 64 lowercase hex digits (hashes, links, the secret)."""
    if not isinstance(value, str) or not _HEX32.fullmatch(value):
        raise _invalid(what, value)
    return value


def count(value: Any, what: str) -> int:
    """A positive integer (k, a position, contact attempts); bool is not an integer here."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _invalid(what, value)
    return value


def nonnegative(value: Any, what: str) -> int:
    """An integer ≥ 0 (m, contact minutes)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _invalid(what, value)
    return value
