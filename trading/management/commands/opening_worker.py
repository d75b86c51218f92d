"""`manage.py opening_worker`: the process that alone holds an opening's keys (seal.md §7)."""

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from trading.opening_worker import OpeningWorker


class Command(BaseCommand):
    help = ("Run the opening worker: lock openings under a one-time key, take bidders' key parts and "
            "custodians' shares, decrypt the bids in parallel and issue the opening record.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", help="the name this worker holds openings under (default: host:pid:random)")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        OpeningWorker(holder=options["name"]).run(stop)
