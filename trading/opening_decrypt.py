"""Decrypting every envelope of an opening in parallel (seal.md §7 step 4), one process per core.

No Django here: the opening worker hands each job its path, the rebuilt listing key d and
the bidder's K_b, in memory over a pipe to a child process of its own (`python -m
trading.opening_decrypt`); the children report progress and a verdict, and exit with the keys
when the work is done.
The envelope's bytes are hashed first, so an envelope changed on disk after its receipt is
the platform's fault (RECEIPT_MISMATCH), never blamed on the bidder as a bad chunk.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trading import seal
from trading.seal.envelope_open import decrypt_payload, listing_key
from trading.seal.form import unpad_form
from trading.seal.header import parse_header, read_header_line

_ROOT = str(Path(__file__).resolve().parents[1])
READ = 1 << 20
PROGRESS_EVERY = 8 << 20  # bytes between progress reports from a child


@dataclass(frozen=True)
class Job:
    index: int
    path: str
    out_path: str  # the opened body goes here (a temporary name is renamed on success)
    envelope_sha256: str
    size: int
    d: bytes
    k_b: bytes


@dataclass(frozen=True)
class Outcome:
    index: int
    code: str = ""  # "" when opened
    chunk: int | None = None
    form: dict[str, Any] | None = None
    body_sha256: str = ""
    k_l: str = ""  # hex, for a bid failed at step 4 (the bidder re-checks with it)


def _sha256_file(path: str, report: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(READ):
            digest.update(block)
            report(len(block))
    return digest.hexdigest()


def open_one(job: Job, report: Callable[[int], None]) -> Outcome:
    """One envelope: its bytes against the receipt, then K_l with d, then the payload."""
    try:
        if _sha256_file(job.path, report) != job.envelope_sha256:
            return Outcome(job.index, "RECEIPT_MISMATCH")
    except FileNotFoundError:
        return Outcome(job.index, "RECEIPT_MISMATCH")
    k_l = b""
    tmp = Path(job.out_path + ".part")
    decrypted = 0

    def counted(n: int) -> None:
        nonlocal decrypted
        decrypted += n
        report(n)
    try:
        with open(job.path, "rb") as envelope, tmp.open("wb") as out:
            header = parse_header(read_header_line(envelope))
            k_l = listing_key(header, job.d)
            body_digest = hashlib.sha256()
            form_body = bytearray() if header.kind == "form" else None

            def sink(piece: memoryview) -> None:
                if form_body is not None:
                    form_body.extend(piece)
                else:
                    out.write(piece)
                    body_digest.update(piece)
                counted(len(piece))

            decrypt_payload(header, envelope, k_l=k_l, k_b=job.k_b, sink=sink)
            form = None
            if form_body is not None:
                encoded, form = unpad_form(bytes(form_body))
                out.write(encoded)
                body_digest.update(encoded)
        tmp.replace(job.out_path)
        return Outcome(job.index, form=form, body_sha256=body_digest.hexdigest())
    except seal.SealError as e:
        tmp.unlink(missing_ok=True)  # what a failed envelope gave is discarded (§7 step 4)
        return Outcome(job.index, e.code, getattr(e, "chunk", None), k_l=k_l.hex() if k_l else "")
    finally:
        # The second pass went over the whole envelope (header, tags, padding), not only
        # the plaintext it gave: a job's total is twice its size.
        report(max(0, job.size - decrypted))


def _child_main() -> None:
    """A decryption process: one job per line on stdin (JSON, keys in hex), progress and the
    outcome as lines on stdout; EOF ends it. Keys live only in its memory and the pipe."""
    out = sys.stdout
    for line in sys.stdin:
        raw = json.loads(line)
        job = Job(**{**raw, "d": bytes.fromhex(raw["d"]), "k_b": bytes.fromhex(raw["k_b"])})
        pending = 0

        def report(n: int) -> None:
            nonlocal pending
            pending += n
            if pending >= PROGRESS_EVERY:
                out.write(json.dumps(["progress", job.index, pending]) + "\n")
                out.flush()
                pending = 0

        outcome = open_one(job, report)
        out.write(json.dumps(["progress", job.index, pending]) + "\n")
        out.write(json.dumps(["done", job.index, asdict(outcome)]) + "\n")
        out.flush()


def _job_line(job: Job) -> bytes:
    return (json.dumps({**asdict(job), "d": job.d.hex(), "k_b": job.k_b.hex()}) + "\n").encode()


def _read_lines(number: int, child: subprocess.Popen, events: queue.Queue) -> None:
    for line in child.stdout:
        events.put((number, json.loads(line)))
    events.put((number, None))


def decrypt_all(jobs: list[Job], on_progress: Callable[[int, int], None], *,
                processes: int | None = None) -> list[Outcome]:
    """Every job, biggest first, across `processes` child processes (default: the cores), each
    given its next job when it finishes one. `on_progress(index, bytes_more)` runs in the
    caller's thread; a job's total is twice its size (hashing, then decrypting)."""
    if not jobs:
        return []
    count = max(1, min(processes or os.cpu_count() or 1, len(jobs)))
    waiting = deque(sorted(jobs, key=lambda j: -j.size))
    events: queue.Queue = queue.Queue()
    children = [subprocess.Popen([sys.executable, "-m", "trading.opening_decrypt"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, cwd=_ROOT) for _ in range(count)]
    readers = [threading.Thread(target=_read_lines, args=(n, child, events), daemon=True)
               for n, child in enumerate(children)]
    for reader in readers:
        reader.start()

    def give(number: int) -> None:
        child = children[number]
        if waiting:
            child.stdin.write(_job_line(waiting.popleft()))
            child.stdin.flush()
        else:
            child.stdin.close()
            finished.add(number)

    outcomes: dict[int, Outcome] = {}
    finished: set[int] = set()  # children told there is no more work: their EOF is expected
    try:
        for number in range(count):
            give(number)
        while len(outcomes) < len(jobs):
            number, message = events.get()
            if message is None:
                if number in finished:
                    continue
                raise RuntimeError("a decryption process stopped early")
            kind, index, value = message
            if kind == "progress":
                on_progress(index, value)
            else:
                outcomes[index] = Outcome(**value)
                give(number)
    finally:
        for child in children:
            if child.stdin and not child.stdin.closed:
                child.stdin.close()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
    return [outcomes[job.index] for job in jobs]


if __name__ == "__main__":
    _child_main()
