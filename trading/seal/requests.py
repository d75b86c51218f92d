"""The bidder's signed requests (seal.md §6, §7): the K_b submission S and the withdrawal W."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import canonical_json

from . import p256
from .errors import Code, SealError
from .fields import exact_keys, failing_as, load_object, sorted_hashes, text, unhex
from .header import Header
from .labels import KB, KINDS, WITHDRAW

_SUBMISSION = frozenset({"bid_id", "bidder", "header_sha256", "kb_sha256", "kind", "listing",
                         "sig"})
_WITHDRAWAL = frozenset({"bid_id", "bidder", "headers", "listing", "sig"})


def _sign(prefix: bytes, unsigned: dict[str, Any], bidder_sk: bytes) -> dict[str, Any]:
    """sign_b(prefix, o) of §2, added to o as `sig`."""
    unsigned = canonical_json.normalize(unsigned)
    sig = p256.sign(p256.private_key(bidder_sk), prefix + canonical_json.dumps(unsigned))
    return {**unsigned, "sig": sig.hex()}


def _verify(request: bytes | Mapping[str, Any], fields: frozenset[str], prefix: bytes,
            bidder_pk: bytes, code: Code) -> dict[str, Any]:
    with failing_as(code):
        raw = load_object(request, "request") if isinstance(request, bytes) else request
        value = dict(exact_keys(raw, fields, "request"))
        for name in ("bid_id", "bidder", "listing"):
            text(value[name], name)
        signature = unhex(value["sig"], 64, "sig")
        unsigned = {name: item for name, item in value.items() if name != "sig"}
        message = prefix + canonical_json.dumps(unsigned)
    if not p256.verify(bidder_pk, message, signature):
        raise SealError(code, "the bidder's signature does not verify")
    return value


def make_submission(*, header: Header, k_b: bytes, bidder_sk: bytes) -> dict[str, Any]:
    """S: K_b's hash and the header it opens, signed by the bidder (§7 step 2)."""
    return _sign(KB, {"bid_id": header.bid_id, "bidder": header.bidder,
                      "header_sha256": header.sha256,
                      "kb_sha256": hashlib.sha256(k_b).hexdigest(), "kind": header.kind,
                      "listing": header.listing}, bidder_sk)


def verify_submission(submission: bytes | Mapping[str, Any], *, bidder_pk: bytes,
                      k_b: bytes | None = None) -> dict[str, Any]:
    """S is signed by the bidder and, given K_b, names its hash; else KB_SIGNATURE."""
    value = _verify(submission, _SUBMISSION, KB, bidder_pk, "KB_SIGNATURE")
    with failing_as("KB_SIGNATURE"):
        unhex(value["header_sha256"], 32, "header_sha256")
        unhex(value["kb_sha256"], 32, "kb_sha256")
        if value["kind"] not in KINDS:
            raise ValueError("kind is neither form nor docs")
    if k_b is not None and hashlib.sha256(k_b).hexdigest() != value["kb_sha256"]:
        raise SealError("KB_SIGNATURE", "K_b is not the signed one")
    return value


def make_withdrawal(*, listing: str, bidder: str, bid_id: str, headers: Iterable[str],
                    bidder_sk: bytes) -> dict[str, Any]:
    """W over the sorted header_sha256 of the bid's envelopes of record (§6)."""
    return _sign(WITHDRAW, {"bid_id": bid_id, "bidder": bidder, "headers": sorted(set(headers)),
                            "listing": listing}, bidder_sk)


def verify_withdrawal(withdrawal: bytes | Mapping[str, Any], *,
                      bidder_pk: bytes) -> dict[str, Any]:
    """W is well-formed and signed by the bidder; else WITHDRAWAL_INVALID. The caller compares
    its ids and headers with the bid's envelopes of record.
    """
    value = _verify(withdrawal, _WITHDRAWAL, WITHDRAW, bidder_pk, "WITHDRAWAL_INVALID")
    with failing_as("WITHDRAWAL_INVALID"):
        sorted_hashes(value["headers"], "headers")
    return value
