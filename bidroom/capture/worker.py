"""The capture worker: one connection per camera it holds, a watchdog on wall-clock time,
reconnects with backoff, gaps for every outage, and the frame server the web processes read.

Threads: the main loop renews and takes leases and runs the watchdog; each camera has one
connection thread (a generation number retires a thread stuck in a read, see `check`); the
frame server has one thread per subscribed web process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, close_old_connections, connection

from audit import clock
from bidroom import leases
from bidroom.capture import frames
from bidroom.capture.readers import open_reader
from bidroom.capture.server import FrameServer
from bidroom.capture.sources import MalformedSource, parse, redacted
from bidroom.leases import Held
from bidroom.models import Gap
from recording.recorder import OPEN, Recorder
from recording.recorder import Settings as RecordingSettings
from recording.services import partials_recover

log = logging.getLogger("bidroom.capture")

BACKOFF = (1.0, 2.0, 4.0)   # seconds before reconnect attempts 1, 2, 3; then every 4 s


def backoff(attempt: int) -> float:
    return BACKOFF[min(attempt, len(BACKOFF) - 1)]


@dataclass(frozen=True)
class Config:
    lease: timedelta = timedelta(seconds=6)
    watchdog: float = 5.0
    connect_timeout: float = 5.0
    grid_size: tuple[int, int] = (640, 360)
    focus_size: tuple[int, int] = (1280, 720)
    synthetic_size: tuple[int, int] = (640, 360)
    synthetic_fps: float = 10.0
    quality: int = 75
    record: bool = True
    segment_seconds: float = 60.0
    fragment_seconds: float = 1.0

    @classmethod
    def from_settings(cls) -> Config:
        from django.conf import settings

        return cls(lease=timedelta(seconds=settings.CAPTURE_LEASE_SECONDS),
                   watchdog=settings.CAPTURE_WATCHDOG_SECONDS,
                   connect_timeout=settings.CAPTURE_CONNECT_TIMEOUT_SECONDS,
                   grid_size=tuple(settings.CAPTURE_GRID_SIZE), focus_size=tuple(settings.CAPTURE_FOCUS_SIZE),
                   synthetic_size=tuple(settings.CAPTURE_SYNTHETIC_SIZE),
                   synthetic_fps=settings.CAPTURE_SYNTHETIC_FPS, quality=settings.CAPTURE_JPEG_QUALITY,
                   segment_seconds=settings.RECORDING_SEGMENT_SECONDS,
                   fragment_seconds=settings.RECORDING_FRAGMENT_SECONDS)


class EncoderError(Exception):
    pass


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


class CameraRunner:
    """One camera's connection. Only the thread of the current generation publishes."""

    def __init__(self, held: Held, server: FrameServer, config: Config) -> None:
        self.held, self.server, self.config = held, server, config
        self.label = held.name if held.name.isascii() or frames.can_draw_cjk() else held.ident
        self.generation = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.activity: float | None = time.monotonic()   # last good frame or start of attempt; None backing off
        self.online = False
        self.reported_offline = False
        self.last_good_at: datetime | None = None
        self.seq = 0
        self.thread: threading.Thread | None = None
        if config.record:
            try:     # a segment a killed worker left half written: it plays to its last fragment
                partials_recover(camera_pk=held.pk, skip=frozenset(OPEN))
            except Exception:  # noqa: BLE001  (the files stay; the next start tries again)
                log.exception("camera %s: could not chain the cut segments", held.ident)
        server.add(held.ident)
        since = leases.open_gap_start(held.pk)
        server.set_status(held.ident, online=False, since=clock.format_ts(since) if since else None,
                          detail="connecting")

    def start(self) -> CameraRunner:
        self._spawn()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.server.remove(self.held.ident)

    def _spawn(self) -> None:
        with self.lock:
            self.generation += 1
            generation = self.generation
            self.activity = time.monotonic()
        self.thread = threading.Thread(target=self._run, args=(generation,),
                                       name=f"camera-{self.held.ident}-{generation}", daemon=True)
        self.thread.start()

    def _current(self, generation: int) -> bool:
        return generation == self.generation and not self.stopping.is_set()

    def check(self) -> None:
        """The watchdog: a hung camera can block a read for 30 s (and OpenCV's read() can
        still return True), so go by wall-clock time since the last good frame. The stuck
        thread is retired (its library timeout ends it later) and a new one connects."""
        activity = self.activity
        if self.stopping.is_set() or activity is None or time.monotonic() - activity <= self.config.watchdog:
            return
        generation = self.generation
        self._offline(generation, f"no frame for {self.config.watchdog:g} s")
        log.warning("camera %s: watchdog fired, reconnecting", self.held.ident)
        self._spawn()

    def _run(self, generation: int) -> None:
        attempt = 0
        try:
            while self._current(generation):
                self.activity = time.monotonic()
                recorder = self._recorder()
                try:
                    source = parse(self.held.source)
                    reader = open_reader(source, timeout=self.config.connect_timeout,
                                         synthetic_size=self.config.synthetic_size,
                                         synthetic_fps=self.config.synthetic_fps,
                                         on_packet=self._packet_hook(recorder) if source.kind == "rtsp" else None)
                    images_to = None if source.kind == "rtsp" else recorder
                except MalformedSource:
                    self._offline(generation, "malformed source")
                except Exception as e:  # noqa: BLE001  (any failure to connect is an outage)
                    self._offline(generation, f"cannot connect: {e}")
                else:
                    try:
                        while self._current(generation):
                            image = reader.read()
                            if not self._current(generation):
                                break
                            self._frame(generation, image, images_to)
                            attempt = 0
                    except EncoderError as e:
                        self._offline(generation, str(e), reason=Gap.Reason.ENCODER_ERROR)
                    except Exception as e:  # noqa: BLE001  (a read error, a closed stream)
                        self._offline(generation, f"read failed: {e}")
                    finally:
                        reader.close()
                        self._recorder_close(recorder)
                if not self._current(generation):
                    break
                self.activity = None
                self.stopping.wait(backoff(attempt))
                attempt += 1
        finally:
            connection.close()

    def _recorder(self) -> Recorder | None:
        """One recorder per connection: a reconnect starts a new segment."""
        if not self.config.record:
            return None
        return Recorder(self.held.pk, self.held.ident, RecordingSettings(
            segment_seconds=self.config.segment_seconds, fragment_seconds=self.config.fragment_seconds,
            fps=self.config.synthetic_fps))

    @staticmethod
    def _packet_hook(recorder: Recorder | None):  # noqa: ANN205
        if recorder is None:
            return None

        def hook(packet: object) -> None:
            try:
                recorder.packet(packet)
            except Exception as e:
                raise EncoderError(f"recording failed: {e}") from e
        return hook

    def _recorder_close(self, recorder: Recorder | None) -> None:
        if recorder is None:
            return
        try:
            recorder.close()
        except Exception:  # noqa: BLE001  (the partial file stays for the next holder)
            log.exception("camera %s: could not finish the segment", self.held.ident)

    def _frame(self, generation: int, image: object, recorder: Recorder | None = None) -> None:
        now = clock.now()
        self.activity = time.monotonic()
        self.last_good_at = now
        if not self.online:
            with self.lock:
                if not self._current(generation):
                    return
                self.online, self.reported_offline = True, False
            leases.gap_close(camera=self.held.pk, end=now)
            self.server.set_status(self.held.ident, online=True, since=None, detail="")
            log.info("camera %s: live", self.held.ident)
        self.seq += 1
        try:
            for rendition, size in ((frames.GRID, self.config.grid_size), (frames.FOCUS, self.config.focus_size)):
                # The larger rendition costs an encode per frame: only while someone focuses it.
                if rendition == frames.FOCUS and not self.server.wanted(self.held.ident, frames.FOCUS):
                    continue
                jpeg = frames.render(image, label=self.label, moment=now, size=size,  # type: ignore[arg-type]
                                     quality=self.config.quality)
                self.server.publish(self.held.ident, rendition, frames.pack(
                    frames.Header(self.held.ident, rendition, self.seq, _us(now)), jpeg))
            if recorder is not None:
                recorder.image(image)
        except Exception as e:
            raise EncoderError(f"encoding failed: {e}") from e

    def _offline(self, generation: int, detail: str, reason: str = Gap.Reason.CAMERA_OFFLINE) -> None:
        with self.lock:
            if not self._current(generation) or self.reported_offline:
                return
            self.online, self.reported_offline = False, True
        start = self.last_good_at or clock.now()
        try:
            gap = leases.gap_open(camera=self.held.pk, reason=reason, start=start, detail=detail)
        except DatabaseError:
            log.exception("camera %s: could not store the gap", self.held.ident)
            gap = None
        since = gap.start if gap is not None else start
        self.server.set_status(self.held.ident, online=False, since=clock.format_ts(since), detail=detail)
        log.warning("camera %s (%s): offline: %s", self.held.ident, redacted(self.held.source), detail)


