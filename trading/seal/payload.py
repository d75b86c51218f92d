"""The payload's STREAM layout (seal.md §4): P = r ‖ body in 1 MiB chunks, one nonce per index.

The last chunk's flag byte makes a payload cut at a chunk boundary fail, and the index in
every nonce makes reordered chunks fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .digest import ChunkDigest
from .errors import SealError
from .labels import CHUNK, PT, R_SIZE, TAG_SIZE


def chunk_count(size: int) -> int:
    """n = ⌈(size + 32) / 1048576⌉."""
    return -(-(size + R_SIZE) // CHUNK)


def payload_length(size: int) -> int:
    return size + R_SIZE + TAG_SIZE * chunk_count(size)


def nonce(index: int, count: int) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if index == count - 1 else b"\x00")


def remaining(stream: BinaryIO) -> int:
    """Bytes from the position to the end of a seekable stream; the position is kept."""
    here = stream.tell()
    end = stream.seek(0, os.SEEK_END)
    stream.seek(here)
    return end - here


def read_exactly(stream: BinaryIO, count: int) -> bytes:
    """`count` bytes, or fewer only at the end of the stream (reads may come back short)."""
    parts, missing = [], count
    while missing:
        part = stream.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def plaintext_chunks(r: bytes, body: BinaryIO, size: int) -> Iterator[bytes]:
    """P_0 … P_{n−1}, reading `body` one chunk at a time; it must hold exactly `size` bytes."""
    head, left = r, size
    while True:
        piece = read_exactly(body, min(CHUNK - len(head), left))
        if len(piece) != min(CHUNK - len(head), left):
            raise ValueError(f"the body ended before its {size} bytes")
        left -= len(piece)
        yield head + piece
        head = b""
        if not left:
            break
    if body.read(1):
        raise ValueError(f"the body is longer than {size} bytes")


class Sealer:
    """Encrypts P_0 … P_{n−1} in order under K, digesting them for pc."""

    def __init__(self, key: bytes, size: int) -> None:
        self._aes, self._count, self._index = AESGCM(key), chunk_count(size), 0
        self.pc = ChunkDigest(PT)

    def encrypt(self, plain: bytes) -> bytes:
        sealed = self._aes.encrypt(nonce(self._index, self._count), plain, None)
        self._index += 1
        self.pc.add(plain)
        return sealed


def open_chunks(key: bytes, size: int, payload: BinaryIO) -> tuple[Iterator[bytes], ChunkDigest]:
    """P_0 … P_{n−1} decrypted from a payload whose length was checked, and pc's running digest.

    The first chunk that fails raises CHUNK with its index; pc is complete once all are read.
    """
    pc = ChunkDigest(PT)

    def chunks() -> Iterator[bytes]:
        aes, count, left = AESGCM(key), chunk_count(size), size + R_SIZE
        for index in range(count):
            sealed = read_exactly(payload, min(CHUNK, left) + TAG_SIZE)
            try:
                plain = aes.decrypt(nonce(index, count), sealed, None)
            except InvalidTag:
                raise SealError("CHUNK", "tag fails", chunk=index) from None
            left -= len(plain)
            pc.add(plain)
            yield plain

    return chunks(), pc
