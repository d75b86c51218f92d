"""Sealed bids arriving (seal.md §6): resumable uploads, receipts, replacement, withdrawal.

The platform only ever sees ciphertext: the browser or the offline program sealed it to the
lot's listing key and the bidder's own key. What is checked here is structure, keys, sizes and
hashes (§6's refusals) and the deadline by the platform clock. A receipt is signed only when
its `seal.received` event is in the chain; that event and the deadline's `listing.deadline`
both take the listing's row lock, so an envelope is either receipted before the deadline event
or refused — never both, never neither.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import canonical_json
from accounts.keys import key_current
from accounts.models import PublicKey, User
from audit import clock
from audit import keys as platform_keys
from audit.services import actor_of, durable_commit, event_append
from config.errors import NotPermitted
from trading import seal
from trading.errors import (BidderKeyMissing, BiddingClosed, EnvelopeRefused, ListingKeysMissing, NotSignedUp,
                            UploadClosed, UploadIncomplete, UploadOffsetMismatch, UploadTooLarge, WithdrawalRefused)
from trading.models import Bid, Envelope, EnvelopeKind, Listing, ListingKey, Lot, Registration, Status, Upload, Withdrawal
from trading.refusals import refusal_reason

OPEN_STATUSES = (Status.PUBLISHED, Status.BIDDING)
BIDDING_REGISTRATIONS = (Registration.RegistrationStatus.SIGNED_UP, Registration.RegistrationStatus.QUALIFIED)


def sealed_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "sealed"


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def bidder_id(organisation) -> str:
    """The header's `bidder`: the organisation's unified social credit code."""
    return organisation.credit_code


# Who may bid, and until when ---------------------------------------------------------------

def _registered(lot: Lot, user: User) -> None:
    if user.role != User.Role.BIDDER or user.organisation_id is None or not Registration.objects.filter(
            lot=lot, organisation_id=user.organisation_id, status__in=BIDDING_REGISTRATIONS).exists():
        raise NotSignedUp()


def check_open(listing: Listing) -> None:
    """Refused from the deadline on, by the platform clock (and once `listing.deadline` exists)."""
    if (listing.status not in OPEN_STATUSES or listing.deadline_passed_at is not None
            or clock.now() >= listing.deadline):
        raise BiddingClosed(deadline=timezone.localtime(listing.deadline).strftime("%Y-%m-%d %H:%M:%S"))


def bid_for(lot: Lot, user: User) -> Bid:
    """The user's organisation's bid for `lot`, made on first use (its id goes into headers)."""
    _registered(lot, user)
    bid = Bid.objects.filter(lot=lot, organisation_id=user.organisation_id).first()
    if bid is None:
        bid, _ = Bid.objects.get_or_create(lot=lot, organisation_id=user.organisation_id, defaults={
            "bid_id": f"{lot.code}-B{secrets.token_hex(5).upper()}", "created_at": clock.now()})
    return bid


def _listing_key(lot: Lot, kind: str) -> ListingKey:
    key = ListingKey.objects.filter(lot=lot, kind=kind).first()
    if key is None:
        raise ListingKeysMissing()
    return key


def _bidder_key(user: User) -> PublicKey:
    key = key_current(owner=user, purpose=PublicKey.Purpose.BIDDER)
    if key is None:
        raise BidderKeyMissing()
    return key


def _refused(code: str) -> EnvelopeRefused:
    return EnvelopeRefused(code=code, reason=refusal_reason(code))


# The upload --------------------------------------------------------------------------------

def _unhex(value: str, size: int, code: str = "HEADER_INVALID") -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raw = b""
    if len(raw) != size:
        raise _refused(code)
    return raw


@transaction.atomic
def upload_begin(*, lot: Lot, by: User, kind: str, header: str, header_sig: str, sealer: str,
                 size: int) -> Upload:
    """Announce an envelope: its header is checked now (§6), its bytes follow in pieces."""
    if kind not in EnvelopeKind.values:
        raise _refused("HEADER_INVALID")
    bid = bid_for(lot, by)
    check_open(lot.listing)
    bidder_key = _bidder_key(by)
    listing_key = _listing_key(lot, kind)
    limit = settings.SEAL_MAX_ENVELOPE_BYTES
    if size > limit:
        raise UploadTooLarge(limit=limit // 2**20)
    raw_header = header.encode()
    try:
        seal.check_upload(header=raw_header, header_sig=_unhex(header_sig, 64), payload_size=size - len(raw_header) - 1,
                          listing=lot.code, bidder=bidder_id(by.organisation), bid_id=bid.bid_id, kind=kind,
                          listing_pk=bytes.fromhex(listing_key.public_key),
                          bidder_pk=bytes.fromhex(bidder_key.public_key), form_size=lot.listing.form_size)
    except seal.SealError as e:
        raise _refused(e.code) from None
    _unhex(sealer, 32)
    now = clock.now()
    upload = Upload.objects.create(token=secrets.token_hex(16), bid=bid, kind=kind, header=header,
                                   header_sig=header_sig, sealer=sealer, size=size, started_by=by,
                                   started_at=now, updated_at=now)
    upload_dir().mkdir(parents=True, exist_ok=True)
    _part(upload).touch()
    return upload


def _part(upload: Upload) -> Path:
    return upload_dir() / f"{upload.token}.part"


def _own_open_upload(token: str, user: User) -> Upload:
    upload = Upload.objects.select_for_update().select_related("bid__lot__listing").filter(token=token).first()
    if upload is None or upload.started_by_id != user.pk:
        raise NotPermitted()
    if upload.state != Upload.State.OPEN:
        raise UploadClosed()
    return upload


def upload_status(*, token: str, by: User) -> Upload:
    upload = Upload.objects.filter(token=token).first()
    if upload is None or upload.started_by_id != by.pk:
        raise NotPermitted()
    return upload


@transaction.atomic
def upload_append(*, token: str, by: User, offset: int, stream: BinaryIO, length: int) -> Upload:
    """Write the next piece at `offset` (= what has arrived: a resumed upload asks first)."""
    upload = _own_open_upload(token, by)
    check_open(upload.bid.lot.listing)
    if offset != upload.received:
        raise UploadOffsetMismatch(expected=upload.received, offset=offset)
    if length <= 0 or upload.received + length > upload.size:
        raise UploadOffsetMismatch(expected=upload.received, offset=offset + length)
    written = 0
    with _part(upload).open("r+b") as part:
        part.seek(offset)
        while written < length:
            piece = stream.read(min(1 << 20, length - written))
            if not piece:
                break
            part.write(piece)
            written += len(piece)
        part.truncate(offset + written)
    upload.received += written
    upload.updated_at = clock.now()
    upload.save(update_fields=["received", "updated_at"])
    return upload


class _Refused(Exception):
    """Raised inside the receipting transaction; the refusal is recorded after its rollback."""

    def __init__(self, code: str, error: Exception) -> None:
        super().__init__(code)
        self.code, self.error = code, error


def upload_finish(*, token: str, by: User) -> Envelope:
    """Receipt a complete envelope (`seal.received`, and `seal.replaced` for a replacement),
    or refuse it for good: the upload is closed and its bytes deleted."""
    try:
        return _finish(token, by)
    except _Refused as refused:
        Upload.objects.filter(token=token).update(state=Upload.State.REFUSED, refusal=refused.code,
                                                  updated_at=clock.now())
        (upload_dir() / f"{token}.part").unlink(missing_ok=True)
        raise refused.error from None


@transaction.atomic
def _finish(token: str, by: User) -> Envelope:
    durable_commit()  # the receipt leaves the platform: its event must survive a database crash
    # Lock order, as the chronograph's: the listing first, then the upload (else a deadlock).
    found = Upload.objects.filter(token=token).values_list("bid__lot__listing_id", "started_by_id").first()
    if found is None or found[1] != by.pk:
        raise NotPermitted()
    listing = Listing.objects.select_for_update().get(pk=found[0])  # the deadline's lock (module doc)
    try:
        check_open(listing)
    except BiddingClosed as closed:
        raise _Refused("DEADLINE", closed) from None
    upload = _own_open_upload(token, by)
    if upload.received != upload.size:
        raise UploadIncomplete(received=upload.received, size=upload.size)
    part = _part(upload)
    with part.open("rb") as stream:
        try:
            digests = seal.measure_envelope(stream)
        except seal.SealError as e:
            raise _Refused(e.code, _refused(e.code)) from None
    if digests.header_sha256 != hashlib.sha256(upload.header.encode()).hexdigest():
        raise _Refused("HEADER_INVALID", _refused("HEADER_INVALID"))
    bid, lot = upload.bid, upload.bid.lot
    bidder_key = _bidder_key(by)
    final = sealed_dir() / lot.code / bid.bid_id / f"{upload.kind}-{upload.token}.sunbid"
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, final)
    try:
        envelope = _receipt(upload, bid, lot, digests, final, bidder_key, by)
        upload.state, upload.updated_at = Upload.State.DONE, clock.now()
        upload.save(update_fields=["state", "updated_at"])
    except BaseException:
        os.replace(final, part)
        raise
    return envelope


def _receipt(upload: Upload, bid: Bid, lot: Lot, digests, path: Path, bidder_key: PublicKey, by: User) -> Envelope:
    previous = Envelope.objects.select_for_update().filter(bid=bid, kind=upload.kind,
                                                           state=Envelope.State.CURRENT).first()
    if previous is not None:
        previous.state = Envelope.State.REPLACED
        previous.save(update_fields=["state"])
    payload = {"listing": lot.code, "bidder": bidder_id(bid.organisation), "bid_id": bid.bid_id, "kind": upload.kind,
               "header_sha256": digests.header_sha256, "header_sig": upload.header_sig,
               "envelope_sha256": digests.sha256, "envelope_size": digests.size,
               "payload_hash": digests.payload_hash, "sealer": upload.sealer}
    event = event_append(kind="seal.received", actor=actor_of(by), object=f"listing:{lot.code}", payload=payload)
    receipt = seal.make_receipt(type="seal", event_payload=payload, received_at=event.ts, audit_seq=event.seq,
                                platform_seed=platform_keys.seed(), key_name=platform_keys.origin())
    envelope = Envelope.objects.create(
        bid=bid, kind=upload.kind, seq=event.seq, path=str(path.relative_to(settings.MEDIA_ROOT)),
        header=upload.header, header_sha256=digests.header_sha256, envelope_sha256=digests.sha256,
        envelope_size=digests.size, payload_hash=digests.payload_hash,
        receipt_cj=canonical_json.dumps(receipt).decode(), uploaded_by=by, bidder_key=bidder_key,
        received_at=event.ts)
    if previous is not None:
        event_append(kind="seal.replaced", actor=actor_of(by), object=f"listing:{lot.code}",
                     payload={"bid_id": bid.bid_id, "kind": upload.kind, "listing": lot.code,
                              "old_seq": previous.seq, "new_seq": envelope.seq})
    return envelope


# Withdrawal --------------------------------------------------------------------------------

@transaction.atomic
def bid_withdraw(*, lot: Lot, by: User, request: dict[str, Any]) -> Withdrawal:
    """W signed by the bidder over the headers of record (§6): `seal.withdrawn` and a receipt."""
    durable_commit()  # the receipt leaves the platform: its event must survive a database crash
    bid = bid_for(lot, by)
    listing = Listing.objects.select_for_update().get(pk=lot.listing_id)
    check_open(listing)
    bidder_key = _bidder_key(by)
    current = list(Envelope.objects.select_for_update().filter(bid=bid, state=Envelope.State.CURRENT))
    if not current:
        raise WithdrawalRefused(reason=refusal_reason("NOTHING_TO_WITHDRAW"))
    try:
        value = seal.verify_withdrawal(request, bidder_pk=bytes.fromhex(bidder_key.public_key))
    except seal.SealError:
        raise WithdrawalRefused(reason=refusal_reason("WITHDRAWAL_INVALID")) from None
    expected = (lot.code, bidder_id(bid.organisation), bid.bid_id, sorted(e.header_sha256 for e in current))
    if (value["listing"], value["bidder"], value["bid_id"], value["headers"]) != expected:
        raise WithdrawalRefused(reason=refusal_reason("WITHDRAWAL_STALE"))
    event = event_append(kind="seal.withdrawn", actor=actor_of(by), object=f"listing:{lot.code}", payload=value)
    receipt = seal.make_receipt(type="withdraw", event_payload=value, received_at=event.ts, audit_seq=event.seq,
                                platform_seed=platform_keys.seed(), key_name=platform_keys.origin())
    Envelope.objects.filter(pk__in=[e.pk for e in current]).update(state=Envelope.State.WITHDRAWN)
    return Withdrawal.objects.create(bid=bid, seq=event.seq, request_cj=canonical_json.dumps(value).decode(),
                                     receipt_cj=canonical_json.dumps(receipt).decode(), withdrawn_by=by,
                                     received_at=event.ts)


def uploads_close(listing: Listing) -> int:
    """At the deadline: unfinished uploads can never be receipted; close them and free their disk."""
    stale = list(Upload.objects.filter(bid__lot__listing=listing, state=Upload.State.OPEN).values_list("token", flat=True))
    Upload.objects.filter(token__in=stale).update(state=Upload.State.REFUSED, refusal="DEADLINE", updated_at=clock.now())
    for token in stale:
        (upload_dir() / f"{token}.part").unlink(missing_ok=True)
    return len(stale)
