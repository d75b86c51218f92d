"""Opening an envelope (seal.md §7 step 4), streamed chunk by chunk.

The checks run in the spec's order, each with its code: K_l (UNWRAP_LISTING), kc
(KEY_COMMIT), payload length (LENGTH), chunks (CHUNK with its index), pc
(PLAINTEXT_COMMIT), the form (FORM_INVALID).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from .errors import SealError
from .form import unpad_form
from .header import Header, key_commitment, parse_header, payload_key, read_header_line
from .labels import R_SIZE
from .payload import open_chunks, payload_length, remaining
from .stanza import unwrap_stanza


@dataclass(frozen=True)
class Opened:
    header: Header
    form: dict[str, Any] | None  # the bid form of a form envelope, None for docs


def listing_key(header: Header, listing_sk: bytes) -> bytes:
    """K_l, unwrapped from the listing stanza with the rebuilt listing key d."""
    return unwrap_stanza(header.listing_stanza, listing_sk, role="listing", aad=header.bind,
                         code="UNWRAP_LISTING")


def bidder_key(header: Header, bidder_sk: bytes) -> bytes:
    """K_b, unwrapped from the bidder stanza with the bidder's own key (§7 step 2)."""
    if header.bidder_stanza is None:
        raise SealError("UNWRAP_BIDDER", "a listing-only envelope has no bidder stanza")
    return unwrap_stanza(header.bidder_stanza, bidder_sk, role="bidder", aad=header.bind,
                         code="UNWRAP_BIDDER")


def decrypt_payload(header: Header, payload: BinaryIO, *, k_l: bytes, k_b: bytes,
                    sink: Callable[[memoryview], object]) -> None:
    """Check kc, length, every chunk and pc, handing the body to `sink` piece by piece.

    `payload` must be seekable (its length is checked before any chunk). Each piece is a
    view of a buffer reused for the next: the sink writes or copies it, never keeps it. The
    sink sees plaintext before pc is checked: discard its output when this raises.
    """
    key = payload_key(header.core(), k_l, k_b)
    if not hmac.compare_digest(key_commitment(key), header.kc):
        raise SealError("KEY_COMMIT", "kc does not match K")
    if remaining(payload) != payload_length(header.size):
        raise SealError("LENGTH", f"the payload is not {payload_length(header.size)} bytes")
    chunks, pc = open_chunks(key, header.size, payload)
    skip = R_SIZE  # r leads P_0 and is not body
    for plain in chunks:
        sink(plain[skip:])
        skip = 0
    if not hmac.compare_digest(pc.digest(), header.pc):
        raise SealError("PLAINTEXT_COMMIT", "pc does not match the plaintext")


def open_envelope(envelope: BinaryIO, out: BinaryIO | None = None, *,
                  listing_sk: bytes | None = None, k_l: bytes | None = None,
                  bidder_sk: bytes | None = None, k_b: bytes | None = None) -> Opened:
    """Open a seekable envelope with d or K_l, and the bidder's key or K_b (or neither for a
    listing-only envelope). `out` gets the body (a form: its unpadded CJ); on SealError,
    discard what it got.
    """
    if (listing_sk is None) == (k_l is None):
        raise ValueError("give exactly one of listing_sk and k_l")
    if bidder_sk is not None and k_b is not None:
        raise ValueError("give at most one of bidder_sk and k_b")
    header = parse_header(read_header_line(envelope))
    k_l = listing_key(header, listing_sk) if listing_sk is not None else k_l
    if bidder_sk is not None:
        k_b = bidder_key(header, bidder_sk)
    elif k_b is None:
        if header.bidder_stanza is not None:
            raise SealError("NO_BIDDER_KEY", "the envelope is bidder-locked")
        k_b = b""
    assert k_l is not None
    if header.kind == "docs":
        decrypt_payload(header, envelope, k_l=k_l, k_b=k_b,
                        sink=out.write if out is not None else len)
        return Opened(header, None)
    body = bytearray()
    decrypt_payload(header, envelope, k_l=k_l, k_b=k_b, sink=body.extend)
    encoded, form = unpad_form(bytes(body))
    if out is not None:
        out.write(encoded)
    return Opened(header, form)
