"""The draw itself (draw.md §4): commit, seed, the HMAC stream, uniform(n), the shuffle.

Pure: stdlib only. Every byte string below is one of the spec's domain separators.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from experts import draw_inputs as inputs
from experts.draw_inputs import DrawError

__all__ = ["DrawOutcome", "Stream", "candidates_hash", "commit", "draw", "rejection_threshold",
           "result_hash", "seed", "sorted_ids", "uniform"]

_COMMIT = b"sunbid/draw/commit/v1\n"
_CANDIDATES = b"sunbid/draw/candidates/v1\n"
_SEED = b"sunbid/draw/seed/v1\n"
_STREAM = b"sunbid/draw/stream/v1"  # no newline: the counter follows directly
_RESULT = b"sunbid/draw/result/v1\n"
_U64 = 2**64


def commit(secret: bytes) -> str:
    """hex SHA-256("sunbid/draw/commit/v1\\n" ‖ secret), published at create."""
    return hashlib.sha256(_COMMIT + secret).hexdigest()


def _lines(ids: Iterable[str]) -> bytes:
    return b"".join(i.encode("utf-8") + b"\n" for i in ids)


def sorted_ids(ids: Iterable[str], what: str = "id") -> list[str]:
    """The ids NFC-normalised, checked, unique and sorted by UTF-8 bytes."""
    ids = list(ids)
    if inputs.plain_texts(ids):  # each its own normal form; for ASCII, str order is UTF-8 order
        out = sorted(ids)
    else:
        out = sorted((inputs.text(i, what) for i in ids), key=lambda i: i.encode("utf-8"))
    if len(set(out)) != len(out):
        raise DrawError("INPUT_INVALID", f"duplicate {what} after NFC")
    return out


def candidates_hash(ids: Iterable[str]) -> str:
    """hex SHA-256 over the sorted ids, each followed by "\\n"; input order is irrelevant."""
    return hashlib.sha256(_CANDIDATES + _lines(sorted_ids(ids, "candidate id"))).hexdigest()


def seed(*, secret: bytes, draw_id: str, candidates_hash: str, anchor: str, witness: str) -> bytes:
    """HMAC-SHA256(secret, "sunbid/draw/seed/v1\\n" ‖ draw_id ‖ hash ‖ anchor ‖ witness, each + "\\n")."""
    if len(secret) != 32:
        raise DrawError("INPUT_INVALID", "secret must be 32 bytes")
    fields = (inputs.text(draw_id, "draw_id"), inputs.hex32(candidates_hash, "candidates_hash"),
              inputs.hex32(anchor, "anchor"), inputs.witness(witness))
    return hmac.digest(secret, _SEED + _lines(fields), "sha256")


class Stream:
    """block_c = HMAC-SHA256(seed, "sunbid/draw/stream/v1" ‖ u64be(c)), read 8 bytes at a time."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0
        self._buffer = b""

    def next_u64(self) -> int:
        if not self._buffer:
            block = _STREAM + self._counter.to_bytes(8, "big")
            self._buffer = hmac.digest(self._seed, block, "sha256")
            self._counter += 1
        # 32-byte blocks hold exactly four u64s, so a read never straddles two blocks.
        word, self._buffer = self._buffer[:8], self._buffer[8:]
        return int.from_bytes(word, "big")


def rejection_threshold(n: int) -> int:
    """t = (2^64 − n) mod n = 2^64 mod n: values above 2^64 − 1 − t would bias x mod n."""
    if not 1 <= n <= _U64:
        raise DrawError("INPUT_INVALID", f"uniform({n})")
    return (_U64 - n) % n


def uniform(n: int, next_u64: Callable[[], int]) -> int:
    """A uniform integer in [0, n): reject draws above the limit and draw again."""
    limit = _U64 - 1 - rejection_threshold(n)
    while True:
        x = next_u64()
        if x <= limit:
            return x % n


def result_hash(seed: bytes, picks: Iterable[str]) -> str:
    """hex HMAC-SHA256(seed, "sunbid/draw/result/v1\\n" ‖ each pick ‖ "\\n")."""
    return hmac.digest(seed, _RESULT + _lines(picks), "sha256").hex()


@dataclass(frozen=True)
class DrawOutcome:
    """What §4 yields; `drawn` then `backups` is the pick order (position 1 = drawn[0])."""

    candidates_hash: str
    seed: bytes
    drawn: tuple[str, ...]
    backups: tuple[str, ...]
    result: str

    @property
    def picks(self) -> tuple[str, ...]:
        return self.drawn + self.backups


def draw(*, secret: bytes, draw_id: str, candidates: Iterable[str], anchor: str, witness: str,
         k: int, m: int) -> DrawOutcome:
    """Pick k members and up to m ordered backups by partial Fisher–Yates over the sorted ids.

    Raises DrawError: INPUT_INVALID for a value breaking §2, INSUFFICIENT_CANDIDATES if N < k.
    """
    k, m = inputs.count(k, "k"), inputs.nonnegative(m, "m")
    ids = sorted_ids(candidates, "candidate id")
    if len(ids) < k:
        raise DrawError("INSUFFICIENT_CANDIDATES", f"{len(ids)} candidates for k={k}")
    c_hash = candidates_hash(ids)
    s = seed(secret=secret, draw_id=draw_id, candidates_hash=c_hash, anchor=anchor, witness=witness)
    stream = Stream(s)
    a, n = ids, len(ids)
    for i in range(min(k + m, n)):
        j = i + uniform(n - i, stream.next_u64)
        a[i], a[j] = a[j], a[i]
    drawn, backups = tuple(a[:k]), tuple(a[k:k + m])
    return DrawOutcome(c_hash, s, drawn, backups, result_hash(s, drawn + backups))
