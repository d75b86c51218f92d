"""One segment file: fragmented MP4 with H.264 that browsers play (chain.md §7's segments).

Two ways in, no Django:
- `Remuxer`: the camera's own H.264 packets (RTSP), copied without re-encoding, starting at
  a key frame;
- `Encoder`: decoded images (MJPEG, files, synthetic) encoded with libx264 on one thread,
  a key frame every second.

Fragments of about a second (`frag_duration`) are written and flushed to the file as they
close, so a crash loses about the last fragment and the cut file still plays: the moov box
is at the front (`empty_moov`) and every fragment stands alone (`default_base_moof`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av

MS = Fraction(1, 1000)


def _options(fragment_seconds: float) -> dict[str, str]:
    return {"movflags": "empty_moov+default_base_moof+frag_keyframe",
            "frag_duration": str(int(fragment_seconds * 1_000_000)), "flush_packets": "1"}


class Remuxer:
    """H.264 packets from an input stream into one file. `add` returns False (and writes
    nothing) until the first key frame."""

    def __init__(self, path: Path, template: Any, *, fragment_seconds: float = 1.0) -> None:
        self.path = path
        self.container = av.open(str(path), "w", format="mp4", options=_options(fragment_seconds))
        self.stream = self.container.add_stream_from_template(template)
        self.time_base: Fraction = template.time_base
        self.first: int | None = None
        self.last: int | None = None        # the latest presentation time written
        self.last_dts: int | None = None
        self.last_duration = 0
        self.packets = 0

    def add(self, packet: Any) -> bool:
        if packet.pts is None:
            return False
        if self.first is None:
            if not packet.is_keyframe:
                return False
            self.first = packet.pts
        pts = packet.pts - self.first
        dts = packet.dts - self.first if packet.dts is not None else pts
        if dts < 0 and self.last_dts is None:
            dts = 0
        if pts < 0 or (self.last_dts is not None and dts <= self.last_dts) or dts > pts:
            return False   # late, repeated or broken: a segment's decode times only rise
        # A copy: the reader still decodes the camera's packet for the live view, and muxing
        # rewrites a packet's times and stream.
        out = av.Packet(bytes(packet))
        out.pts, out.dts, out.time_base = pts, dts, self.time_base
        out.duration = packet.duration or 0
        out.is_keyframe = packet.is_keyframe
        out.stream = self.stream
        self.container.mux(out)
        self.last_dts = dts
        if self.last is None or pts >= self.last:
            self.last, self.last_duration = pts, packet.duration or 0
        self.packets += 1
        return True

    @property
    def seconds(self) -> float:
        """Media time covered so far (the last packet's time plus its duration)."""
        if self.last is None:
            return 0.0
        return float((self.last + self.last_duration) * self.time_base)

    def close(self) -> None:
        self.container.close()


class Encoder:
    """BGR images into H.264; `add(image, ms)` with the image's time in milliseconds since
    the segment began (strictly rising)."""

    def __init__(self, path: Path, *, width: int, height: int, fps: float, fragment_seconds: float = 1.0) -> None:
        self.path = path
        self.container = av.open(str(path), "w", format="mp4", options=_options(fragment_seconds))
        self.stream = self.container.add_stream("libx264", rate=Fraction(round(fps * 1000), 1000))
        self.stream.width, self.stream.height = width - width % 2, height - height % 2
        self.stream.pix_fmt = "yuv420p"
        self.stream.codec_context.time_base = MS
        self.stream.codec_context.thread_count = 1
        self.stream.codec_context.thread_type = "SLICE"
        self.stream.codec_context.gop_size = max(1, round(fps))
        self.stream.codec_context.options = {"preset": "veryfast", "tune": "zerolatency", "crf": "28",
                                             "threads": "1"}
        self.interval_ms = max(1, round(1000 / fps))
        self.last: int | None = None
        self.packets = 0

    def add(self, image: Any, ms: int) -> bool:
        if self.last is not None and ms <= self.last:
            return False
        frame = av.VideoFrame.from_ndarray(image, format="bgr24")
        if frame.width != self.stream.width or frame.height != self.stream.height:
            frame = frame.reformat(width=self.stream.width, height=self.stream.height)
        frame.pts, frame.time_base = ms, MS
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
            self.packets += 1
        self.last = ms
        return True

    @property
    def seconds(self) -> float:
        return 0.0 if self.last is None else (self.last + self.interval_ms) / 1000

    def close(self) -> None:
        try:
            for packet in self.stream.encode(None):
                self.container.mux(packet)
                self.packets += 1
        finally:
            self.container.close()


def media_seconds(path: Path) -> float:
    """How long a (possibly cut) segment file plays, by demuxing it to its last packet; 0.0
    when nothing in it can be read."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            first = end = None
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                first = packet.pts if first is None else min(first, packet.pts)
                end = max(end or 0, packet.pts + (packet.duration or 0))
            if first is None or end is None:
                return 0.0
            return float((end - first) * stream.time_base)
    except (av.FFmpegError, IndexError):
        return 0.0


def decoded_frames(path: Path) -> int:
    """Frames a player decodes from the file (the tests' check that a segment plays)."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
