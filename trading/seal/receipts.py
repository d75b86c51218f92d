"""Receipts (seal.md §8): the platform's Ed25519-signed word that it holds what it received."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, BinaryIO, Literal

import canonical_json

from . import ed25519
from .digest import measure_envelope
from .errors import SealError
from .fields import (
    exact_keys,
    failing_as,
    format_time,
    integer,
    load_object,
    sorted_hashes,
    text,
    timestamp,
    unhex,
)
from .labels import KINDS, RECEIPT, RECEIPT_VERSION, RECORD

ReceiptType = Literal["seal", "withdraw", "key"]
_COMMON = frozenset({"v", "type", "kid", "listing", "bidder", "bid_id", "received_at",
                     "audit_seq", "sig"})
_BY_TYPE: dict[str, frozenset[str]] = {
    "seal": frozenset({"kind", "header_sha256", "header_sig", "envelope_sha256",
                       "envelope_size", "payload_hash", "sealer"}),
    "withdraw": frozenset({"headers", "withdraw_sig"}),
    "key": frozenset({"kind", "header_sha256", "kb_sha256", "kb_sig"}),
}
# In the event payload the request's signature is plain `sig` (§8).
_REQUEST_SIG = {"withdraw": "withdraw_sig", "key": "kb_sig"}
_NOT_IN_EVENT = frozenset({"v", "type", "kid", "received_at", "audit_seq", "sig"})
# Each field's reader: byte strings by their size, the rest by kind of value.
_HEX_SIZES = {"kid": 4, "sig": 64, "header_sha256": 32, "header_sig": 64, "envelope_sha256": 32,
              "payload_hash": 32, "sealer": 32, "withdraw_sig": 64, "kb_sha256": 32,
              "kb_sig": 64}


def check_receipt_fields(receipt: Mapping[str, Any]) -> None:
    """Exactly the fields of its type, each well-formed; ValueError otherwise."""
    kind = receipt.get("type") if isinstance(receipt, Mapping) else None
    if kind not in _BY_TYPE:
        raise ValueError("type is not seal, withdraw or key")
    exact_keys(receipt, _COMMON | _BY_TYPE[kind], f"a {kind} receipt")
    if receipt["v"] != RECEIPT_VERSION:
        raise ValueError(f"v is not {RECEIPT_VERSION}")
    for name in ("listing", "bidder", "bid_id"):
        text(receipt[name], name)
    timestamp(receipt["received_at"], "received_at")
    integer(receipt["audit_seq"], 1, "audit_seq")
    for name, size in _HEX_SIZES.items():
        if name in receipt:
            unhex(receipt[name], size, name)
    if "kind" in receipt and receipt["kind"] not in KINDS:
        raise ValueError("kind is neither form nor docs")
    if "envelope_size" in receipt:
        integer(receipt["envelope_size"], 1, "envelope_size")
    if "headers" in receipt:
        sorted_hashes(receipt["headers"], "headers")


def make_receipt(*, type: ReceiptType, event_payload: Mapping[str, Any], received_at: datetime,
                 audit_seq: int, platform_seed: bytes, key_name: str) -> dict[str, Any]:
    """The receipt of the event `event_payload` (seal.received, seal.withdrawn, seal.key)."""
    body = {name: value for name, value in event_payload.items() if name != "sig"}
    if type in _REQUEST_SIG:
        body[_REQUEST_SIG[type]] = event_payload.get("sig")
    body.update(v=RECEIPT_VERSION, type=type, received_at=format_time(received_at),
                audit_seq=audit_seq,
                kid=ed25519.kid(key_name, ed25519.public_key(platform_seed)))
    receipt: dict[str, Any] = canonical_json.normalize(body)
    check_receipt_fields({**receipt, "sig": "00" * 64})
    receipt["sig"] = ed25519.sign(platform_seed, RECEIPT + canonical_json.dumps(receipt)).hex()
    return receipt


def receipt_event_payload(receipt: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of the receipt's audit event (§8)."""
    payload = {name: value for name, value in receipt.items() if name not in _NOT_IN_EVENT}
    request_sig = _REQUEST_SIG.get(receipt["type"])
    if request_sig is not None:
        payload["sig"] = payload.pop(request_sig)
    return payload


def _load(receipt: bytes | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(receipt, bytes):
        return load_object(receipt, "receipt")
    canonical_json.dumps(receipt)  # a mapping must be CJ-able, as its bytes would be
    return dict(receipt)


def verify_receipt(receipt: bytes | Mapping[str, Any], *, platform_pk: bytes, key_name: str,
                   envelope: BinaryIO | None = None) -> dict[str, Any]:
    """Check signature, kid and fields (RECEIPT_INVALID); with an envelope (read from its
    position), also its size and hashes (RECEIPT_MISMATCH). Returns the receipt.
    """
    with failing_as("RECEIPT_INVALID"):
        value = _load(receipt)
        check_receipt_fields(value)
    if value["kid"] != ed25519.kid(key_name, platform_pk):
        raise SealError("RECEIPT_INVALID", "kid is not the platform key's")
    unsigned = {name: item for name, item in value.items() if name != "sig"}
    if not ed25519.verify(platform_pk, RECEIPT + canonical_json.dumps(unsigned),
                          bytes.fromhex(value["sig"])):
        raise SealError("RECEIPT_INVALID", "the signature does not verify")
    if envelope is not None:
        check_receipted_envelope(value, envelope)
    return value


def check_receipted_envelope(receipt: Mapping[str, Any], envelope: BinaryIO) -> None:
    """The stored bytes are those the seal receipt names (§7 step 1b), else RECEIPT_MISMATCH."""
    if receipt["type"] != "seal":
        raise SealError("RECEIPT_INVALID", "not a seal receipt")
    stored = measure_envelope(envelope)
    for name, value in (("envelope_size", stored.size), ("envelope_sha256", stored.sha256),
                        ("header_sha256", stored.header_sha256),
                        ("payload_hash", stored.payload_hash)):
        if receipt[name] != value:
            raise SealError("RECEIPT_MISMATCH", f"{name} is not the receipt's")


def sign_record(*, record_sha256: str, platform_seed: bytes) -> str:
    """`opening.record`'s sig: Ed25519(platform key, "sunbid-seal/1 record\\n" ‖ SHA-256(PDF))."""
    return ed25519.sign(platform_seed, RECORD + bytes.fromhex(record_sha256)).hex()


def record_sig_valid(*, record_sha256: str, sig: str, platform_pk: bytes) -> bool:
    try:
        message = RECORD + unhex(record_sha256, 32, "record_sha256")
        signature = unhex(sig, 64, "sig")
    except ValueError:
        return False
    return ed25519.verify(platform_pk, message, signature)
