"""sunbid-seal/1, the sealed-bid envelope (../shared/specs/seal.md), as a pure package.

Only the stdlib, `cryptography` and `canonical_json`: never Django, so outsiders can reuse it
and `python -m trading.seal` runs on a bidder's machine. Keys are bytes (P-256: 32-byte
scalar `*_sk`, 65-byte point `*_pk`; Ed25519: 32-byte seed or public key); JSON objects are
dicts in canonical form. Every failed check raises `SealError` with `code` from §7
(`chunk` for CHUNK); misuse (wrong argument types or sizes) raises ValueError.

Keys (§2, §3)
    fingerprint(pk) -> str                                    fp(key), hex SHA-256
    new_key_pair() -> (sk, pk)                                a listing key, an opening key
    platform_kid(key_name, platform_pk) -> str                the receipts' kid
Envelopes (§4–§6, §7 step 4), streamed in 1 MiB chunks from seekable binary files
    pad_form(form, form_size=4096) -> bytes                   a form envelope's body
    seal_envelope(body, out, *, listing, bidder, bid_id, kind, listing_pk, bidder_sk,
                  listing_fingerprint=None, bidder_lock=True, secrets=None) -> Sealed
        Sealed(header, header_sig, payload_hash, envelope_sha256, envelope_size); self-checked;
        `out` must be readable ("w+b"); SealSecrets(k_l, k_b, r, e_listing, e_bidder) fixes
        the randomness (vectors, tests only).
    open_envelope(envelope, out=None, *, listing_sk | k_l, bidder_sk | k_b | neither)
        -> Opened(header, form)                               out gets the body (form: its CJ)
    read_header_line(stream, *, bare=False) -> bytes; parse_header(raw) -> Header
    listing_key(header, listing_sk) -> K_l; bidder_key(header, bidder_sk) -> K_b
Stanzas (§5)
    make_stanza(value, recipient_pk, *, role, aad, ephemeral_sk=None) -> Stanza
    unwrap_stanza(stanza, recipient_sk, *, role, aad, code) -> bytes
    kb_to_opening / kb_from_opening(*, …, submission, …)      K_b to the opening worker
    share_to_opening / share_from_opening(*, y|stanza, x, custodian, kind, listing, …)
    key_to_archive / key_from_archive(*, …, inspector, kind, listing, …)   d to inspectors
Platform checks (§6, §7 step 1), receipts (§8)
    check_upload(*, header, header_sig, payload_size, listing, bidder, bid_id, kind,
                 listing_pk, bidder_pk, form_size) -> Header
    measure_envelope(stream) -> EnvelopeDigests(size, sha256, header_sha256, payload_hash)
    PayloadHasher(CT_PREFIX).update(bytes) / .digest()        payload_hash while receiving
    make_receipt(*, type, event_payload, received_at, audit_seq, platform_seed, key_name)
    verify_receipt(receipt, *, platform_pk, key_name, envelope=None) -> dict
    receipt_event_payload(receipt) -> dict
    check_stored_envelope(*, envelope, receipt, platform_pk, key_name, listing, bidder,
                          bid_id, kind, listing_pk, bidder_pk) -> Header
    sign_record(*, record_sha256, platform_seed) -> str; record_sig_valid(*, …) -> bool
    check_opening_order(kinds)                                OPENING_ORDER
Bidder requests (§6, §7 step 2)
    make_submission(*, header, k_b, bidder_sk) -> S; verify_submission(S, *, bidder_pk, k_b=None)
    make_withdrawal(*, listing, bidder, bid_id, headers, bidder_sk) -> W
    verify_withdrawal(W, *, bidder_pk)                        WITHDRAWAL_INVALID
    unwrap_for_opening(*, header, receipts, listing, platform_pk, key_name, bidder_sk,
                       opening_pk=None) -> {"k_b", "submission"} | {"stanza", "submission"}
Listing key custody (§9, §7 step 3)
    split_listing_key(*, listing, kind, listing_sk, custodians, k=2, coefficients=None)
        -> ListingKeySplit(event, share_files)                custodians: [(id, pk)], x = 1…n
    make_share_file(*, …, x, custodian, custodian_pk, y, ephemeral_sk=None) -> dict
    read_share_file(share_file, *, custodian_sk, commit=None) -> Share
    share_commit(pk, x, y) -> str
    ShareCollector(listing_key_event).add(*, x, y) / .rebuild() -> d
    rebuild_listing_key(*, pk, k, shares) -> d
Key files (§9)
    make_key_file(*, role, owner, private_key, passphrase, salt=None, nonce=None) -> bytes
    read_key_file(key_file, passphrase, *, role=None) -> KeyFile(role, owner, pk, private_key)
    check_passphrase(passphrase) -> str                       PASSPHRASE_WEAK
"""

from .bidder import receipt_of_record, unwrap_for_opening
from .digest import EnvelopeDigests, PayloadHasher, fingerprint, measure_envelope
from .ed25519 import kid as platform_kid
from .envelope_open import Opened, bidder_key, listing_key, open_envelope
from .envelope_seal import Sealed, SealSecrets, seal_envelope
from .errors import CODES, Code, SealError
from .form import pad_form, unpad_form
from .handover import (
                       kb_from_opening,
                       kb_to_opening,
                       key_from_archive,
                       key_to_archive,
                       share_from_opening,
                       share_to_opening,
)
from .header import Header, parse_header, read_header_line
from .keyfile import KeyFile, make_key_file, read_key_file
from .labels import CT as CT_PREFIX
from .order import check_opening_order
from .p256 import new_key_pair
from .passphrase import check_passphrase
from .receipts import (
                       make_receipt,
                       receipt_event_payload,
                       record_sig_valid,
                       sign_record,
                       verify_receipt,
)
from .record import check_stored_envelope, check_upload
from .requests import make_submission, make_withdrawal, verify_submission, verify_withdrawal
from .shares import (
                       ListingKeySplit,
                       Share,
                       ShareCollector,
                       make_share_file,
                       read_share_file,
                       rebuild_listing_key,
                       share_commit,
                       split_listing_key,
)
from .stanza import Stanza, make_stanza, parse_stanza, unwrap_stanza

__all__ = [
    "CODES", "CT_PREFIX", "Code", "EnvelopeDigests", "Header", "KeyFile", "ListingKeySplit",
    "Opened", "PayloadHasher", "SealError", "SealSecrets", "Sealed", "Share", "ShareCollector",
    "Stanza", "bidder_key", "check_opening_order", "check_passphrase", "check_stored_envelope",
    "check_upload", "fingerprint", "kb_from_opening", "kb_to_opening", "key_from_archive",
    "key_to_archive", "listing_key", "make_key_file", "make_receipt", "make_share_file",
    "make_stanza", "make_submission", "make_withdrawal", "measure_envelope", "new_key_pair",
    "open_envelope", "pad_form", "parse_header", "parse_stanza", "platform_kid",
    "read_header_line", "read_key_file", "read_share_file", "rebuild_listing_key",
    "receipt_event_payload", "receipt_of_record", "record_sig_valid", "seal_envelope",
    "share_commit", "share_from_opening", "share_to_opening", "sign_record",
    "split_listing_key", "unpad_form", "unwrap_for_opening", "unwrap_stanza", "verify_receipt",
    "verify_submission", "verify_withdrawal",
]
