"""Strict readers for the JSON fields the spec defines; each raises ValueError naming the field.

Callers turn ValueError into their own §7 code with `failing_as`, so one reader serves the
header (HEADER_INVALID), receipts (RECEIPT_INVALID), key files (KEY_FILE) and the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import canonical_json

from .errors import Code, SealError

_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


@contextmanager
def failing_as(code: Code) -> Iterator[None]:
    """Report any ValueError (CanonicalJSONError included) raised inside as `code`."""
    try:
        yield
    except ValueError as e:
        raise SealError(code, str(e)) from None


def load_object(data: bytes, what: str) -> dict[str, Any]:
    """A CJ object from bytes that must already be canonical."""
    value = canonical_json.loads(data)
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value


def exact_keys(obj: object, keys: frozenset[str] | set[str], what: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise ValueError(f"{what} is not an object")
    if set(obj) != set(keys):
        raise ValueError(f"{what} has fields {sorted(obj)}, not {sorted(keys)}")
    return obj


def unhex(value: object, size: int, what: str) -> bytes:
    """Lowercase hex of exactly `size` bytes (§2: byte strings in JSON are lowercase hex)."""
    if not isinstance(value, str) or len(value) != 2 * size or not _HEX.fullmatch(value):
        raise ValueError(f"{what} is not {size} bytes of lowercase hex")
    return bytes.fromhex(value)


def sorted_hashes(value: object, what: str) -> list[str]:
    """A non-empty, sorted list of distinct hex SHA-256 values (W's and receipts' headers)."""
    if not isinstance(value, list) or not value:
        raise ValueError(f"{what} is not a non-empty list")
    for item in value:
        unhex(item, 32, f"{what}[]")
    if value != sorted(set(value)):
        raise ValueError(f"{what} are not sorted and distinct")
    return value


def text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} is not a non-empty string")
    return value


def integer(value: object, minimum: int, what: str) -> int:
    # bool is an int in Python, never in JSON
    if type(value) is not int or value < minimum:
        raise ValueError(f"{what} is not an integer ≥ {minimum}")
    return value


def timestamp(value: object, what: str) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ`, a real UTC instant (§2)."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise ValueError(f"{what} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")  # noqa: DTZ007 - the Z is checked above
    return value


def format_time(moment: datetime) -> str:
    """The §2 form of an aware UTC datetime."""
    offset = moment.utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise ValueError("times are UTC")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
