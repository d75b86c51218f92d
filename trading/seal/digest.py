"""Hashes of §2 and §8: fingerprints, the chunk digest D, an envelope's receipted digests."""

from __future__ import annotations

import hashlib
from typing import BinaryIO, NamedTuple

from .labels import CHUNK, CT, MAX_HEADER, TAG_SIZE


def fingerprint(pk: bytes) -> str:
    """fp(key): hex SHA-256 of a public key's bytes (65 for P-256, 32 for Ed25519)."""
    return hashlib.sha256(pk).hexdigest()


class ChunkDigest:
    """D(prefix, [x_0 … x_{n−1}]) = SHA-256(prefix ‖ SHA-256(x_0) ‖ … ‖ SHA-256(x_{n−1}))."""

    def __init__(self, prefix: bytes) -> None:
        self._outer = hashlib.sha256(prefix)

    def add(self, chunk: bytes | memoryview) -> None:
        self.add_hash(hashlib.sha256(chunk).digest())

    def add_hash(self, chunk_sha256: bytes) -> None:
        """Add a chunk by its SHA-256, for a chunk hashed piece by piece."""
        self._outer.update(chunk_sha256)

    def copy(self) -> ChunkDigest:
        twin = ChunkDigest(b"")
        twin._outer = self._outer.copy()
        return twin

    def digest(self) -> bytes:
        return self._outer.copy().digest()


class PayloadHasher:
    """payload_hash of bytes fed in any pieces, as the platform receives them (§6).

    Every C_i but the last is exactly CHUNK + 16 bytes, so the boundaries follow from the
    bytes alone: no header is needed to hash a payload.
    """

    def __init__(self, prefix: bytes) -> None:
        self._digest = ChunkDigest(prefix)
        self._chunk = hashlib.sha256()
        self._filled = 0

    def update(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            take = min(len(view), CHUNK + TAG_SIZE - self._filled)
            self._chunk.update(view[:take])
            self._filled += take
            view = view[take:]
            if self._filled == CHUNK + TAG_SIZE:
                self._digest.add_hash(self._chunk.digest())
                self._chunk = hashlib.sha256()
                self._filled = 0

    def digest(self) -> bytes:
        """The digest of what was fed so far, its last piece as the last chunk."""
        whole = self._digest.copy()
        if self._filled:
            whole.add_hash(self._chunk.digest())
        return whole.digest()


class EnvelopeDigests(NamedTuple):
    size: int
    sha256: str
    header_sha256: str | None  # None: no 0x0A within the header's limit
    payload_hash: str


def measure_envelope(stream: BinaryIO) -> EnvelopeDigests:
    """Size and hashes of an envelope read from the stream's position, as a receipt states them."""
    whole, payload = hashlib.sha256(), PayloadHasher(CT)
    line = stream.readline(MAX_HEADER + 1)
    whole.update(line)
    size = len(line)
    header_sha256 = hashlib.sha256(line[:-1]).hexdigest() if line.endswith(b"\n") else None
    if header_sha256 is None:
        payload.update(line)
    while block := stream.read(CHUNK):
        whole.update(block)
        payload.update(block)
        size += len(block)
    return EnvelopeDigests(size, whole.hexdigest(), header_sha256, payload.digest().hex())
