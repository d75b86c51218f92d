"""Vectors S1–S6 of seal-vectors.md, byte for byte, parsed from the spec file itself."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import canonical_json
from trading.seal import (
    Sealed,
    SealSecrets,
    ed25519,
    fingerprint,
    make_key_file,
    make_receipt,
    make_share_file,
    make_submission,
    make_withdrawal,
    open_envelope,
    p256,
    pad_form,
    parse_header,
    platform_kid,
    read_key_file,
    read_share_file,
    receipt_event_payload,
    seal_envelope,
    shamir,
    share_commit,
    split_listing_key,
    verify_receipt,
    verify_submission,
    verify_withdrawal,
)
from trading.seal.header import key_commitment, payload_key
from trading.seal.keyfile import _kek
from trading.seal.labels import CHUNK, HEADER_SIG, TAG_SIZE
from trading.seal.stanza import wrap_key

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"


@cache
def vectors(name: str = "seal-vectors.md") -> dict[str, dict[str, str]]:
    """{"S1": {name: value}, …}: each `name = value` (or `name: value`) line, by section."""
    text = (SPECS / name).read_text("utf-8")
    block = text.split("<!-- vectors -->", 1)[1].split("<!-- /vectors -->", 1)[0]
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in block.splitlines():
        heading = re.match(r"# Vector (\w+):", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
        elif " = " in line or ": " in line:  # `commit x=1: …` uses a colon
            name, value = line.split(" = " if " = " in line else ": ", 1)
            current[name.strip()] = value.strip()
    return sections


def token(value: str) -> str:
    """A value's first word (drops annotations such as `(= SHA-256("…"))`)."""
    return value.split()[0]


def raw(section: str, name: str) -> bytes:
    return bytes.fromhex(token(vectors()[section][name]))


def derived(section: str, name: str) -> bytes:
    """A value annotated `(= SHA-256("label"))`, checked against its label."""
    value = vectors()[section][name]
    label = re.search(r'\(= SHA-256\("([^"]+)"\)\)', value)
    assert label is not None, f"{name} has no SHA-256 annotation"
    assert hashlib.sha256(label.group(1).encode()).hexdigest() == token(value)
    return bytes.fromhex(token(value))


