"""Recording from the capture worker's one connection to a camera (issue 10).

A `Recorder` lives as long as one connection: RTSP packets come through `packet` (the
reader's `on_packet` hook, remuxed), decoded images of other sources through `image`
(encoded). It cuts a segment every RECORDING_SEGMENT_SECONDS (at a key frame when
remuxing), when `cut` is asked (a demo clock jump), and at `close` (the connection ended).
Segment times are platform time: a segment starts at the platform time of its first
frame, or where the previous one on this connection ended, and lasts its media time.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from audit import clock
from bidroom.models import Gap
from recording import services
from recording.writer import Encoder, Remuxer

log = logging.getLogger("recording")

# Segment files this process is writing: a new runner for the same camera must not take
# them for a crashed worker's leftovers while the old connection thread finishes.
OPEN: set[Path] = set()


@dataclass(frozen=True)
class Settings:
    segment_seconds: float = 60.0
    fragment_seconds: float = 1.0
    fps: float = 10.0

    @classmethod
    def from_settings(cls, fps: float) -> Settings:
        from django.conf import settings

        return cls(segment_seconds=settings.RECORDING_SEGMENT_SECONDS,
                   fragment_seconds=settings.RECORDING_FRAGMENT_SECONDS, fps=fps)


class Recorder:
    def __init__(self, camera_pk: int, ident: str, config: Settings) -> None:
        self.camera_pk, self.ident, self.config = camera_pk, ident, config
        self.writer: Remuxer | Encoder | None = None
        self.start: datetime | None = None
        self.continuous = False          # the open segment follows another on this connection
        self.cut_wanted = threading.Event()
        self.committed = 0
        self.gap_reason: str = Gap.Reason.CAMERA_OFFLINE
        self.offset = clock.offset()
        self.cut_reason: str = Gap.Reason.CLOCK_JUMP

    def _jumped(self) -> bool:
        """The demo clock moved forward since the last frame (demo and test settings only)."""
        offset = clock.offset()
        jumped, self.offset = offset > self.offset, offset
        if jumped:
            self.cut(Gap.Reason.CLOCK_JUMP)
        return jumped

    # --- the two ways in ---------------------------------------------------------------
    def packet(self, packet: Any) -> None:
        """An H.264 packet of the RTSP connection, before it is decoded."""
        self._jumped()
        if self.writer is not None and (self.cut_wanted.is_set() or (
                packet.is_keyframe and self.writer.seconds >= self.config.segment_seconds)):
            self._rotate()
        if self.writer is None:
            if not packet.is_keyframe:
                return
            self._open(lambda path: Remuxer(path, packet.stream, fragment_seconds=self.config.fragment_seconds))
        assert isinstance(self.writer, Remuxer)
        self.writer.add(packet)

    def image(self, image: Any) -> None:
        """A decoded BGR image of an MJPEG, file, device or synthetic source."""
        self._jumped()
        now = clock.now()
        if self.writer is not None and (self.cut_wanted.is_set() or self.writer.seconds >= self.config.segment_seconds):
            self._rotate()
        if self.writer is None:
            height, width = image.shape[:2]
            self._open(lambda path: Encoder(path, width=width, height=height, fps=self.config.fps,
                                            fragment_seconds=self.config.fragment_seconds))
        assert isinstance(self.writer, Encoder) and self.start is not None
        self.writer.add(image, max(0, (now - self.start) // timedelta(milliseconds=1)))

    # --- segments ----------------------------------------------------------------------
    def cut(self, reason: str = Gap.Reason.CLOCK_JUMP) -> None:
        """End the segment at its media time; the next starts at the platform time of its first frame."""
        self.cut_reason = reason
        self.cut_wanted.set()

    def _open(self, make: Any) -> None:
        now = clock.now()
        if self.continuous and self.start is not None:
            start = self.start
        else:
            start = now
        self.start = start
        path = services.partial_path(self.ident, start)
        OPEN.add(path)
        self.writer = make(path)

    def _rotate(self) -> None:
        jumped = self.cut_wanted.is_set()
        end = self._finish()
        self.cut_wanted.clear()
        if jumped:
            self.gap_reason = self.cut_reason
        self.continuous = not jumped and end is not None
        self.start = end

    def _finish(self) -> datetime | None:
        writer, start = self.writer, self.start
        self.writer = None
        if writer is None or start is None:
            return None
        OPEN.discard(writer.path)
        try:
            writer.close()
        except Exception:  # noqa: BLE001  (a broken tail: the flushed fragments still play)
            log.exception("camera %s: closing the segment failed", self.ident)
        if writer.packets == 0:
            writer.path.unlink(missing_ok=True)
            return None
        end = start + timedelta(seconds=writer.seconds)
        try:
            services.segment_commit(camera_pk=self.camera_pk, path=writer.path, start=start, end=end,
                                    continuous=self.continuous, gap_reason=self.gap_reason)
            self.committed += 1
        except Exception:  # noqa: BLE001  (the file stays partial; the next holder chains it)
            log.exception("camera %s: could not chain the segment %s", self.ident, writer.path.name)
        self.gap_reason = Gap.Reason.CAMERA_OFFLINE
        return end

    def close(self) -> None:
        self._finish()
        self.continuous = False
