"""What a camera's `source` names, parsed once: the worker picks its reader by `kind`, and
services refuse a malformed source with a message before it is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

Kind = Literal["rtsp", "mjpeg", "file", "device", "synthetic"]

_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]*@")
_SYNTHETIC = re.compile(r"^synthetic:([A-Za-z0-9][A-Za-z0-9 _.-]{0,63})$")


@dataclass(frozen=True)
class Source:
    kind: Kind
    location: str          # the URL, path, device number or synthetic name

    @property
    def device(self) -> int:
        return int(self.location)


class MalformedSource(ValueError):
    pass


def parse(text: str) -> Source:
    """Raise MalformedSource for anything that is not one of the five forms."""
    text = text.strip()
    if not text or any(c in text for c in "\r\n\t\0"):
        raise MalformedSource(text)
    if text.isdigit() and len(text) <= 3:
        return Source("device", text)
    if match := _SYNTHETIC.match(text):
        return Source("synthetic", match.group(1))
    scheme = text.split(":", 1)[0].lower() if "://" in text else ""
    if scheme in ("rtsp", "http", "https"):
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError as e:
            raise MalformedSource(text) from e
        if not parts.hostname or " " in text:
            raise MalformedSource(text)
        return Source("rtsp" if scheme == "rtsp" else "mjpeg", text)
    if scheme or ":" in text.split("/", 1)[0]:
        raise MalformedSource(text)   # another scheme (ftp://, rtmp://) or a stray colon
    if text.startswith("/") or text.startswith("."):
        return Source("file", str(Path(text)))
    raise MalformedSource(text)


def redacted(text: str) -> str:
    """The source without a password, for logs and pages (cameras often carry one in the URL).
    A regular expression, not urlsplit: it must work on malformed URLs too."""
    return _PASSWORD.sub(r"\1***@", text)
