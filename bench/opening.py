"""An opening through the real opening worker (issue #7): 20 bids × 100 MB, locked.

Each bid is a form envelope and a documents envelope of --mb MB (10^6 bytes of random body),
sealed by `trading.seal.seal_envelope` to the lot's published keys and the bidder's key, then
uploaded and receipted by the upload services (`seal.received`, an `Envelope` row), so the
worker's lock checks are the real ones. Then, as on the platform: the demo clock is moved past
the deadline (`clock_advance`, which every process sees) and the chronograph makes the opening;
`manage.py opening_worker`, a process of its own on the same scratch database, issues the
checkpoint, the supervisor cosigns it, the worker locks; every bidder gives K_b for both
envelopes; the clock is moved past the window; custodians 1 and 3 give their shares of both
listing keys, and the worker rebuilds the keys and decrypts in its child processes.

- opening_20x100mb_s: from the last custodian share accepted (the last `opening.share` event)
  to `opening.result` (every bid checked), both stamped by the worker with the one clock;
- opening_worker_peak_rss_mb: the highest sum of VmRSS over the worker and its descendants
  (the decryption processes), sampled every 50 ms from the worker's start to its stop;
- opening_bids_opened: bids whose form and documents both opened (all must: else it fails);
- opening_mb_s: envelope bytes checked and decrypted per second over the measured interval.

Sealing, uploading and the lock are not measured; their seconds are in the first line's context.
Needs PostgreSQL (both processes share a scratch database, made and dropped as `bench audit`
does) and Redis (REDIS_URL; by default db 12, the bench's own, emptied after: the chronograph
queues a checkpoint task there that no Celery worker takes); media go to a temporary
SUNBID_MEDIA_ROOT, removed after.
Usage: python -m bench opening [--bids 20] [--mb 100] [--timeout 900]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from bench.audit import drop_scratch, scratch_database, setup_django
from bench.seal import emit, write_random

ROOT = Path(__file__).resolve().parents[1]
MB = 1e6
PIECE = 32 << 20  # upload pieces, as the browser's resumable upload sends them
SAMPLE_SECONDS = 0.05
OWN_REDIS = "redis://127.0.0.1:6379/12"
T = TypeVar("T")


class Failed(Exception):
    """The opening did not do what the benchmark measures: no numbers are printed."""


# The worker process and its memory ---------------------------------------------------------------

def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0  # gone, or a zombie


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [int(child) for child in children.read().split()]
        except FileNotFoundError:
            continue
    return found


def tree_rss_kb(pid: int) -> int:
    """VmRSS of `pid` and all its descendants, in kB (KiB)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss_kb(current)
        todo += _children(current)
    return total


