"""Envelope seal and open throughput against openssl's own speed (issue: sealed bids).

- openssl_gcm_mb_s, openssl_sha256_mb_s: `openssl speed -evp aes-256-gcm|sha256 -bytes 16384`,
  one process, so one core;
- seal_mem_mb_s, open_mem_mb_s: seal_envelope and open_envelope on a docs body held in
  memory (BytesIO in and out), with all the work the spec asks of them: the seal encrypts,
  digests pc and payload_hash, self-checks (decrypts again, pc again) and measures the
  envelope (envelope_sha256); the open checks kc, decrypts every chunk and checks pc;
- seal_file_mb_s, open_file_mb_s: the same from a temp file to a temp file (256 MiB);
- open_vs_limit = open_mem_mb_s / limit, limit = 1 / (1/gcm + h/sha256): how fast one core
  running openssl's primitives alone could open, h being the SHA-256 passes over the body
  the opening needs.

h = 1. Opening (seal.md §7 step 4; `python -m trading.seal open`) decrypts every chunk
(one GCM pass) and checks pc = D("…pt", [P_i]) (one SHA-256 pass over the plaintext). The
other hashes over the body are not the opening's: payload_hash over C_i and envelope_sha256
are computed by the platform while receiving (§6) and compared with the receipt at the lock
(§7 step 1b), not when decrypting; kc and the header salt hash a few hundred bytes.

Each round runs openssl and the module's measurements alternately, so the ratio is taken
within one run; one warm-up round is not counted. MB = 10^6 bytes of body.
Usage: python -m bench seal [--mem-mib 64] [--file-mib 256] [--repeats 3] [--openssl-seconds 3]
"""

from __future__ import annotations

import argparse
import filecmp
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from trading.seal import new_key_pair, open_envelope, seal_envelope

MIB = 1 << 20
MB = 1e6
HASH_PASSES_TO_OPEN = 1  # pc over P_i; see the module docstring
BLOCK = 16384
METRICS = ("openssl_gcm_mb_s", "openssl_sha256_mb_s", "seal_mem_mb_s", "open_mem_mb_s",
           "seal_file_mb_s", "open_file_mb_s", "open_vs_limit")
IDS = {"listing": "BENCH-0001", "bidder": "ORG-BENCH", "bid_id": "BID-BENCH", "kind": "docs"}


def openssl_speed(algorithm: str, seconds: int) -> float:
    """MB/s of `openssl speed -evp ALGORITHM` on 16 KiB blocks, one process."""
    result = subprocess.run(["openssl", "speed", "-evp", algorithm, "-bytes", str(BLOCK),
                             "-seconds", str(seconds)],
                            capture_output=True, text=True, check=True)
    return parse_speed(result.stdout, algorithm)