class Worker:
    def __init__(self, *, name: str | None = None, listen: str = "127.0.0.1:0", advertise: str = "",
                 config: Config | None = None) -> None:
        self.config = config or Config.from_settings()
        self.holder = f"{name or socket.gethostname()}:{os.getpid()}"
        host, port = listen.rsplit(":", 1)
        self.server = FrameServer(host, int(port)).start()
        self.endpoint = advertise or self.server.address
        self.runners: dict[int, CameraRunner] = {}
        self.offset: timedelta | None = None

    def step(self) -> None:
        """Renew, follow changes, take free cameras, note a demo clock jump."""
        close_old_connections()
        held = {h.pk: h for h in leases.leases_renew(holder=self.holder, period=self.config.lease)}
        for pk, runner in list(self.runners.items()):
            if held.get(pk) != runner.held:     # lost, disabled, or its source/name/room changed
                runner.stop()
                del self.runners[pk]
        for h in leases.leases_acquire(holder=self.holder, endpoint=self.endpoint, period=self.config.lease):
            held[h.pk] = h
        for pk, h in held.items():
            if pk not in self.runners:
                log.info("camera %s: held by %s", h.ident, self.holder)
                self.runners[pk] = CameraRunner(h, self.server, self.config).start()
        self._note_clock_jump()

    def _note_clock_jump(self) -> None:
        offset = clock.offset()
        if self.offset is not None and offset > self.offset:
            now = clock.now()
            for runner in self.runners.values():
                if runner.online:
                    Gap.objects.create(camera_id=runner.held.pk, reason=Gap.Reason.CLOCK_JUMP,
                                       start=now - (offset - self.offset), end=now, detail="demo clock moved")
        self.offset = offset

    def run(self, stop: threading.Event) -> None:
        beat = self.config.lease.total_seconds() / 3
        next_beat = 0.0
        log.info("capture worker %s serving frames on %s", self.holder, self.endpoint)
        try:
            while not stop.is_set():
                if time.monotonic() >= next_beat:
                    try:
                        self.step()
                    except DatabaseError:
                        log.exception("lease step failed; retrying")
                    next_beat = time.monotonic() + beat
                for runner in list(self.runners.values()):
                    runner.check()
                stop.wait(0.25)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        for runner in self.runners.values():
            runner.stop()
        for runner in self.runners.values():   # let each connection chain its last segment
            if runner.thread is not None:
                runner.thread.join(5)
        self.runners.clear()
        try:
            leases.leases_release(holder=self.holder)
        except DatabaseError:
            log.exception("could not release the leases; they lapse within a period")
        self.server.stop()
