"""Audit append and verify rates (issue: foundation, acceptance on PostgreSQL).

- audit_append_per_s: one writer, one event per committed transaction, through event_append;
- audit_append_per_s_4w: four concurrent writers (threads, each its own connection), then the
  chain is checked for gaps and forks;
- audit_verify_per_s: python -m audit.verify's checks over an export of ≥ 100,000 events.

Runs on the database DATABASE_URL names (it makes and drops a scratch database of its own
on PostgreSQL; a scratch SQLite file otherwise). Usage: python -m bench audit [--events N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path


def emit(metric: str, value: float, unit: str, **context: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 1), "unit": unit, **context}), flush=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def scratch_database() -> None:
    """Point Django at a fresh scratch database and migrate it."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        name = f"sunbid_bench_{os.getpid()}"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        # The psycopg pool was made for the first database; a new one follows the new name.
        connection.close_pool()
        db["NAME"] = name
    else:
        path = Path(tempfile.mkdtemp(prefix="sunbid-bench-")) / "bench.sqlite3"
        db["NAME"] = str(path)
    call_command("migrate", verbosity=0)


def drop_scratch() -> None:
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connections.close_all()
    connection.close_pool()
    connection.settings_dict["NAME"] = "postgres"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def append_many(n: int, writer: int) -> None:
    from audit.services import event_append

    for i in range(n):
        event_append(kind="bench.event", actor=f"user:{writer}", object=f"listing:BENCH-{writer}",
                     payload={"i": i, "writer": writer, "hash": "ab" * 32})


def bench_one_writer(n: int, repeats: int) -> list[float]:
    rates = []
    append_many(200, 0)  # warm up connections and caches
    for _ in range(repeats):
        start = time.perf_counter()
        append_many(n, 0)
        rates.append(n / (time.perf_counter() - start))
    return rates


def bench_four_writers(n_each: int) -> tuple[float, bool]:
    from django.db import connections

    from audit.models import Event

    before = Event.objects.count()
    errors: list[BaseException] = []

    def run(writer: int) -> None:
        try:
            append_many(n_each, writer + 1)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(4)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    gapless = not errors and seqs == list(range(1, len(seqs) + 1)) and len(seqs) == before + 4 * n_each
    return 4 * n_each / elapsed, gapless


def bench_verify(min_events: int) -> tuple[float, int]:
    """Top the record up to min_events, export it, and time the standalone verifier's checks."""
    from audit import keys, verify
    from audit.integrity import export
    from audit.models import Event
    from audit.services import checkpoint_issue

    missing = min_events - Event.objects.count()
    if missing > 0:
        bulk_append(missing)
    checkpoint_issue()
    with tempfile.TemporaryDirectory(prefix="sunbid-bench-export-") as tmp:
        size = export(Path(tmp))
        trust = verify.trust_from(Path(tmp), keys.public_key(), None)
        verify.verify_export(Path(tmp), trust)  # warm the page cache
        times = []
        for _ in range(3):
            start = time.perf_counter()
            assert verify.verify_export(Path(tmp), trust) == size
            times.append(time.perf_counter() - start)
    return size / statistics.median(times), size


def bulk_append(n: int) -> None:
    """Many events in few transactions: only to build a large record for the verify benchmark."""
    from django.db import transaction

    from audit.services import event_append

    for start in range(0, n, 5000):
        with transaction.atomic():
            for i in range(start, min(n, start + 5000)):
                event_append(kind="bench.bulk", actor="system", object=f"listing:BULK-{i % 97}",
                             payload={"i": i, "hash": "cd" * 32})


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench audit")
    parser.add_argument("--events", type=int, default=10_000, help="appends per measured run (one writer)")
    parser.add_argument("--verify-events", type=int, default=100_000)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    scratch_database()
    vendor = connection.vendor
    try:
        rates = bench_one_writer(args.events, repeats=3)
        emit("audit_append_per_s", statistics.median(rates), "events/s", writers=1, events=args.events,
             repeats=len(rates), db=vendor)
        rate4, gapless = bench_four_writers(args.events // 4)
        emit("audit_append_per_s_4w", rate4, "events/s", writers=4, events=4 * (args.events // 4),
             gapless_unforked=gapless, db=vendor)
        rate, size = bench_verify(args.verify_events)
        emit("audit_verify_per_s", rate, "events/s", events=size, repeats=3, cores=os.cpu_count(), db=vendor)
        return 0 if gapless else 1
    finally:
        drop_scratch()


if __name__ == "__main__":
    sys.exit(main())
