"""Receipts (seal.md §8), the bidder's requests (§6, §7 step 2) and the platform's checks
of an envelope on upload and at the lock (§6, §7 step 1)."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import UTC, datetime
from typing import Any

import pytest

import canonical_json
from audit import chain as strict  # the one strict Ed25519 of the platform
from trading.seal import (
    SealError,
    check_opening_order,
    check_stored_envelope,
    check_upload,
    ed25519,
    kb_from_opening,
    make_receipt,
    make_submission,
    make_withdrawal,
    measure_envelope,
    new_key_pair,
    pad_form,
    parse_header,
    record_sig_valid,
    seal_envelope,
    sign_record,
    unwrap_for_opening,
    verify_receipt,
    verify_submission,
    verify_withdrawal,
)

PLATFORM_SEED = hashlib.sha256(b"sunbid test platform key").digest()
PLATFORM_PK = ed25519.public_key(PLATFORM_SEED)
KEY_NAME = "sunbid:test/audit"
LISTING_SK, LISTING_PK = new_key_pair()
BIDDER_SK, BIDDER_PK = new_key_pair()
IDS: dict[str, Any] = {"listing": "ZB-2025-0001", "bidder": "ORG-000123",
                       "bid_id": "BID-0001"}
WHEN = datetime(2025, 3, 1, 1, 59, 58, 123456, tzinfo=UTC)


def code_of(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(SealError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def sealed_form(**ids: Any) -> tuple[bytes, Any]:
    out = io.BytesIO()
    sealed = seal_envelope(io.BytesIO(pad_form({"price_fen": 100})), out, kind="form",
                           listing_pk=LISTING_PK, bidder_sk=BIDDER_SK, **{**IDS, **ids})
    return out.getvalue(), sealed


def seal_receipt(sealed: Any, seq: int, **ids: Any) -> dict[str, Any]:
    payload = {**IDS, "kind": sealed.header.kind, "header_sha256": sealed.header.sha256,
               "header_sig": sealed.header_sig.hex(), "envelope_sha256": sealed.envelope_sha256,
               "envelope_size": sealed.envelope_size, "payload_hash": sealed.payload_hash,
               "sealer": "11" * 32, **ids}
    return make_receipt(type="seal", event_payload=payload, received_at=WHEN, audit_seq=seq,
                        platform_seed=PLATFORM_SEED, key_name=KEY_NAME)


def withdraw_receipt(headers: list[str], seq: int) -> dict[str, Any]:
    w = make_withdrawal(headers=headers, bidder_sk=BIDDER_SK, **IDS)
    return make_receipt(type="withdraw", event_payload=w, received_at=WHEN, audit_seq=seq,
                        platform_seed=PLATFORM_SEED, key_name=KEY_NAME)


@pytest.fixture(scope="module")
def envelope() -> tuple[bytes, Any, dict[str, Any]]:
    data, sealed = sealed_form()
    return data, sealed, seal_receipt(sealed, 2)


def verify(receipt: Any, **kwargs: Any) -> dict[str, Any]:
    return verify_receipt(receipt, platform_pk=PLATFORM_PK, key_name=KEY_NAME, **kwargs)


# --- receipts --------------------------------------------------------------------------

def test_receipt_verifies_with_its_envelope(envelope: Any) -> None:
    data, _, receipt = envelope
    assert verify(canonical_json.dumps(receipt), envelope=io.BytesIO(data)) == receipt


@pytest.mark.parametrize("field,value", [
    ("audit_seq", 3), ("bid_id", "BID-0002"), ("received_at", "2025-03-01T01:59:58.123457Z"),
    ("payload_hash", "00" * 32), ("kind", "docs"), ("sig", "00" * 64), ("kid", "00000000"),
    ("v", "sunbid-receipt/2"), ("type", "key"), ("envelope_size", 1),
    ("received_at", "2025-03-01 01:59:58"), ("audit_seq", True), ("extra", 1),
])
def test_tampered_receipt_is_invalid(envelope: Any, field: str, value: Any) -> None:
    assert code_of(verify, {**envelope[2], field: value}) == "RECEIPT_INVALID"


def test_receipt_under_another_key_or_name_is_invalid(envelope: Any) -> None:
    receipt = envelope[2]
    assert code_of(verify_receipt, receipt, platform_pk=ed25519.public_key(os.urandom(32)),
                   key_name=KEY_NAME) == "RECEIPT_INVALID"
    assert code_of(verify_receipt, receipt, platform_pk=PLATFORM_PK,
                   key_name="sunbid:other/audit") == "RECEIPT_INVALID"
    assert code_of(verify, canonical_json.dumps(receipt) + b"\n") == "RECEIPT_INVALID"


def test_receipt_with_missing_field_is_invalid(envelope: Any) -> None:
    receipt = {k: v for k, v in envelope[2].items() if k != "sealer"}
    assert code_of(verify, receipt) == "RECEIPT_INVALID"


@pytest.mark.parametrize("change", [
    lambda e: e + b"\x00",
    lambda e: e[:-1],
    lambda e: e[:-1] + bytes([e[-1] ^ 1]),                           # a payload byte
    lambda e: e.replace(b'"kind":"form"', b'"kind":"FORM"', 1),      # a header byte
])
def test_stored_bytes_not_receipted_are_a_mismatch(envelope: Any, change: Any) -> None:
    data, _, receipt = envelope
    assert code_of(verify, receipt, envelope=io.BytesIO(change(data))) == "RECEIPT_MISMATCH"


def test_strict_ed25519_refuses_malleable_and_weak_inputs() -> None:
    message = b"m"
    sig = ed25519.sign(PLATFORM_SEED, message)
    assert ed25519.verify(PLATFORM_PK, message, sig)
    s = int.from_bytes(sig[32:], "little")
    high_s = sig[:32] + (s + strict._L).to_bytes(32, "little")
    assert not ed25519.verify(PLATFORM_PK, message, high_s)
    # R = the identity with its sign bit set: not a canonical encoding
    assert not ed25519.verify(PLATFORM_PK, message, bytes([1] + [0] * 30 + [0x80]) + sig[32:])
    # small-order and mixed-order public keys
    order_8 = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")
    assert not ed25519.is_strict_public_key(order_8)
    assert not ed25519.is_strict_public_key(bytes([1] + [0] * 31))  # the identity
    a, t = strict._decode_point(PLATFORM_PK), strict._decode_point(order_8)
    assert a is not None and t is not None
    x, y, z, _ = strict._point_add(a, t)
    zi = pow(z, strict._P - 2, strict._P)
    x, y = x * zi % strict._P, y * zi % strict._P
    mixed = (y | ((x & 1) << 255)).to_bytes(32, "little")
    assert not ed25519.is_strict_public_key(mixed)
    assert ed25519.is_strict_public_key(PLATFORM_PK)


def test_record_signature() -> None:
    digest = hashlib.sha256(b"%PDF-1.7").hexdigest()
    sig = sign_record(record_sha256=digest, platform_seed=PLATFORM_SEED)
    assert record_sig_valid(record_sha256=digest, sig=sig, platform_pk=PLATFORM_PK)
    assert not record_sig_valid(record_sha256="00" * 32, sig=sig, platform_pk=PLATFORM_PK)
    # the record prefix keeps it apart from a receipt signature over the same bytes
    plain = ed25519.sign(PLATFORM_SEED, bytes.fromhex(digest)).hex()
    assert not record_sig_valid(record_sha256=digest, sig=plain, platform_pk=PLATFORM_PK)


# --- the bidder's requests -------------------------------------------------------------

def test_submission_binds_k_b_and_the_bidder(envelope: Any) -> None:
    header = envelope[1].header
    k_b = os.urandom(32)
    submission = make_submission(header=header, k_b=k_b, bidder_sk=BIDDER_SK)
    assert submission["header_sha256"] == header.sha256
    assert verify_submission(canonical_json.dumps(submission), bidder_pk=BIDDER_PK, k_b=k_b)
    assert code_of(verify_submission, submission, bidder_pk=BIDDER_PK,
                   k_b=os.urandom(32)) == "KB_SIGNATURE"
    assert code_of(verify_submission, submission, bidder_pk=LISTING_PK) == "KB_SIGNATURE"
    for field, value in (("kind", "docs"), ("header_sha256", "00" * 32), ("sig", "00" * 64)):
        assert code_of(verify_submission, {**submission, field: value},
                       bidder_pk=BIDDER_PK) == "KB_SIGNATURE"


def test_withdrawal_checks() -> None:
    headers = ["22" * 32, "11" * 32]
    w = make_withdrawal(headers=headers, bidder_sk=BIDDER_SK, **IDS)
    assert w["headers"] == sorted(headers)
    assert verify_withdrawal(w, bidder_pk=BIDDER_PK) == w
    edits: list[dict[str, Any]] = [{"bid_id": "BID-0002"}, {"headers": headers},
                                   {"headers": []}, {"sig": "00" * 64}]
    for edit in edits:
        assert code_of(verify_withdrawal, {**w, **edit}, bidder_pk=BIDDER_PK) == \
            "WITHDRAWAL_INVALID"
    assert code_of(verify_withdrawal, w, bidder_pk=LISTING_PK) == "WITHDRAWAL_INVALID"


# --- §7 step 2: the bidder's unwrap ----------------------------------------------------

def unwrap(header: Any, receipts: list[Any], **kwargs: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"listing": "ZB-2025-0001", "platform_pk": PLATFORM_PK,
                                 "key_name": KEY_NAME, "bidder_sk": BIDDER_SK, **kwargs}
    return unwrap_for_opening(header=header, receipts=receipts, **arguments)


def test_unwrap_of_the_envelope_of_record(envelope: Any) -> None:
    _, sealed, receipt = envelope
    result = unwrap(sealed.header, [canonical_json.dumps(receipt)])
    k_b = bytes.fromhex(result["k_b"])
    assert verify_submission(result["submission"], bidder_pk=BIDDER_PK, k_b=k_b)
    opening_sk, opening_pk = new_key_pair()
    handed = unwrap(sealed.header, [receipt], opening_pk=opening_pk)
    assert set(handed) == {"stanza", "submission"}
    assert kb_from_opening(stanza=handed["stanza"], submission=handed["submission"],
                           opening_sk=opening_sk) == k_b


def test_unwrap_refuses_envelopes_not_of_record(envelope: Any) -> None:
    _, sealed, receipt = envelope
    _, newer = sealed_form()
    replaced = seal_receipt(newer, 5)
    assert code_of(unwrap, sealed.header, [receipt, replaced]) == "NOT_OF_RECORD"
    assert unwrap(newer.header, [receipt, replaced])  # the newer one is of record
    withdrawn = withdraw_receipt([sealed.header.sha256], 3)
    assert code_of(unwrap, sealed.header, [receipt, withdrawn]) == "NOT_OF_RECORD"
    assert unwrap(newer.header, [receipt, withdrawn, replaced])  # sealed again after
    assert code_of(unwrap, sealed.header, [receipt], listing="ZB-2025-0002") == "NOT_OF_RECORD"
    assert code_of(unwrap, sealed.header, []) == "NOT_OF_RECORD"
    other_bid = seal_receipt(sealed, 2, bid_id="BID-0002")
    assert code_of(unwrap, sealed.header, [other_bid]) == "NOT_OF_RECORD"


def test_unwrap_refuses_bad_receipts_and_keys(envelope: Any) -> None:
    _, sealed, receipt = envelope
    assert code_of(unwrap, sealed.header, [{**receipt, "audit_seq": 9}]) == "RECEIPT_INVALID"
    assert code_of(unwrap, sealed.header, [receipt],
                   bidder_sk=LISTING_SK) == "UNWRAP_BIDDER"


# --- the platform's checks ---------------------------------------------------------------

def upload(data: bytes, sealed: Any, **kwargs: Any) -> Any:
    header, payload = data.split(b"\n", 1)
    arguments: dict[str, Any] = {
        "header": header, "header_sig": sealed.header_sig, "payload_size": len(payload),
        "kind": "form", "listing_pk": LISTING_PK, "bidder_pk": BIDDER_PK, "form_size": 4096,
        **IDS, **kwargs}
    return check_upload(**arguments)


def test_upload_checks(envelope: Any) -> None:
    data, sealed, _ = envelope
    assert upload(data, sealed).sha256 == sealed.header.sha256
    altered = data.replace(b'"bid_id":"BID-0001"', b'"bid_id":"BID-0009"', 1)
    assert code_of(upload, altered, sealed, bid_id="BID-0009") == "HEADER_INVALID"  # sig
    assert code_of(upload, data, sealed, bid_id="BID-0002") == "HEADER_INVALID"
    assert code_of(upload, data, sealed, form_size=8192) == "HEADER_INVALID"
    assert code_of(upload, data, sealed, header_sig=b"\x00" * 64) == "HEADER_INVALID"
    assert code_of(upload, data, sealed, payload_size=5000) == "LENGTH"
    assert code_of(upload, data, sealed, listing_pk=BIDDER_PK) == "WRONG_RECIPIENT"
    assert code_of(upload, data, sealed, bidder_pk=LISTING_PK) == "WRONG_RECIPIENT"


def stored(data: bytes, receipt: Any, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {"platform_pk": PLATFORM_PK, "key_name": KEY_NAME,
                                 "kind": "form", "listing_pk": LISTING_PK,
                                 "bidder_pk": BIDDER_PK, **IDS, **kwargs}
    return check_stored_envelope(envelope=io.BytesIO(data), receipt=receipt, **arguments)


def test_lock_checks(envelope: Any) -> None:
    data, sealed, receipt = envelope
    assert stored(data, receipt).raw == sealed.header.raw
    assert code_of(stored, data, {**receipt, "sig": "00" * 64}) == "RECEIPT_INVALID"
    assert code_of(stored, data, receipt, bid_id="BID-0002") == "RECEIPT_INVALID"
    assert code_of(stored, data[:-1] + bytes([data[-1] ^ 1]), receipt) == "RECEIPT_MISMATCH"
    assert code_of(stored, data, receipt, listing_pk=BIDDER_PK) == "WRONG_RECIPIENT"
    assert code_of(stored, data, receipt, bidder_pk=LISTING_PK) == "WRONG_RECIPIENT"


def test_lock_finds_what_the_platform_should_have_refused() -> None:
    listing_only = io.BytesIO()
    sealed = seal_envelope(io.BytesIO(b"zip"), listing_only, kind="docs", bidder_lock=False,
                           listing_pk=LISTING_PK, bidder_sk=BIDDER_SK, **IDS)
    receipt = seal_receipt(sealed, 2)
    assert code_of(stored, listing_only.getvalue(), receipt, kind="docs") == "WRONG_RECIPIENT"
    data, sealed = sealed_form()
    bad_sig = seal_receipt(sealed, 2, header_sig="00" * 64)
    assert code_of(stored, data, bad_sig) == "RECEIPT_INVALID"
    # a receipted envelope whose header is malformed
    broken = b'{"v":"sunbid-seal/1"}\n' + data.split(b"\n", 1)[1]
    header_sha256 = hashlib.sha256(b'{"v":"sunbid-seal/1"}').hexdigest()
    digests = measure_envelope(io.BytesIO(broken))
    receipt = seal_receipt(sealed, 2, header_sha256=header_sha256,
                           envelope_sha256=digests.sha256, envelope_size=digests.size)
    assert code_of(stored, broken, receipt) == "HEADER_INVALID"
    assert parse_header(data.split(b"\n", 1)[0])


# --- the opening's order -----------------------------------------------------------------

GOOD = ["opening.lock", "seal.key", "seal.key", "opening.keys_closed", "opening.share",
        "opening.share_rejected", "opening.share", "opening.key_rebuilt", "opening.key_rebuilt",
        "opening.result", "opening.record"]


def test_opening_in_order_passes() -> None:
    check_opening_order(["seal.received", "listing.deadline", *GOOD])
    # a restart: only what follows the last lock counts
    check_opening_order(["opening.lock", "opening.share", "opening.lock", *GOOD[1:]])


@pytest.mark.parametrize("events", [
    ["opening.lock", "opening.share", "opening.keys_closed"],       # share before keys_closed
    ["opening.lock", "opening.keys_closed", "seal.key"],             # K_b after the window
    ["opening.lock", "opening.keys_closed", "opening.keys_closed"],
    ["opening.lock", "opening.keys_closed", "opening.result", "opening.share"],
    ["opening.lock", "opening.keys_closed", "opening.record"],       # record without result
    ["opening.lock", "opening.keys_closed", "opening.result", "opening.result"],
    ["opening.lock", "opening.result"],
])
def test_opening_out_of_order_fails(events: list[str]) -> None:
    assert code_of(check_opening_order, events) == "OPENING_ORDER"
