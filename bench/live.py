"""Live video to many viewers on one Daphne (issue: bid-room cameras).

One synthetic camera at 640×360, 10 fps, held by a real capture worker; N = 10, 50, 100
WebSocket viewers (this process, asyncio) on one real Daphne, each acking every frame as the
page does. Latency is from the worker's capture timestamp to the viewer's receipt (same
machine, same clock; the scratch database's demo offset is zero).

- live_p50_ms_n{N}, live_p99_ms_n{N}: over a measured window after a warm-up;
- live_daphne_cpu_pct_n{N}: Daphne's CPU over that window (100 = one core);
- live_capture_cpu_pct: the capture worker's, during the N = 100 window;
- live_daphne_rss_mb_n{N}: Daphne's resident memory at the end of the window;
- live_slow_mem_growth_mb: with 100 viewers of which 10 % read one frame every 2 s, Daphne's
  RSS after 60 s minus before.

Usage: python -m bench live [--seconds S] [--slow-seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.audit import emit, scratch_database, setup_django

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Viewers:
    def __init__(self, url: str, cookie: str, origin: str) -> None:
        self.url, self.cookie, self.origin = url, cookie, origin
        self.latencies: list[float] = []
        self.recording = False
        self.tasks: list[asyncio.Task[None]] = []

    async def viewer(self, slow: bool) -> None:
        from websockets.asyncio.client import connect

        from bidroom.capture.frames import unpack

        async with connect(self.url, origin=self.origin, additional_headers={"Cookie": self.cookie},
                           compression=None, max_size=None) as socket:
            async for message in socket:
                if isinstance(message, str):
                    continue
                received = time.time()
                if self.recording and not slow:
                    header, _ = unpack(message)
                    self.latencies.append((received * 1e6 - header.captured_us) / 1000)
                if slow:
                    await asyncio.sleep(2.0)      # reads one frame every 2 s
                await socket.send('{"type": "ack"}')

    async def add(self, n: int, slow: bool = False) -> None:
        for _ in range(n):
            self.tasks.append(asyncio.get_running_loop().create_task(self.viewer(slow)))
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run(args: argparse.Namespace, url: str, cookie: str, origin: str, daphne: int, worker: int) -> None:
    for n in (10, 50, 100):
        viewers = Viewers(url, cookie, origin)
        await viewers.add(n)
        await asyncio.sleep(3)                       # warm up
        viewers.recording = True
        cpu_d, cpu_w, start = cpu_seconds(daphne), cpu_seconds(worker), time.monotonic()
        await asyncio.sleep(args.seconds)
        elapsed = time.monotonic() - start
        daphne_pct = (cpu_seconds(daphne) - cpu_d) / elapsed * 100
        worker_pct = (cpu_seconds(worker) - cpu_w) / elapsed * 100
        viewers.recording = False
        lat = viewers.latencies
        context = {"viewers": n, "fps": 10, "size": "640x360", "frames": len(lat), "seconds": args.seconds}
        emit(f"live_p50_ms_n{n}", statistics.median(lat), "ms", **context)
        emit(f"live_p99_ms_n{n}", percentile(lat, 0.99), "ms", **context)
        emit(f"live_daphne_cpu_pct_n{n}", daphne_pct, "pct", **context)
        emit(f"live_daphne_rss_mb_n{n}", rss_mb(daphne), "MB", **context)
        if n == 100:
            emit("live_capture_cpu_pct", worker_pct, "pct", **context)
        await viewers.close()
        await asyncio.sleep(1)
    viewers = Viewers(url, cookie, origin)
    await viewers.add(90)
    await viewers.add(10, slow=True)
    await asyncio.sleep(5)
    before = rss_mb(daphne)
    viewers.recording = True
    await asyncio.sleep(args.slow_seconds)
    after = rss_mb(daphne)
    lat = viewers.latencies
    emit("live_slow_mem_growth_mb", after - before, "MB", viewers=100, slow=10, seconds=args.slow_seconds,
         rss_before_mb=round(before, 1), rss_after_mb=round(after, 1),
         fast_p99_ms=round(percentile(lat, 0.99), 1) if lat else None)
    await viewers.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench live")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--slow-seconds", type=float, default=60.0)
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
    setup_django()
    scratch_database()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from audit import clock
    from bidroom.models import Camera, Room
    from tests.e2e.stack import free_port

    if connection.vendor != "sqlite":
        print("bench live runs on a scratch SQLite database", file=sys.stderr)
        return 2
    room = Room.objects.create(name="bench room", kind=Room.Kind.OPENING, capacity=10, location="bench")
    camera = Camera.objects.create(ident="bench-1", name="bench", room=room, source="synthetic:bench",
                                   created_at=clock.now())
    supervisor = User.objects.create(username="bench-supervisor", role=User.Role.SUPERVISOR)
    client = Client()
    client.force_login(supervisor)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONUNBUFFERED": "1",
           "DATABASE_URL": f"sqlite:///{settings.DATABASES['default']['NAME']}", "CAPTURE_LEASE_SECONDS": "2",
           "CAPTURE_SYNTHETIC_FPS": "10"}
    log = open(Path(settings.DATABASES["default"]["NAME"]).parent / "bench.log", "wb")  # noqa: SIM115
    daphne = subprocess.Popen([str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = subprocess.Popen([sys.executable, "manage.py", "capture", "--name", "bench"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not Camera.objects.filter(pk=camera.pk).exclude(holder="").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the capture worker did not take the camera")
            time.sleep(0.3)
        url = f"ws://127.0.0.1:{port}/ws/rooms/{room.pk}/cameras/{camera.ident}/"
        asyncio.run(run(args, url, cookie, f"http://127.0.0.1:{port}", daphne.pid, worker.pid))
    finally:
        for process in (worker, daphne):
            process.terminate()
            process.wait(10)
    return 0
