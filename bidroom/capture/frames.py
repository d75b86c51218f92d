"""A frame on its way to the browsers: stamped with the camera and platform time, encoded once
per rendition as JPEG, and framed with the small binary header the page reads.

Header (big-endian): 0x01, camera-id length (u8), camera id (ASCII), rendition (u8: 0 grid,
1 focus), sequence (u32), capture time (u64, platform time in µs since the epoch); then the
JPEG. static/js/live.js reads the same layout.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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


# Camera names are Chinese and OpenCV's fonts are ASCII only: the name is drawn once per camera
# and size with Pillow in Noto Sans CJK (Debian's fonts-noto-cjk), then copied onto each frame.
CJK_FONTS = [Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
             Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")]


@functools.lru_cache(maxsize=256)
def _name_bitmap(name: str, height: int) -> np.ndarray | None:
    """White on black, `height` pixels high; None when there is no CJK font to draw it with."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = next((p for p in CJK_FONTS if p.exists()), None)
    if font_path is None:
        return None
    font = ImageFont.truetype(str(font_path), size=max(8, int(height * 0.8)))
    width = int(font.getlength(name)) + 4
    canvas = Image.new("L", (width, height), 0)
    ImageDraw.Draw(canvas).text((2, height // 2), name, fill=255, font=font, anchor="lm")
    return cv2.cvtColor(np.asarray(canvas), cv2.COLOR_GRAY2BGR)


def can_draw_cjk() -> bool:
    return any(p.exists() for p in CJK_FONTS)


def stamp(image: np.ndarray, label: str, moment: datetime) -> np.ndarray:
    """Write the camera's name and platform time (Beijing time) on a copy's top-left corner.
    A name OpenCV cannot draw is drawn with a CJK font, or, without one, left out (the label
    should then be the camera id)."""
    out = image.copy()
    local = moment.astimezone(UTC).timestamp() + 8 * 3600
    clock_text = f"{datetime.fromtimestamp(local, UTC):%Y-%m-%d %H:%M:%S}.{moment.microsecond // 100000}"
    scale = max(0.4, out.shape[1] / 1280)
    thickness = max(1, round(scale * 1.5))
    (_, h), base = cv2.getTextSize("0", cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    band = h + base + 10
    name = None if label.isascii() else _name_bitmap(label, band)
    text = clock_text if name is not None else f"{label}  {clock_text}"
    (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x = 0
    if name is not None:
        name = name[:, :max(0, min(name.shape[1], out.shape[1] - w - 24))]
        out[:band, :name.shape[1]] = name[:band] if out.shape[0] >= band else name[:out.shape[0]]
        x = name.shape[1] + 6
    cv2.rectangle(out, (x, 0), (x + w + 12, band), (0, 0, 0), thickness=-1)
    cv2.putText(out, text, (x + 6, h + 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness,
                cv2.LINE_AA)
    return out


def encode(image: np.ndarray, quality: int = 75) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buffer.tobytes()


def render(image: np.ndarray, *, label: str, moment: datetime, size: tuple[int, int], quality: int = 75) -> bytes:
    """One rendition: fit, stamp, encode."""
    return encode(stamp(fit(image, size), label, moment), quality)
