"""The real stack for browser journeys: Daphne, a Celery worker and beat, on the suite's
database and Redis. Later issues add their processes to `PROCESSES`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOGS = ROOT / "var" / "e2e"
MEDIA = LOGS / "media"  # the stack's own media folder, which the journeys read back


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    """The URL of the test database pytest-django made (a SQLite file, or PostgreSQL's test_…)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def stack_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
                "PYTHONUNBUFFERED": "1", "SUNBID_MEDIA_ROOT": str(MEDIA)})
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


class Stack:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []

    def _start(self, name: str, argv: list[str], **env: str) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = (LOGS / f"{name}.log").open("wb")
        self.processes.append(subprocess.Popen(argv, cwd=ROOT, env={**stack_env(), **env}, stdout=log,
                                               stderr=subprocess.STDOUT))

    def start(self) -> Stack:
        self._start("daphne", [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"])
        self._start("celery-worker", [str(BIN / "celery"), "-A", "config", "worker", "--concurrency", "1",
                                      "--without-gossip", "--without-mingle", "-l", "info"])
        self._start("celery-beat", [str(BIN / "celery"), "-A", "config", "beat", "-l", "info"])
        # Live video: a short lease so cameras made by a test are taken within a second or so.
        self._start("capture", [str(BIN / "python"), "manage.py", "capture", "--name", "e2e"],
                    CAPTURE_LEASE_SECONDS="2", RECORDING_SEGMENT_SECONDS="4")
        # The opening worker, a process of its own (seal.md §7); a journey may kill and restart it.
        self.start_opening_worker()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
                return self
            except OSError:
                if any(p.poll() is not None for p in self.processes):
                    break
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the stack did not start; see {LOGS}")

    def start_opening_worker(self) -> None:
        self._start("opening-worker", [str(BIN / "python"), "manage.py", "opening_worker"],
                    OPENING_LEASE_SECONDS="3", OPENING_POLL_SECONDS="0.2")
        self.opening_worker = self.processes[-1]

    def kill_opening_worker(self) -> None:
        """SIGKILL, as a crash would: its one-time key dies with it."""
        self.opening_worker.kill()
        self.opening_worker.wait()
        self.processes.remove(self.opening_worker)

    def wait_for_zero_clock(self, seconds: float = 6) -> None:
        """A test starts on a flushed database, so a demo-clock offset is 0 again; each stack
        process keeps the last jump it made for 3 s (audit.clock), so wait until it lets go."""
        import json

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with urllib.request.urlopen(self.url + "/audit/clock/now/", timeout=2) as answer:
                if json.loads(answer.read())["offset_ms"] == 0:
                    return
            time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