def openssl_version() -> str:
    try:
        return subprocess.run(["openssl", "version"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_speed(output: str, algorithm: str) -> float:
    """MB/s from the table's last line, "AES-256-GCM    3215471.15k" (1000s of bytes per second)."""
    for line in reversed(output.splitlines()):
        if line.lower().startswith(algorithm.lower()):
            match = re.search(r"\s([\d.]+)k\s*$", line)
            if match:
                return float(match.group(1)) * 1000 / MB
    raise RuntimeError(f"no {BLOCK}-byte figure in openssl speed's output:\n{output}")


def open_limit(gcm: float, sha: float) -> float:
    """MB/s one core opens at doing nothing but openssl's GCM and h SHA-256 passes."""
    return 1 / (1 / gcm + HASH_PASSES_TO_OPEN / sha)


class Keys:
    def __init__(self) -> None:
        self.listing_sk, self.listing_pk = new_key_pair()
        self.bidder_sk, self.bidder_pk = new_key_pair()


def seal_mem(keys: Keys, body: bytes) -> tuple[float, bytes]:
    """Seconds to seal `body` from memory to memory, and the envelope."""
    out = io.BytesIO()
    start = time.perf_counter()
    seal_envelope(io.BytesIO(body), out, listing_pk=keys.listing_pk, bidder_sk=keys.bidder_sk,
                  **IDS)  # type: ignore[arg-type]
    return time.perf_counter() - start, out.getvalue()


def open_mem(keys: Keys, envelope: bytes, out: io.BytesIO) -> float:
    """Seconds to open `envelope` from memory into `out`.

    `out` is reused from round to round (rewound, not truncated): what is timed is the
    opening and its copy of the body into memory, not the kernel faulting in fresh pages.
    """
    out.seek(0)
    start = time.perf_counter()
    open_envelope(io.BytesIO(envelope), out, listing_sk=keys.listing_sk,
                  bidder_sk=keys.bidder_sk)
    return time.perf_counter() - start


def seal_file(keys: Keys, body_path: str, envelope_path: str) -> float:
    remove(envelope_path)  # truncating last round's file is the kernel's work, not the seal's
    start = time.perf_counter()
    with open(body_path, "rb") as body, open(envelope_path, "w+b") as out:
        seal_envelope(body, out, listing_pk=keys.listing_pk, bidder_sk=keys.bidder_sk,
                      **IDS)  # type: ignore[arg-type]
    return time.perf_counter() - start


def open_file(keys: Keys, envelope_path: str, out_path: str) -> float:
    remove(out_path)
    start = time.perf_counter()
    with open(envelope_path, "rb") as envelope, open(out_path, "wb") as out:
        open_envelope(envelope, out, listing_sk=keys.listing_sk, bidder_sk=keys.bidder_sk)
    return time.perf_counter() - start


def remove(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)


def write_random(path: str, size: int) -> None:
    with open(path, "wb") as f:
        for left in range(size, 0, -8 * MIB):
            f.write(os.urandom(min(8 * MIB, left)))


def emit(metric: str, value: float, unit: str, *, digits: int = 1, **context: object) -> None:
    """bench.audit's emit, with the rounding a ratio needs."""
    print(json.dumps({"metric": metric, "value": round(value, digits), "unit": unit, **context}),
          flush=True)


def run(*, mem_mib: float, file_mib: float, repeats: int, openssl_seconds: int) -> dict[str, float]:
    """Measure and print every metric; returns the medians by metric."""
    keys = Keys()
    mem_size, file_size = int(mem_mib * MIB), int(file_mib * MIB)
    body = os.urandom(mem_size)
    out = io.BytesIO()
    samples: dict[str, list[float]] = {name: [] for name in METRICS}
    with tempfile.TemporaryDirectory(prefix="sunbid-bench-seal-", dir="/tmp") as tmp:
        body_path, envelope_path, out_path = (os.path.join(tmp, name)
                                              for name in ("body", "envelope", "opened"))
        write_random(body_path, file_size)
        for round_ in range(repeats + 1):  # round 0 warms up and is not counted
            gcm = openssl_speed("aes-256-gcm", openssl_seconds)
            seal_s, envelope = seal_mem(keys, body)
            open_s = open_mem(keys, envelope, out)
            del envelope
            sha = openssl_speed("sha256", openssl_seconds)
            seal_file_s = seal_file(keys, body_path, envelope_path)
            open_file_s = open_file(keys, envelope_path, out_path)
            if round_ == 0:
                if out.getvalue() != body or not filecmp.cmp(body_path, out_path, shallow=False):
                    raise AssertionError("the opened body is not the sealed one")
                continue
            open_rate = mem_size / open_s / MB
            samples["openssl_gcm_mb_s"].append(gcm)
            samples["openssl_sha256_mb_s"].append(sha)
            samples["seal_mem_mb_s"].append(mem_size / seal_s / MB)
            samples["open_mem_mb_s"].append(open_rate)
            samples["seal_file_mb_s"].append(file_size / seal_file_s / MB)
            samples["open_file_mb_s"].append(file_size / open_file_s / MB)
            samples["open_vs_limit"].append(open_rate / open_limit(gcm, sha))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    common = {"repeats": repeats, "cores": 1}
    version = openssl_version()
    for name in ("openssl_gcm_mb_s", "openssl_sha256_mb_s"):
        emit(name, medians[name], "MB/s (10^6 B/s)", block_bytes=BLOCK,
             openssl_seconds=openssl_seconds, openssl=version, **common)
    for name, mib in (("seal_mem_mb_s", mem_mib), ("open_mem_mb_s", mem_mib),
                      ("seal_file_mb_s", file_mib), ("open_file_mb_s", file_mib)):
        emit(name, medians[name], "MB/s (10^6 B/s of body)", body_mib=mib, kind="docs", **common)
    emit("open_vs_limit", medians["open_vs_limit"], "ratio", digits=2, of="open_mem_mb_s",
         target=0.8, hash_passes=HASH_PASSES_TO_OPEN,
         limit_mb_s=round(open_limit(medians["openssl_gcm_mb_s"],
                                     medians["openssl_sha256_mb_s"]), 1), **common)
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench seal")
    parser.add_argument("--mem-mib", type=float, default=64, help="body size in memory")
    parser.add_argument("--file-mib", type=float, default=256, help="body size file to file")
    parser.add_argument("--repeats", type=int, default=3, help="counted rounds after one warm-up")
    parser.add_argument("--openssl-seconds", type=int, default=3)
    args = parser.parse_args()
    run(mem_mib=args.mem_mib, file_mib=args.file_mib, repeats=args.repeats,
        openssl_seconds=args.openssl_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
