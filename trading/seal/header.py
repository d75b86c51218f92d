"""The envelope header (seal.md §4): parse strictly, and derive core, bind, salt and K from it."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import canonical_json

from .errors import SealError
from .fields import exact_keys, failing_as, integer, load_object, text, unhex
from .labels import CHUNK, FORM_BLOCK, KEY_COMMIT, KINDS, MAX_HEADER, PAYLOAD, SUITE, VERSION, Kind
from .stanza import Stanza, parse_stanza

_FIELDS = frozenset({"v", "suite", "listing", "bidder", "bid_id", "kind", "chunk", "size",
                     "recipients", "kc", "pc"})


@dataclass(frozen=True)
class Header:
    raw: bytes  # the CJ bytes exactly as in the envelope, before its 0x0A
    listing: str
    bidder: str
    bid_id: str
    kind: Kind
    size: int
    listing_stanza: Stanza
    bidder_stanza: Stanza | None  # None: a listing-only envelope (K_b empty)
    kc: bytes
    pc: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def bind(self) -> bytes:
        return bind_aad(listing=self.listing, bidder=self.bidder, bid_id=self.bid_id,
                        kind=self.kind)

    def core(self) -> dict[str, Any]:
        return core_object(listing=self.listing, bidder=self.bidder, bid_id=self.bid_id,
                           kind=self.kind, size=self.size, listing_stanza=self.listing_stanza,
                           bidder_stanza=self.bidder_stanza)


def bind_aad(*, listing: str, bidder: str, bid_id: str, kind: Kind) -> bytes:
    """bind: the aad of both envelope stanzas, so a stanza moved to another bid fails."""
    return canonical_json.dumps({"bid_id": bid_id, "bidder": bidder, "kind": kind,
                                 "listing": listing})


def core_object(*, listing: str, bidder: str, bid_id: str, kind: Kind, size: int,
                listing_stanza: Stanza, bidder_stanza: Stanza | None) -> dict[str, Any]:
    """The header without kc and pc."""
    recipients = {"listing": listing_stanza.as_json()}
    if bidder_stanza is not None:
        recipients["bidder"] = bidder_stanza.as_json()
    return {"v": VERSION, "suite": SUITE, "listing": listing, "bidder": bidder,
            "bid_id": bid_id, "kind": kind, "chunk": CHUNK, "size": size,
            "recipients": recipients}


def payload_key(core: dict[str, Any], k_l: bytes, k_b: bytes) -> bytes:
    """K = HKDF(ikm = K_l ‖ K_b, salt = SHA-256(CJ(core)), "sunbid-seal/1 payload")."""
    salt = hashlib.sha256(canonical_json.dumps(core)).digest()
    return HKDF(hashes.SHA256(), 32, salt, PAYLOAD).derive(k_l + k_b)


def key_commitment(k: bytes) -> bytes:
    return hmac.new(k, KEY_COMMIT, hashlib.sha256).digest()


def _parse(raw: bytes) -> Header:
    if len(raw) > MAX_HEADER:
        raise ValueError(f"header longer than {MAX_HEADER} bytes")
    obj = exact_keys(load_object(raw, "header"), _FIELDS, "header")
    if obj["v"] != VERSION or obj["suite"] != SUITE or obj["chunk"] != CHUNK:
        raise ValueError("v, suite or chunk is not sunbid-seal/1's")
    if obj["kind"] not in KINDS:
        raise ValueError("kind is neither form nor docs")
    kind = cast(Kind, obj["kind"])
    size = integer(obj["size"], 0, "size")
    if kind == "form" and (size == 0 or size % FORM_BLOCK):
        raise ValueError(f"a form's size is a positive multiple of {FORM_BLOCK}")
    recipients = obj["recipients"]
    if not isinstance(recipients, dict) or set(recipients) not in ({"listing"},
                                                                    {"listing", "bidder"}):
        raise ValueError('recipients is not {"listing"[, "bidder"]}')
    bidder_stanza = recipients.get("bidder")
    return Header(
        raw=raw, listing=text(obj["listing"], "listing"), bidder=text(obj["bidder"], "bidder"),
        bid_id=text(obj["bid_id"], "bid_id"), kind=kind, size=size,
        listing_stanza=parse_stanza(recipients["listing"], "recipients.listing"),
        bidder_stanza=None if bidder_stanza is None
        else parse_stanza(bidder_stanza, "recipients.bidder"),
        kc=unhex(obj["kc"], 32, "kc"), pc=unhex(obj["pc"], 32, "pc"))


def parse_header(raw: bytes) -> Header:
    """The header from its CJ bytes (no trailing 0x0A), or SealError HEADER_INVALID."""
    with failing_as("HEADER_INVALID"):
        return _parse(raw)


def read_header_line(stream: BinaryIO, *, bare: bool = False) -> bytes:
    """The header's bytes from an envelope, leaving `stream` at the payload.

    With `bare`, a header file may also end without its 0x0A (unwrap's HEADER, §11).
    """
    line = stream.readline(MAX_HEADER + 1)
    if line.endswith(b"\n"):
        return line[:-1]
    if bare and len(line) <= MAX_HEADER and not stream.read(1):
        return line
    raise SealError("HEADER_INVALID", f"no 0x0A within {MAX_HEADER + 1} bytes")
