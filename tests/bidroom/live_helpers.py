"""Real peers and a real capture worker for the live-video tests, and a watcher that reads
frames through the web side's own code (bidroom.live), as Daphne does."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from channels.db import database_sync_to_async

from bidroom.cameras import camera_endpoint
from bidroom.capture.frames import GRID, unpack
from bidroom.live import Hub, Viewer
from tests.e2e.stack import LOGS, ROOT, free_port, stack_env

PEERS = Path(__file__).resolve().parent / "peers"
DEBIAN_PYTHON = "/usr/bin/python3"   # gi (GStreamer) is Debian's, not the venv's


class Peer:
    """A camera peer process that can be killed, hung and restarted on the same port."""

    def __init__(self, kind: str, port: int | None = None) -> None:
        self.kind, self.port = kind, port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.kind == "rtsp":
            return f"rtsp://127.0.0.1:{self.port}/cam"
        return f"http://127.0.0.1:{self.port}/video.mjpg"

    def start(self) -> Peer:
        if self.kind == "rtsp":
            argv = [DEBIAN_PYTHON, str(PEERS / "rtsp_server.py"), str(self.port)]
        else:
            argv = [sys.executable, str(PEERS / "mjpeg_server.py"), str(self.port)]
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode().strip()
        assert line == "ready", f"{self.kind} peer did not start: {line!r}"
        return self

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)

    def stop_gracefully(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(10)

    def stop(self) -> None:
        self.kill()


def start_worker(name: str, **env: str) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / f"capture-{name}.log").open("ab")
    environment = {**stack_env(), "CAPTURE_LEASE_SECONDS": "2", "CAPTURE_WATCHDOG_SECONDS": "2",
                   "CAPTURE_CONNECT_TIMEOUT_SECONDS": "2", **env}
    return subprocess.Popen([sys.executable, "manage.py", "capture", "--name", name], cwd=ROOT, env=environment,
                            stdout=log, stderr=subprocess.STDOUT)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class Watcher:
    """One viewer of a camera through the web process's hub, acking every frame at once;
    records (monotonic time, seq) of each frame and every status message."""

    def __init__(self, camera: str, rendition: int = GRID) -> None:
        self.camera, self.rendition = camera, rendition
        self.frames: list[tuple[float, int]] = []
        self.statuses: list[dict[str, object]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Watcher:
        self.thread.start()
        self.task = asyncio.run_coroutine_threadsafe(self._watch(), self.loop)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            for task in asyncio.all_tasks() - {asyncio.current_task()}:
                task.cancel()
            await asyncio.sleep(0.1)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _watch(self) -> None:
        hub = Hub(database_sync_to_async(camera_endpoint))
        viewer = Viewer()
        hub.join(self.camera, self.rendition, viewer)
        try:
            while True:
                message = await viewer.next()
                if isinstance(message, bytes):
                    header, jpeg = unpack(message)
                    assert jpeg[:2] == b"\xff\xd8"
                    self.frames.append((time.monotonic(), header.seq))
                    viewer.credit()
                else:
                    self.statuses.append(json.loads(message))
        finally:
            hub.leave(self.camera, self.rendition, viewer)

    def frames_since(self, moment: float) -> int:
        return sum(1 for t, _ in self.frames if t > moment)

    def wait_frames(self, since: float, count: int = 3, timeout: float = 10.0) -> float:
        """Seconds from `since` until `count` frames arrived after it; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            after = [t for t, _ in self.frames if t > since]
            if len(after) >= count:
                return after[count - 1] - since
            time.sleep(0.05)
        raise AssertionError(f"{self.camera}: fewer than {count} frames within {timeout} s "
                             f"(statuses: {self.statuses[-3:]})")

    def wait_offline(self, after: int, timeout: float = 10.0) -> dict[str, object]:
        """The first offline status among those after the first `after` (take len(statuses)
        before causing the outage: it may be reported before this is called)."""
        deadline = time.monotonic() + timeout
        seen = after
        while time.monotonic() < deadline:
            for status in self.statuses[seen:]:
                if status.get("online") is False and status.get("since"):
                    return status
            time.sleep(0.05)
        raise AssertionError(f"{self.camera}: no offline status within {timeout} s")