class Sampler(threading.Thread):
    """The worker tree's RSS every SAMPLE_SECONDS; `peak_kb` is the highest sum seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.pid, self.peak_kb, self.samples = pid, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self.samples += 1
            self.stop.wait(SAMPLE_SECONDS)


class Worker:
    """`manage.py opening_worker` on the scratch database, its log in a file."""

    def __init__(self, log_path: Path) -> None:
        from django.db import connection

        db = connection.settings_dict
        auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        self.log_path = log_path
        self.log = log_path.open("wb")
        command = [sys.executable, "manage.py", "opening_worker", "--name", f"bench-{os.getpid()}"]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self.sampler = Sampler(self.process.pid)
        self.sampler.start()

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise Failed(f"the opening worker exited ({self.process.returncode}):\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.sampler.stop.set()
        self.sampler.join()
        self.log.close()


def wait_for(what: str, check: Callable[[], T], worker: Worker, timeout: float) -> T:
    """Poll the database (autocommit: each query sees the worker's commits) until `check()`."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        worker.alive()
        if time.monotonic() > end:
            raise Failed(f"timed out after {timeout:.0f} s waiting for {what}:\n{worker.tail()}")
        time.sleep(0.05)


# The tender, the bids ----------------------------------------------------------------------------

def tender(bids: int) -> Any:
    """A published sealed-bid tender, its supervisor, a staff user and `bids` signed-up bidders.
    The Scene's actors act as the opening page's script does (tests/trading/opening_support.py);
    its in-process worker is never stepped: the worker here is the separate process."""
    from tests.trading.opening_support import signed_up

    return signed_up(bids)


def upload_file(who: Any, path: Path, sealed: Any) -> Any:
    """Begin, send in PIECE-sized pieces, finish: the receipted Envelope."""
    from tests.trading.sealing import SEALER
    from trading import bids

    size = path.stat().st_size
    with path.open("rb") as stream:
        header = stream.readline().rstrip(b"\n").decode()
        started = bids.upload_begin(lot=who.lot, by=who.user, kind=sealed.header.kind, header=header,
                                    header_sig=sealed.header_sig.hex(), sealer=SEALER, size=size)
        stream.seek(0)
        for offset in range(0, size, PIECE):
            bids.upload_append(token=started.token, by=who.user, offset=offset, stream=stream,
                               length=min(PIECE, size - offset))
    return bids.upload_finish(token=started.token, by=who.user)


def seal_bids(scene: Any, body: Path, work: Path) -> None:
    """Each bidder seals a form and the documents in `body`, and uploads both."""
    from tests.trading.opening_support import form_of
    from tests.trading.sealing import listing_pk, seal_form, upload
    from trading import bids, seal

    for n, who in enumerate(scene.bidders):
        envelope, sealed = seal_form(who, form_of(who, 100_000_000 - 1_234_567 * n))
        upload(who, envelope, sealed)
        out = work / f"docs-{n}.sunbid"
        with body.open("rb") as stream, out.open("w+b") as sink:
            sealed = seal.seal_envelope(stream, sink, listing=who.lot.code, bid_id=who.bid.bid_id, kind="docs",
                                        bidder=bids.bidder_id(who.user.organisation),
                                        listing_pk=listing_pk(who.lot, "docs"), bidder_sk=who.sk)
        upload_file(who, out, sealed)
        out.unlink()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# The opening -------------------------------------------------------------------------------------

def run(scene: Any, worker: Worker, timeout: float) -> dict[str, float]:
    """Deadline → cosign → lock → K_b → window closed → shares → result; seconds of each phase."""
    from audit.models import Checkpoint
    from audit.services import clock_advance
    from trading import chronograph
    from trading.models import KeySubmission, Opening

    listing = scene.lot.listing
    phases: dict[str, float] = {}
    start = time.perf_counter()
    clock_advance(by=scene.staff, to=listing.deadline + timedelta(seconds=1))
    while chronograph.tick():
        pass
    opening = scene.opening
    if opening.state != Opening.State.COSIGN:
        raise Failed(f"no opening to run: {opening.state} {opening.failed_code} {opening.failed_reason}")
    wait_for("the checkpoint covering the deadline",
             lambda: Checkpoint.objects.filter(size__gte=opening.deadline_seq).exists(), worker, timeout)
    scene.cosign()
    locked = time.perf_counter()
    wait_for("the lock", lambda: scene.opening.state == Opening.State.KEYS, worker, timeout)
    phases["lock_s"] = time.perf_counter() - locked

    opening = scene.opening
    for who in scene.bidders:
        for kind in ("form", "docs"):
            scene.submit_part(who, kind)
    wait_for("the bidders' key parts", lambda: not KeySubmission.objects.filter(
        opening=opening, lock_seq=opening.lock_seq, state=KeySubmission.State.PENDING).exists(), worker, timeout)
    refused = list(KeySubmission.objects.filter(opening=opening, lock_seq=opening.lock_seq)
                   .exclude(state=KeySubmission.State.ACCEPTED).values_list("opened__bid__bid_id", "code"))
    if refused:
        raise Failed(f"key parts refused: {refused}")
    clock_advance(by=scene.staff, to=opening.keys_close_at + timedelta(seconds=1))
    wait_for("the window's close", lambda: scene.opening.state == Opening.State.SHARES, worker, timeout)

    for kind in ("form", "docs"):
        for x in (1, 3):
            scene.share(x, kind)
    done = (Opening.State.CONFIRMING, Opening.State.CLOSED, Opening.State.FAILED)
    opening = wait_for("the result and its record",
                       lambda: (o := scene.opening).state in done and o, worker, timeout)
    if opening.state == Opening.State.FAILED:
        raise Failed(f"the opening failed: {opening.failed_code} {opening.failed_reason}")
    phases["opening_s"] = time.perf_counter() - start
    return phases


def measured(scene: Any, body_sha256: str) -> tuple[float, int, int, int]:
    """(seconds from the last share accepted to the result, bids opened, envelopes, envelope bytes)."""
    from audit.models import Event
    from trading.models import OpenedEnvelope

    opening = scene.opening
    events = Event.objects.filter(object=f"listing:{scene.lot.code}", seq__gt=opening.lock_seq)
    last_share = events.filter(kind="opening.share").order_by("-ts").values_list("ts", flat=True).first()
    result = events.get(kind="opening.result").ts
    if last_share is None:
        raise Failed("no opening.share event after the lock")
    rows = list(OpenedEnvelope.objects.filter(opening=opening).select_related("bid", "envelope"))
    failed = [(o.bid.bid_id, o.kind, o.code, o.outcome) for o in rows if o.code or o.outcome != "opened"]
    wrong = [(o.bid.bid_id, o.body_sha256) for o in rows if o.kind == "docs" and o.body_sha256 != body_sha256]
    if failed or wrong or len(rows) != 2 * len(scene.bidders):
        raise Failed(f"not every bid opened: {len(rows)} envelopes, failed {failed}, bodies not the sealed one {wrong}")
    opened_bids = len({o.bid_id for o in rows})
    return (result - last_share).total_seconds(), opened_bids, len(rows), sum(o.envelope.envelope_size for o in rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench opening")
    parser.add_argument("--bids", type=int, default=20, help="bids, each a form and a documents envelope")
    parser.add_argument("--mb", type=float, default=100, help="documents body per bid, MB (10^6 bytes)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for any one step")
    args = parser.parse_args()
    began = time.perf_counter()
    media = Path(tempfile.mkdtemp(prefix="sunbid-bench-opening-", dir="/tmp"))
    os.environ["SUNBID_MEDIA_ROOT"] = str(media / "media")  # read by the settings, here and in the worker
    own_redis = "REDIS_URL" not in os.environ
    os.environ.setdefault("REDIS_URL", OWN_REDIS)
    worker: Worker | None = None
    try:
        setup_django()
        from django.conf import settings
        from django.db import connection

        if connection.vendor != "postgresql":
            print("bench opening needs PostgreSQL: the worker is a process of its own on the same database "
                  "(set DATABASE_URL=postgres://…)", file=sys.stderr)
            return 2
        scratch_database()
        try:
            sealing = time.perf_counter()
            scene = tender(args.bids)
            body = media / "body"
            write_random(str(body), int(args.mb * MB))
            body_sha256 = sha256_file(body)
            seal_bids(scene, body, media)
            body.unlink()
            sealing_s = time.perf_counter() - sealing
            worker = Worker(media / "opening-worker.log")
            phases = run(scene, worker, args.timeout)
            seconds, opened, envelopes, size = measured(scene, body_sha256)
            worker.stop()
            peak_kb, samples = worker.sampler.peak_kb, worker.sampler.samples
            context = {"bids": args.bids, "mb": args.mb, "envelopes": envelopes, "cores": os.cpu_count(),
                       "poll_s": settings.OPENING_POLL_SECONDS, "db": connection.vendor}
            emit("opening_20x100mb_s", seconds, "s", digits=2, target=10, sealing_s=round(sealing_s, 1),
                 lock_s=round(phases["lock_s"], 1), opening_s=round(phases["opening_s"], 1),
                 total_s=round(time.perf_counter() - began, 1), **context)
            emit("opening_worker_peak_rss_mb", peak_kb * 1024 / MB, "MB (10^6 B, VmRSS of the worker and its children)",
                 samples=samples, every_s=SAMPLE_SECONDS, **context)
            emit("opening_bids_opened", opened, "bids", digits=0, of=args.bids, **context)
            emit("opening_mb_s", size / MB / seconds, "MB/s (10^6 B/s of envelopes)", envelope_mb=round(size / MB, 1),
                 **context)
            return 0
        except Failed as e:
            print(f"bench opening: {e}", file=sys.stderr)
            return 1
        finally:
            if worker is not None:
                worker.stop()
            drop_scratch()
    finally:
        shutil.rmtree(media, ignore_errors=True)
        if own_redis:
            import redis

            redis.Redis.from_url(OWN_REDIS).flushdb()


if __name__ == "__main__":
    sys.exit(main())