def receipt_time(receipt: dict[str, object]) -> datetime:
    return datetime.strptime(str(receipt["received_at"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=UTC)


S1, S2 = vectors()["S1"], vectors()["S2"]
D_LISTING_FORM = derived("S1", "d_listing_form")
D_BIDDER = derived("S1", "d_bidder")
BIDDER_PK = p256.point_bytes(p256.private_key(D_BIDDER))
FORM = json.loads(S1["form JSON (146 bytes)"])
IDS: dict[str, Any] = {"listing": "ZB-2025-0001", "bidder": "ORG-000123",
                       "bid_id": "BID-0001"}


@pytest.fixture(scope="module")
def s1() -> tuple[bytes, Sealed]:
    out = io.BytesIO()
    sealed = seal_envelope(
        io.BytesIO(pad_form(FORM, 4096)), out, kind="form",
        listing_pk=p256.point_bytes(p256.private_key(D_LISTING_FORM)), bidder_sk=D_BIDDER,
        secrets=SealSecrets(raw("S1", "K_l"), raw("S1", "K_b"), raw("S1", "r"),
                            derived("S1", "e_listing"), derived("S1", "e_bidder")), **IDS)
    return out.getvalue(), sealed


def s2_body() -> bytes:
    return bytes(i % 251 for i in range(2_500_000))


@pytest.fixture(scope="module")
def s2() -> tuple[bytes, Sealed]:
    out = io.BytesIO()
    sealed = seal_envelope(
        io.BytesIO(s2_body()), out, kind="docs", listing_pk=raw("S2", "pk_listing_docs"),
        bidder_sk=D_BIDDER,
        secrets=SealSecrets(raw("S2", "K_l"), raw("S2", "K_b"), raw("S2", "r"),
                            derived("S2", "e_listing"), derived("S2", "e_bidder")), **IDS)
    return out.getvalue(), sealed


def test_s1_form_json_is_its_cj_and_pads_to_form_size() -> None:
    encoded = canonical_json.dumps(FORM)
    assert encoded == S1["form JSON (146 bytes)"].encode() and len(encoded) == 146
    assert pad_form(FORM, 4096) == encoded + bytes(3950)


def test_s1_header_and_derivations(s1: tuple[bytes, Sealed]) -> None:
    envelope, _ = s1
    header = parse_header(envelope.split(b"\n", 1)[0])
    assert header.raw == S1["header"].encode()
    assert header.bind == S1["bind"].encode()
    assert header.sha256 == S1["SHA-256(header)"]
    for role, stanza, e in (("listing", header.listing_stanza, derived("S1", "e_listing")),
                            ("bidder", header.bidder_stanza, derived("S1", "e_bidder"))):
        assert stanza is not None
        z = p256.ecdh(p256.private_key(e), p256.public_key(stanza.pk))
        assert z.hex() == S1[f"{role}.Z"]
        assert wrap_key(z, stanza.epk, stanza.pk, role).hex() == S1[f"{role}.w"]  # type: ignore[arg-type]
    assert hashlib.sha256(canonical_json.dumps(header.core())).hexdigest() == S1["salt"]
    key = payload_key(header.core(), raw("S1", "K_l"), raw("S1", "K_b"))
    assert key.hex() == S1["K"]
    assert key_commitment(key).hex() == S1["kc"] == header.kc.hex()
    assert header.pc.hex() == S1["pc"]


def test_s1_payload_envelope_and_signature(s1: tuple[bytes, Sealed]) -> None:
    envelope, sealed = s1
    payload = envelope.split(b"\n", 1)[1]
    p0 = raw("S1", "r") + pad_form(FORM, 4096)
    assert hashlib.sha256(p0).hexdigest() == token(S1["SHA-256(P_0)"])
    assert payload[-TAG_SIZE:].hex() == S1["chunk 0 (last)"].split()[1]
    assert hashlib.sha256(payload).hexdigest() == S1["SHA-256(C_0)"]
    assert sealed.payload_hash == S1["payload_hash"]
    size, _, _, digest = S1["envelope"].split()
    assert len(envelope) == sealed.envelope_size == int(size)
    assert hashlib.sha256(envelope).hexdigest() == sealed.envelope_sha256 == digest
    assert sealed.header_sig.hex() == token(S1["header_sig (RFC 6979 k)"])
    assert p256.verify(BIDDER_PK, HEADER_SIG + S1["header"].encode(), sealed.header_sig)


def test_s1_opens_to_the_form(s1: tuple[bytes, Sealed]) -> None:
    out = io.BytesIO()
    opened = open_envelope(io.BytesIO(s1[0]), out, listing_sk=D_LISTING_FORM,
                           bidder_sk=D_BIDDER)
    assert out.getvalue() == S1["form JSON (146 bytes)"].encode()
    assert opened.form == FORM


def test_s2_docs_envelope(s2: tuple[bytes, Sealed]) -> None:
    envelope, sealed = s2
    assert p256.point_bytes(p256.private_key(derived("S2", "d_listing_docs"))) == raw(
        "S2", "pk_listing_docs")
    header = sealed.header
    assert header.sha256 == S2["SHA-256(header)"] and header.bind == S2["bind"].encode()
    assert (header.listing, header.bidder, header.bid_id, header.kind, header.size) == (
        "ZB-2025-0001", "ORG-000123", "BID-0001", "docs", 2_500_000)
    for role, stanza, e in (("listing", header.listing_stanza, derived("S2", "e_listing")),
                            ("bidder", header.bidder_stanza, derived("S2", "e_bidder"))):
        assert stanza is not None
        assert (stanza.epk.hex(), stanza.wk.hex()) == (S2[f"{role}.epk"], S2[f"{role}.wk"])
        z = p256.ecdh(p256.private_key(e), p256.public_key(stanza.pk))
        assert z.hex() == S2[f"{role}.Z"]
        assert wrap_key(z, stanza.epk, stanza.pk, role).hex() == S2[f"{role}.w"]  # type: ignore[arg-type]
    assert header.bidder_stanza is not None and header.bidder_stanza.pk == BIDDER_PK
    assert hashlib.sha256(canonical_json.dumps(header.core())).hexdigest() == S2["salt"]
    key = payload_key(header.core(), raw("S2", "K_l"), raw("S2", "K_b"))
    assert key.hex() == S2["K"] and key_commitment(key).hex() == S2["kc"] == header.kc.hex()
    plain = raw("S2", "r") + s2_body()
    payload = envelope[len(header.raw) + 1:]
    for i in range(3):
        assert hashlib.sha256(plain[i * CHUNK:(i + 1) * CHUNK]).hexdigest() == \
            S2[f"SHA-256(P_{i})"]
        step = CHUNK + TAG_SIZE
        assert hashlib.sha256(payload[i * step:(i + 1) * step]).hexdigest() == \
            S2[f"SHA-256(C_{i})"]
    assert header.pc.hex() == S2["pc"] and sealed.payload_hash == S2["payload_hash"]
    size, _, _, digest = S2["envelope"].split()
    assert (len(envelope), hashlib.sha256(envelope).hexdigest()) == (int(size), digest)
    assert sealed.header_sig.hex() == token(S2["header_sig (RFC 6979 k)"])
    out = io.BytesIO()
    open_envelope(io.BytesIO(envelope), out, listing_sk=derived("S2", "d_listing_docs"),
                  bidder_sk=D_BIDDER)
    assert out.getvalue() == s2_body()


S3 = vectors()["S3"]
PLATFORM_SEED = derived("S3", "platform Ed25519 seed")
PLATFORM_PK = raw("S3", "platform public key")
KEY_NAME = S3["key name"]


def test_s3_platform_key_and_kid() -> None:
    assert ed25519.public_key(PLATFORM_SEED) == PLATFORM_PK
    receipt = json.loads(S3["seal receipt"])
    assert platform_kid(KEY_NAME, PLATFORM_PK) == receipt["kid"]


def test_s3_seal_receipt_is_exact_and_is_chain_event_2(s1: tuple[bytes, Sealed]) -> None:
    envelope, sealed = s1
    expected = json.loads(S3["seal receipt"])
    payload = {**IDS, "kind": "form", "header_sha256": sealed.header.sha256,
               "header_sig": sealed.header_sig.hex(), "envelope_sha256": sealed.envelope_sha256,
               "envelope_size": sealed.envelope_size, "payload_hash": sealed.payload_hash,
               "sealer": token(S3["sealer"])}
    assert derived("S3", "sealer").hex() == payload["sealer"]
    receipt = make_receipt(type="seal", event_payload=payload,
                           received_at=receipt_time(expected), audit_seq=2,
                           platform_seed=PLATFORM_SEED, key_name=KEY_NAME)
    assert canonical_json.dumps(receipt) == S3["seal receipt"].encode()
    verify_receipt(S3["seal receipt"].encode(), platform_pk=PLATFORM_PK, key_name=KEY_NAME,
                   envelope=io.BytesIO(envelope))
    event = json.loads(vectors("chain-vectors.md")["C1"]["event 2"])
    assert event["kind"] == "seal.received" and event["seq"] == receipt["audit_seq"]
    assert receipt_event_payload(receipt) == event["payload"]


def test_s3_submission_and_key_receipt(s1: tuple[bytes, Sealed]) -> None:
    k_b = raw("S1", "K_b")
    submission = make_submission(header=s1[1].header, k_b=k_b, bidder_sk=D_BIDDER)
    assert canonical_json.dumps(submission) == S3["submission"].encode()
    verify_submission(S3["submission"].encode(), bidder_pk=BIDDER_PK, k_b=k_b)
    expected = json.loads(S3["key receipt"])
    receipt = make_receipt(type="key", event_payload=submission,
                           received_at=receipt_time(expected), audit_seq=7,
                           platform_seed=PLATFORM_SEED, key_name=KEY_NAME)
    assert canonical_json.dumps(receipt) == S3["key receipt"].encode()
    assert receipt_event_payload(receipt) == submission
    verify_receipt(receipt, platform_pk=PLATFORM_PK, key_name=KEY_NAME)


def test_s3_withdrawal_and_its_receipt(s1: tuple[bytes, Sealed],
                                       s2: tuple[bytes, Sealed]) -> None:
    withdrawal = make_withdrawal(headers=[s2[1].header.sha256, s1[1].header.sha256],
                                 bidder_sk=D_BIDDER, **IDS)
    assert canonical_json.dumps(withdrawal) == S3["withdrawal"].encode()
    verify_withdrawal(S3["withdrawal"].encode(), bidder_pk=BIDDER_PK)
    expected = json.loads(S3["withdraw receipt"])
    receipt = make_receipt(type="withdraw", event_payload=withdrawal,
                           received_at=receipt_time(expected), audit_seq=3,
                           platform_seed=PLATFORM_SEED, key_name=KEY_NAME)
    assert canonical_json.dumps(receipt) == S3["withdraw receipt"].encode()
    assert receipt_event_payload(receipt) == withdrawal
    verify_receipt(S3["withdraw receipt"].encode(), platform_pk=PLATFORM_PK, key_name=KEY_NAME)


S4 = vectors()["S4"]
EVENT = json.loads(S4["listing.key event payload"])


def test_s4_gf256() -> None:
    # The line reads `gf_mul(0x57, 0x83) = 0xc1   gf_inv(0x53) = 0xca`.
    match = re.fullmatch(r"(0x[0-9a-f]+)\s+gf_inv\(0x53\) = (0x[0-9a-f]+)",
                         S4["gf_mul(0x57, 0x83)"])
    assert match is not None
    product, inverse = match.groups()
    assert shamir.gf_mul(0x57, 0x83) == int(product, 16)
    assert shamir.gf_inv(0x53) == int(inverse, 16)


def test_s4_shares_commitments_and_event() -> None:
    c1 = derived("S4", "c_1")
    ys = shamir.split(D_LISTING_FORM, 2, 3, [c1])
    assert [y.hex() for y in ys] == [S4[f"share x={x}: y"] for x in (1, 2, 3)]
    for pair in ((1, 2), (1, 3), (2, 3)):
        assert shamir.combine([(x, ys[x - 1]) for x in pair]) == D_LISTING_FORM
    pk = bytes.fromhex(EVENT["pk"])
    assert [share_commit(pk, x, ys[x - 1]) for x in (1, 2, 3)] == [
        S4[f"commit x={x}"] for x in (1, 2, 3)]
    custodians = [(entry["custodian"], p256.new_key_pair()[1]) for entry in EVENT["shares"]]
    split = split_listing_key(listing="ZB-2025-0001", kind="form", listing_sk=D_LISTING_FORM,
                              custodians=custodians, k=2, coefficients=[c1])
    assert canonical_json.dumps(split.event) == S4["listing.key event payload"].encode()


def test_s4_share_file() -> None:
    d_custodian = derived("S4", "d_custodian_1")
    e_share = derived("S4", "e_share")
    y = bytes.fromhex(S4["share x=1: y"])
    share_file = make_share_file(
        listing="ZB-2025-0001", kind="form", pk=bytes.fromhex(EVENT["pk"]), k=2, n=3, x=1,
        custodian="agent:ZB-AGENT-07", custodian_pk=p256.point_bytes(p256.private_key(d_custodian)),
        y=y, ephemeral_sk=e_share)
    assert canonical_json.dumps(share_file) == S4["share file"].encode()
    stanza = share_file["stanza"]
    z = p256.ecdh(p256.private_key(e_share), p256.public_key(bytes.fromhex(stanza["pk"])))
    assert z.hex() == S4["share.Z"]
    assert wrap_key(z, bytes.fromhex(stanza["epk"]), bytes.fromhex(stanza["pk"]),
                    "share").hex() == S4["share.w"]
    share = read_share_file(S4["share file"].encode(), custodian_sk=d_custodian,
                            commit=S4["commit x=1"])
    assert (share.x, share.y, share.custodian) == (1, y, "agent:ZB-AGENT-07")


S5 = vectors()["S5"]
PASSPHRASE = re.findall(r'# Vector S5: .*passphrase "([^"]+)"',
                        (SPECS / "seal-vectors.md").read_text("utf-8"))[0]


def test_s5_key_file() -> None:
    expected = json.loads(S5["key file"])
    assert _kek(PASSPHRASE, bytes.fromhex(expected["salt"])).hex() == token(S5["kek"])
    made = make_key_file(role="bidder", owner="ORG-000123", private_key=D_BIDDER,
                         passphrase=PASSPHRASE, salt=bytes.fromhex(expected["salt"]),
                         nonce=bytes.fromhex(expected["nonce"]))
    assert made == S5["key file"].encode()
    opened = read_key_file(S5["key file"].encode(), PASSPHRASE, role="bidder")
    assert (opened.private_key, opened.pk, opened.owner) == (D_BIDDER, BIDDER_PK, "ORG-000123")


def test_s6_fingerprints() -> None:
    s6 = vectors()["S6"]
    form_pk = p256.point_bytes(p256.private_key(D_LISTING_FORM))
    assert fingerprint(form_pk) == s6["fp(listing form key)"]
    assert fingerprint(raw("S2", "pk_listing_docs")) == s6["fp(listing docs key)"]
    assert fingerprint(PLATFORM_PK) == s6["fp(platform key)"]


def test_vector_file_parsed_completely() -> None:
    """Guards the parser: every section and the values used above were found."""
    assert set(vectors()) == {"S1", "S2", "S3", "S4", "S5", "S6"}
    assert len(S1) >= 20 and len(S2) >= 25 and len(S3) >= 8 and len(S4) >= 12
