"""`manage.py capture`: hold cameras by lease and serve their live frames (DESIGN §3)."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from bidroom.capture.worker import Worker


class Command(BaseCommand):
    help = "Run a capture worker: connect to the cameras it can lease and serve their frames to web processes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", help="worker name in the leases (default: the host name)")
        parser.add_argument("--listen", default=None, help="HOST:PORT of the frame server (default CAPTURE_LISTEN)")
        parser.add_argument("--advertise", default=None,
                            help="HOST:PORT web processes use to reach it (default: the listening address)")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        worker = Worker(name=options["name"], listen=options["listen"] or settings.CAPTURE_LISTEN,
                        advertise=options["advertise"] or settings.CAPTURE_ADVERTISE)
        worker.run(stop)
