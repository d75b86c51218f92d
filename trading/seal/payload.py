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


def read_into(stream: BinaryIO, view: memoryview) -> int:
    """Fill `view` from the stream, returning how many bytes came (fewer only at its end)."""
    filled = 0
    while filled < len(view):
        got = stream.readinto(view[filled:])  # type: ignore[attr-defined]
        if not got:
            break
        filled += got
    return filled


def plaintext_chunks(r: bytes, body: BinaryIO, size: int) -> Iterator[memoryview]:
    """P_0 … P_{n−1}, reading `body` one chunk at a time; it must hold exactly `size` bytes.

    Each P_i is a view of one buffer read into again for P_{i+1} (no allocation or copy per
    chunk): use it, or copy it, before asking for the next.
    """
    buffer = memoryview(bytearray(min(CHUNK, len(r) + size)))
    buffer[:len(r)] = r
    head, left = len(r), size
    while True:
        want = min(CHUNK - head, left)
        if read_into(body, buffer[head:head + want]) != want:
            raise ValueError(f"the body ended before its {size} bytes")
        left -= want
        yield buffer[:head + want]
        head = 0
        if not left:
            break
    if body.read(1):
        raise ValueError(f"the body is longer than {size} bytes")


class Sealer:
    """Encrypts P_0 … P_{n−1} in order under K, digesting them for pc."""

    def __init__(self, key: bytes, size: int) -> None:
        self._aes, self._count, self._index = AESGCM(key), chunk_count(size), 0
        self._buffer = memoryview(bytearray(min(CHUNK, R_SIZE + size) + TAG_SIZE))
        self.pc = ChunkDigest(PT)

    def encrypt(self, plain: bytes | memoryview) -> bytes:
        """C_i, as new bytes."""
        sealed = self._aes.encrypt(self._next_nonce(), plain, None)
        self.pc.add(plain)
        return sealed

    def encrypt_view(self, plain: bytes | memoryview) -> memoryview:
        """C_i, as a view of one buffer encrypted into again by the next call (no allocation
        per chunk): write it, or copy it, before encrypting the next."""
        if len(plain) + TAG_SIZE > len(self._buffer):
            self._buffer = memoryview(bytearray(len(plain) + TAG_SIZE))
        sealed = self._buffer[:len(plain) + TAG_SIZE]
        self._aes.encrypt_into(self._next_nonce(), plain, None, sealed)
        self.pc.add(plain)
        return sealed

    def _next_nonce(self) -> bytes:
        self._index += 1
        return nonce(self._index - 1, self._count)


def open_chunks(key: bytes, size: int,
                payload: BinaryIO) -> tuple[Iterator[memoryview], ChunkDigest]:
    """P_0 … P_{n−1} decrypted from a payload whose length was checked, and pc's running digest.

    The first chunk that fails raises CHUNK with its index; pc is complete once all are read.
    Each P_i is a view of one buffer read into and decrypted into again for P_{i+1} (no
    allocation or copy per chunk): use it, or copy it, before asking for the next.
    """
    pc = ChunkDigest(PT)

    def chunks() -> Iterator[memoryview]:
        aes, count, left = AESGCM(key), chunk_count(size), size + R_SIZE
        sealed_buffer = memoryview(bytearray(min(CHUNK, left) + TAG_SIZE))
        plain_buffer = memoryview(bytearray(min(CHUNK, left)))
        for index in range(count):
            length = min(CHUNK, left)
            sealed, plain = sealed_buffer[:length + TAG_SIZE], plain_buffer[:length]
            if read_into(payload, sealed) != len(sealed):
                raise SealError("CHUNK", "the payload ends inside the chunk", chunk=index)
            try:
                aes.decrypt_into(nonce(index, count), sealed, None, plain)
            except InvalidTag:
                raise SealError("CHUNK", "tag fails", chunk=index) from None
            left -= length
            pc.add(plain)
            yield plain

    return chunks(), pc
