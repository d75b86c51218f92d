"""The fixed-size form body (seal.md §4): CJ of the bid form, then 0x00 up to form_size."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import canonical_json

from .errors import SealError
from .labels import FORM_BLOCK


def check_form_size(form_size: int) -> int:
    if type(form_size) is not int or form_size <= 0 or form_size % FORM_BLOCK:
        raise ValueError(f"form_size is a positive multiple of {FORM_BLOCK}")
    return form_size


def pad_form(form: Mapping[str, Any], form_size: int = FORM_BLOCK) -> bytes:
    """The body of a form envelope; a form longer than form_size is not sealed (FORM_INVALID)."""
    check_form_size(form_size)
    if not isinstance(form, Mapping):
        raise SealError("FORM_INVALID", "the bid form is a JSON object")
    try:
        encoded = canonical_json.dumps(dict(form))
    except canonical_json.CanonicalJSONError as e:
        raise SealError("FORM_INVALID", str(e)) from None
    if len(encoded) > form_size:
        raise SealError("FORM_INVALID", f"the form is {len(encoded)} bytes, over {form_size}")
    return encoded + bytes(form_size - len(encoded))


def unpad_form(body: bytes) -> tuple[bytes, dict[str, Any]]:
    """The form's CJ bytes and object: the JSON ends at the first 0x00, all later bytes 0x00."""
    end = body.find(0)
    encoded, padding = (body, b"") if end < 0 else (body[:end], body[end:])
    if padding.count(0) != len(padding):
        raise SealError("FORM_INVALID", "a non-zero byte follows the form's JSON")
    try:
        form = canonical_json.loads(encoded)
    except canonical_json.CanonicalJSONError as e:
        raise SealError("FORM_INVALID", str(e)) from None
    if not isinstance(form, dict):
        raise SealError("FORM_INVALID", "the form is not a JSON object")
    return encoded, form
