"""A frame on its way to the browsers: stamped with the camera and platform time, encoded once
per rendition as JPEG, and framed with the small binary header the page reads.

Header (big-endian): 0x01, camera-id length (u8), camera id (ASCII), rendition (u8: 0 grid,
1 focus), sequence (u32), capture time (u64, platform time in µs since the epoch); then the
JPEG. static/js/live.js reads the same layout.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime

import cv2
import numpy as np

GRID, FOCUS = 0, 1
_TAIL = struct.Struct(">BIQ")


@dataclass(frozen=True)
class Header:
    camera: str
    rendition: int
    seq: int
    captured_us: int


def pack(header: Header, jpeg: bytes) -> bytes:
    ident = header.camera.encode("ascii")
    return b"\x01" + bytes([len(ident)]) + ident + _TAIL.pack(header.rendition, header.seq, header.captured_us) + jpeg


def unpack(message: bytes) -> tuple[Header, bytes]:
    if not message or message[0] != 1:
        raise ValueError("not a frame message")
    n = message[1]
    ident = message[2:2 + n].decode("ascii")
    rendition, seq, captured_us = _TAIL.unpack_from(message, 2 + n)
    return Header(ident, rendition, seq, captured_us), message[2 + n + _TAIL.size:]


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale down (never up) to fit `size` (width, height), keeping the aspect ratio."""
    height, width = image.shape[:2]
    scale = min(size[0] / width, size[1] / height, 1.0)
    if scale >= 1.0:
        return image
    return cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                      interpolation=cv2.INTER_AREA)


def stamp(image: np.ndarray, label: str, moment: datetime) -> np.ndarray:
    """Write the label and platform time (Beijing time) on a copy's top-left corner."""
    out = image.copy()
    local = moment.astimezone(UTC).timestamp() + 8 * 3600
    text = f"{label}  {datetime.fromtimestamp(local, UTC):%Y-%m-%d %H:%M:%S}.{moment.microsecond // 100000}"
    scale = max(0.4, out.shape[1] / 1280)
    thickness = max(1, round(scale * 1.5))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    cv2.rectangle(out, (0, 0), (w + 12, h + base + 10), (0, 0, 0), thickness=-1)
    cv2.putText(out, text, (6, h + 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    return out


def encode(image: np.ndarray, quality: int = 75) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buffer.tobytes()


def render(image: np.ndarray, *, label: str, moment: datetime, size: tuple[int, int], quality: int = 75) -> bytes:
    """One rendition: fit, stamp, encode."""
    return encode(stamp(fit(image, size), label, moment), quality)
