"""The platform's checks of an envelope: on upload (seal.md §6) and at the opening's lock
(§7 step 1). Whether an envelope is of record (NOT_OF_RECORD) follows from the audit events
and is the caller's to decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from . import p256
from .errors import SealError
from .header import Header, parse_header, read_header_line
from .labels import HEADER_SIG, Kind
from .payload import payload_length
from .receipts import check_receipted_envelope, verify_receipt


def _check_recipients(header: Header, listing_pk: bytes, bidder_pk: bytes) -> None:
    if header.listing_stanza.pk != listing_pk:
        raise SealError("WRONG_RECIPIENT", "not sealed to the published listing key")
    # The bidder lock is mandatory in the platform (§1).
    if header.bidder_stanza is None or header.bidder_stanza.pk != bidder_pk:
        raise SealError("WRONG_RECIPIENT", "not locked to the registered bidder key")


def _check_ids(header: Header, listing: str, bidder: str, bid_id: str, kind: Kind) -> bool:
    return (header.listing, header.bidder, header.bid_id, header.kind) == (
        listing, bidder, bid_id, kind)


def check_upload(*, header: bytes, header_sig: bytes, payload_size: int, listing: str,
                 bidder: str, bid_id: str, kind: Kind, listing_pk: bytes, bidder_pk: bytes,
                 form_size: int) -> Header:
    """§6's refusals, but the deadline: HEADER_INVALID (a header breaking §4, other ids, a
    form size ≠ form_size, a failing header_sig), WRONG_RECIPIENT, LENGTH.
    """
    parsed = parse_header(header)
    if not _check_ids(parsed, listing, bidder, bid_id, kind):
        raise SealError("HEADER_INVALID", "the header names another listing, bid or kind")
    if kind == "form" and parsed.size != form_size:
        raise SealError("HEADER_INVALID", f"a form's size is the notice's {form_size}")
    _check_recipients(parsed, listing_pk, bidder_pk)
    if not p256.verify(bidder_pk, HEADER_SIG + header, header_sig):
        raise SealError("HEADER_INVALID", "header_sig does not verify")
    if payload_size != payload_length(parsed.size):
        raise SealError("LENGTH", f"the payload is not {payload_length(parsed.size)} bytes")
    return parsed


def check_stored_envelope(*, envelope: BinaryIO, receipt: bytes | Mapping[str, Any],
                          platform_pk: bytes, key_name: str, listing: str, bidder: str,
                          bid_id: str, kind: Kind, listing_pk: bytes,
                          bidder_pk: bytes) -> Header:
    """§7 step 1 (a)–(c) for one envelope of record, read from its (seekable) position:
    RECEIPT_INVALID, RECEIPT_MISMATCH, HEADER_INVALID, WRONG_RECIPIENT, in that order.
    """
    value = verify_receipt(receipt, platform_pk=platform_pk, key_name=key_name)
    if value["type"] != "seal" or (value["listing"], value["bidder"], value["bid_id"],
                                   value["kind"]) != (listing, bidder, bid_id, kind):
        raise SealError("RECEIPT_INVALID", "the receipt is not this bid's seal receipt")
    start = envelope.tell()
    check_receipted_envelope(value, envelope)
    envelope.seek(start)
    header = parse_header(read_header_line(envelope))
    envelope.seek(start)
    if not _check_ids(header, listing, bidder, bid_id, kind):
        raise SealError("RECEIPT_INVALID", "the header names another listing, bid or kind")
    _check_recipients(header, listing_pk, bidder_pk)
    # The platform had to refuse a failing header_sig (§6): accepting one is its fault.
    if not p256.verify(bidder_pk, HEADER_SIG + header.raw, bytes.fromhex(value["header_sig"])):
        raise SealError("RECEIPT_INVALID", "the receipt's header_sig does not verify")
    return header
