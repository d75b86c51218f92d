"""The recording chain of chain.md §7, pure: no Django, so `python -m recording.verify` and
outside verifiers share it.

    link_0 = 32 zero bytes
    link_n = SHA-256("sunbid/rec/link/v1" ‖ link_{n−1} ‖ SHA-256(CJ(row_n)))
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import canonical_json

LINK_0 = bytes(32)
DOMAIN = b"sunbid/rec/link/v1"
SEGMENT_FIELDS = frozenset({"camera", "seq", "kind", "start", "end", "sha256", "size"})
GAP_FIELDS = frozenset({"camera", "seq", "kind", "start", "end", "reason"})
GAP_REASONS = frozenset({"camera_offline", "worker_restart", "encoder_error", "lease_handover", "storage_full",
                         "clock_jump"})
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_CAMERA = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")


class RowInvalid(ValueError):
    pass


def row_hash(row: dict[str, Any]) -> bytes:
    return hashlib.sha256(canonical_json.dumps(row)).digest()


def rec_link(previous: bytes, row: dict[str, Any]) -> bytes:
    if len(previous) != 32:
        raise ValueError("a link is 32 bytes")
    return hashlib.sha256(DOMAIN + previous + row_hash(row)).digest()


def segment_row(*, camera: str, seq: int, start: str, end: str, sha256: str, size: int) -> dict[str, Any]:
    return {"camera": camera, "seq": seq, "kind": "segment", "start": start, "end": end, "sha256": sha256,
            "size": size}


def gap_row(*, camera: str, seq: int, start: str, end: str, reason: str) -> dict[str, Any]:
    return {"camera": camera, "seq": seq, "kind": "gap", "start": start, "end": end, "reason": reason}


def check_row(row: Any) -> None:
    """Raise RowInvalid unless `row` has exactly the fields of its kind, well typed."""
    if not isinstance(row, dict):
        raise RowInvalid("not an object")
    kind = row.get("kind")
    fields = SEGMENT_FIELDS if kind == "segment" else GAP_FIELDS if kind == "gap" else None
    if fields is None or set(row) != fields:
        raise RowInvalid(f"fields of a {kind!r} row")
    if not isinstance(row["camera"], str) or not _CAMERA.match(row["camera"]):
        raise RowInvalid("camera")
    if type(row["seq"]) is not int or row["seq"] < 1:
        raise RowInvalid("seq")
    for key in ("start", "end"):
        if not isinstance(row[key], str) or not _TS.match(row[key]):
            raise RowInvalid(key)
    if kind == "segment":
        if not isinstance(row["sha256"], str) or not _HEX64.match(row["sha256"]):
            raise RowInvalid("sha256")
        if type(row["size"]) is not int or row["size"] < 0:
            raise RowInvalid("size")
    elif row["reason"] not in GAP_REASONS:
        raise RowInvalid("reason")
