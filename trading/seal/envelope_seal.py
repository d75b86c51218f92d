"""Sealing an envelope (seal.md §6 steps 1–3), streamed chunk by chunk, with the self-check."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import BinaryIO

import canonical_json

from . import p256
from .digest import fingerprint, measure_envelope
from .envelope_open import bidder_key, decrypt_payload
from .errors import SealError
from .form import check_form_size, unpad_form
from .header import (
    Header,
    bind_aad,
    core_object,
    key_commitment,
    parse_header,
    payload_key,
    read_header_line,
)
from .labels import HEADER_SIG, Kind
from .payload import Sealer, plaintext_chunks, remaining
from .stanza import make_stanza, unwrap_with_ephemeral


@dataclass(frozen=True)
class SealSecrets:
    """The per-envelope random values of §3: fresh from a CSPRNG, fixed only in vectors."""

    k_l: bytes
    k_b: bytes
    r: bytes
    e_listing: bytes  # ephemeral P-256 scalars, one per stanza
    e_bidder: bytes

    @classmethod
    def fresh(cls) -> SealSecrets:
        return cls(os.urandom(32), os.urandom(32), os.urandom(32),
                   p256.scalar_bytes(p256.generate()), p256.scalar_bytes(p256.generate()))


@dataclass(frozen=True)
class Sealed:
    """What the sealer uploads beside the envelope, and what its receipt must repeat (§6)."""

    header: Header
    header_sig: bytes
    payload_hash: str
    envelope_sha256: str
    envelope_size: int


def seal_envelope(body: BinaryIO, out: BinaryIO, *, listing: str, bidder: str, bid_id: str,
                  kind: Kind, listing_pk: bytes, bidder_sk: bytes,
                  listing_fingerprint: str | None = None, bidder_lock: bool = True,
                  secrets: SealSecrets | None = None) -> Sealed:
    """Seal the seekable `body` (a form: `pad_form`'s bytes) into `out` from its position.

    `out` must be readable, seekable ("w+b" or BytesIO) and empty from its position: the
    self-check reads it back.
    On SealError, upload nothing of what `out` got.
    """
    if listing_fingerprint is not None and fingerprint(listing_pk) != listing_fingerprint:
        raise SealError("WRONG_RECIPIENT", "the listing key is not the notice's")
    try:
        p256.public_key(listing_pk)
    except ValueError as e:
        raise SealError("WRONG_RECIPIENT", str(e)) from None
    try:
        signer = p256.private_key(bidder_sk)
    except ValueError as e:
        raise SealError("KEY_FILE", str(e)) from None
    listing, bidder, bid_id = (canonical_json.normalize(s) for s in (listing, bidder, bid_id))
    if not all(isinstance(s, str) and s for s in (listing, bidder, bid_id)) \
            or kind not in ("form", "docs"):
        raise ValueError("listing, bidder and bid_id are non-empty; kind is form or docs")
    size = remaining(body)
    if kind == "form":
        try:
            check_form_size(size)
        except ValueError as e:
            raise SealError("FORM_INVALID", str(e)) from None
    secrets = secrets or SealSecrets.fresh()
    start = out.tell()
    bind = bind_aad(listing=listing, bidder=bidder, bid_id=bid_id, kind=kind)
    listing_stanza = make_stanza(secrets.k_l, listing_pk, role="listing", aad=bind,
                                 ephemeral_sk=secrets.e_listing)
    bidder_stanza = make_stanza(secrets.k_b, p256.point_bytes(signer), role="bidder", aad=bind,
                                ephemeral_sk=secrets.e_bidder) if bidder_lock else None
    core = core_object(listing=listing, bidder=bidder, bid_id=bid_id, kind=kind, size=size,
                       listing_stanza=listing_stanza, bidder_stanza=bidder_stanza)
    k_b = secrets.k_b if bidder_lock else b""
    key = payload_key(core, secrets.k_l, k_b)
    kc = key_commitment(key).hex()
    # pc needs every chunk, yet the header comes first: its length does not depend on
    # pc's value, so the payload is written after a gap the header fills at the end.
    header_size = len(canonical_json.dumps({**core, "kc": kc, "pc": "00" * 32}))
    out.seek(start + header_size + 1)
    sealer = Sealer(key, size)
    for plain in plaintext_chunks(secrets.r, body, size):
        out.write(sealer.encrypt_view(plain))
    raw = canonical_json.dumps({**core, "kc": kc, "pc": sealer.pc.digest().hex()})
    out.seek(start)
    out.write(raw + b"\n")
    header_sig = p256.sign(signer, HEADER_SIG + raw)
    _self_check(out, start, secrets, bidder_sk if bidder_lock else None)
    out.seek(start)
    written = measure_envelope(out)
    return Sealed(parse_header(raw), header_sig, written.payload_hash, written.sha256,
                  written.size)


def _self_check(out: BinaryIO, start: int, secrets: SealSecrets, bidder_sk: bytes | None) -> None:
    """§6 step 3: reopen what was written, as the opening will, before anything is uploaded."""
    out.seek(start)
    header = parse_header(read_header_line(out))
    k_b = bidder_key(header, bidder_sk) if bidder_sk is not None else b""
    # The sealer never holds d: it reopens the listing stanza from its kept e.
    k_l = unwrap_with_ephemeral(header.listing_stanza, secrets.e_listing, role="listing",
                                aad=header.bind, code="UNWRAP_LISTING")
    body = bytearray()
    decrypt_payload(header, out, k_l=k_l, k_b=k_b,
                    sink=body.extend if header.kind == "form" else len)
    if header.kind == "form":
        unpad_form(bytes(body))
