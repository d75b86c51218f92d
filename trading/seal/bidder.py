"""The bidder's K_b window (seal.md §7 step 2), run on the bidder's own machine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .envelope_open import bidder_key
from .errors import SealError
from .handover import kb_to_opening
from .header import Header
from .receipts import verify_receipt
from .requests import make_submission


def receipt_of_record(header: Header, receipts: Sequence[Mapping[str, Any]],
                      listing: str) -> Mapping[str, Any]:
    """The latest seal receipt of this listing, bid and kind, if it names this header and no
    later withdrawal follows it; else NOT_OF_RECORD. The receipts are already verified.
    """
    if header.listing != listing:
        raise SealError("NOT_OF_RECORD", "the envelope is another listing's")

    def of_bid(receipt: Mapping[str, Any]) -> bool:
        return (receipt["listing"], receipt["bidder"], receipt["bid_id"]) == (
            listing, header.bidder, header.bid_id)

    seals = [r for r in receipts if r["type"] == "seal" and of_bid(r) and r["kind"] == header.kind]
    if not seals:
        raise SealError("NOT_OF_RECORD", "no seal receipt for this bid and kind")
    latest = max(seals, key=lambda r: r["audit_seq"])
    if latest["header_sha256"] != header.sha256:
        raise SealError("NOT_OF_RECORD", "the latest receipt names another envelope")
    if any(r["type"] == "withdraw" and of_bid(r) and r["audit_seq"] > latest["audit_seq"]
           for r in receipts):
        raise SealError("NOT_OF_RECORD", "the bid was withdrawn")
    return latest


def unwrap_for_opening(*, header: Header, receipts: Sequence[bytes | Mapping[str, Any]],
                       listing: str, platform_pk: bytes, key_name: str, bidder_sk: bytes,
                       opening_pk: bytes | None = None) -> dict[str, Any]:
    """`unwrap` (§11): verify the bidder's own receipts (RECEIPT_INVALID), require the header
    of record (NOT_OF_RECORD), unwrap K_b (UNWRAP_BIDDER) and sign S.

    Returns {"k_b": hex, "submission": S}, or with `opening_pk` {"stanza", "submission"}.
    """
    verified = [verify_receipt(r, platform_pk=platform_pk, key_name=key_name) for r in receipts]
    receipt_of_record(header, verified, listing)
    k_b = bidder_key(header, bidder_sk)
    submission = make_submission(header=header, k_b=k_b, bidder_sk=bidder_sk)
    if opening_pk is None:
        return {"k_b": k_b.hex(), "submission": submission}
    try:
        stanza = kb_to_opening(k_b=k_b, submission=submission, opening_pk=opening_pk)
    except ValueError as e:
        raise SealError("WRONG_RECIPIENT", f"the opening key: {e}") from None
    return {"stanza": stanza.as_json(), "submission": submission}
