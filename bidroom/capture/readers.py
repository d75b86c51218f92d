"""One connection to one camera: `open_reader(source)` connects, `read()` returns the next
decoded frame (BGR) or raises, `close()` lets go.

RTSP goes through PyAV over TCP with small probe settings, so the H.264 packets it demuxes
are the camera's own: `on_packet` hands each one on (issue 10 records them without
re-encoding). MJPEG over HTTP, devices and files go through OpenCV; `synthetic:` makes a
moving test pattern with a clock, for the demo and the benchmarks.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np

from bidroom.capture.sources import Source


class Reader(Protocol):
    def read(self) -> np.ndarray: ...

    def close(self) -> None: ...


class SourceEnded(Exception):
    """The camera closed the stream (or a live file ended)."""


class RtspReader:
    def __init__(self, url: str, *, timeout: float, on_packet: Callable[[Any], None] | None = None) -> None:
        import av

        # TCP (no UDP loss), a small probe so the first frame comes in well under a second,
        # and a timeout on every socket operation (open and read).
        self.container = av.open(url, options={"rtsp_transport": "tcp", "probesize": "65536",
                                               "analyzeduration": "500000", "fflags": "nobuffer",
                                               "flags": "low_delay"}, timeout=(timeout, timeout))
        try:
            self.stream = self.container.streams.video[0]
        except IndexError:
            self.container.close()
            raise SourceEnded("the RTSP source has no video stream") from None
        self.on_packet = on_packet
        self._packets = self.container.demux(self.stream)

    def read(self) -> np.ndarray:
        for packet in self._packets:
            if packet.size == 0:
                continue  # the demuxer's flush packet at end of stream
            if self.on_packet is not None:
                self.on_packet(packet)
            for frame in packet.decode():
                return frame.to_ndarray(format="bgr24")
        raise SourceEnded("the RTSP stream ended")

    def close(self) -> None:
        self.container.close()


class OpenCvReader:
    """MJPEG over HTTP, a device, or a file (looped, at the file's own pace)."""

    def __init__(self, source: Source, *, timeout: float) -> None:
        ms = int(timeout * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
        if source.kind == "device":
            self.capture = cv2.VideoCapture(source.device, cv2.CAP_ANY, params)
        else:
            self.capture = cv2.VideoCapture(source.location, cv2.CAP_FFMPEG, params)
        if not self.capture.isOpened():
            self.capture.release()
            raise ConnectionError(f"cannot open {source.kind} source")
        self.loop = source.kind == "file"
        fps = self.capture.get(cv2.CAP_PROP_FPS) if self.loop else 0
        self.interval = 1 / fps if 0 < fps < 120 else 0.0
        self.next_at = time.monotonic()

    def read(self) -> np.ndarray:
        ok, image = self.capture.read()
        if not ok and self.loop:
            self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self.capture.read()
        if not ok or image is None:
            raise SourceEnded("no frame from the source")
        if self.interval:
            self.next_at += self.interval
            time.sleep(max(0.0, self.next_at - time.monotonic()))
        return image

    def close(self) -> None:
        self.capture.release()


class SyntheticReader:
    """A moving bar and ball over a colour of the name's own, with a frame counter."""

    def __init__(self, name: str, *, size: tuple[int, int], fps: float) -> None:
        self.width, self.height = size
        self.interval = 1 / fps
        self.count = 0
        hue = zlib.crc32(name.encode()) % 180
        swatch = np.uint8([[[hue, 90, 110]]])
        self.background = np.full((self.height, self.width, 3), cv2.cvtColor(swatch, cv2.COLOR_HSV2BGR)[0, 0],
                                  dtype=np.uint8)
        self.name = name
        self.next_at = time.monotonic()

    def read(self) -> np.ndarray:
        self.next_at += self.interval
        delay = self.next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            self.next_at = time.monotonic()  # fell behind: do not burst to catch up
        image = self.background.copy()
        x = self.count * 7 % self.width
        cv2.rectangle(image, (x, 0), (x + 24, self.height), (230, 230, 230), thickness=-1)
        t = self.count * self.interval
        cx = int(self.width / 2 + self.width / 3 * np.cos(t))
        cy = int(self.height / 2 + self.height / 3 * np.sin(t * 1.3))
        cv2.circle(image, (cx, cy), max(8, self.height // 12), (40, 200, 250), thickness=-1)
        cv2.putText(image, f"{self.name} #{self.count}", (10, self.height - 14), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.5, self.height / 500), (255, 255, 255), 1, cv2.LINE_AA)
        self.count += 1
        return image

    def close(self) -> None:
        pass


def open_reader(source: Source, *, timeout: float, synthetic_size: tuple[int, int] = (640, 360),
                synthetic_fps: float = 10, on_packet: Callable[[Any], None] | None = None) -> Reader:
    if source.kind == "rtsp":
        return RtspReader(source.location, timeout=timeout, on_packet=on_packet)
    if source.kind == "synthetic":
        return SyntheticReader(source.location, size=synthetic_size, fps=synthetic_fps)
    return OpenCvReader(source, timeout=timeout)
