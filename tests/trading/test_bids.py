"""Sealed bids arriving (seal.md §6): receipts, resumed uploads, every refusal with its
reason, replacement, withdrawal, and the deadline by the platform clock."""

import io
import json
from datetime import timedelta

import pytest
import time_machine

from accounts.models import User
from audit.models import Event
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory, register_key
from tests.trading.sealing import (SEALER, listing_pk, listing_sk, platform, seal_body, seal_form, send,
                                   signed_up_bidder, tender, upload)
from trading import bids, seal
from trading.errors import (BidderKeyMissing, BiddingClosed, EnvelopeRefused, NotSignedUp, UploadIncomplete,
                            UploadOffsetMismatch, WithdrawalRefused)
from trading.models import Envelope, Upload

pytestmark = pytest.mark.django_db

FORM = {"price_fen": 98_765_432, "duration_days": 180}


@pytest.fixture
def who():
    return signed_up_bidder(tender())


def events(kind):
    return [json.loads(e.payload) for e in Event.objects.filter(kind=kind).order_by("seq")]


def test_a_sealed_form_is_receipted_and_opens_only_with_both_keys(who, settings):
    envelope, sealed = seal_form(who, FORM)
    stored = upload(who, envelope, sealed)
    receipt = seal.verify_receipt(stored.receipt_cj.encode(), **platform(), envelope=io.BytesIO(envelope))
    assert receipt["type"] == "seal" and receipt["audit_seq"] == stored.seq and receipt["sealer"] == SEALER
    assert events("seal.received") == [seal.receipt_event_payload(receipt)]
    path = settings.MEDIA_ROOT / stored.path
    assert path.read_bytes() == envelope and stored.state == Envelope.State.CURRENT
    opened = seal.open_envelope(io.BytesIO(envelope), listing_sk=listing_sk(who.lot), bidder_sk=who.sk)
    assert opened.form == FORM
    with pytest.raises(seal.SealError):  # the platform's listing key alone opens nothing
        seal.open_envelope(io.BytesIO(envelope), listing_sk=listing_sk(who.lot))


def test_an_upload_resumes_where_it_stopped_and_refuses_a_wrong_offset(who):
    envelope, sealed = seal_body(who, b"%PDF-1.7 " + bytes(3_000_000))
    header = envelope[:envelope.index(b"\n")].decode()
    started = bids.upload_begin(lot=who.lot, by=who.user, kind="docs", header=header,
                                header_sig=sealed.header_sig.hex(), sealer=SEALER, size=len(envelope))
    bids.upload_append(token=started.token, by=who.user, offset=0, stream=io.BytesIO(envelope[:1_000_000]),
                       length=1_000_000)
    # The page was reloaded: it asks where to go on.
    assert bids.upload_status(token=started.token, by=who.user).received == 1_000_000
    with pytest.raises(UploadOffsetMismatch):
        bids.upload_append(token=started.token, by=who.user, offset=0, stream=io.BytesIO(envelope[:10]), length=10)
    with pytest.raises(UploadIncomplete):
        bids.upload_finish(token=started.token, by=who.user)
    send(who, started.token, envelope, pieces=2, start=1_000_000)
    stored = bids.upload_finish(token=started.token, by=who.user)
    assert stored.envelope_sha256 == sealed.envelope_sha256 and stored.payload_hash == sealed.payload_hash


def test_another_users_upload_is_not_theirs_to_touch(who):
    envelope, sealed = seal_form(who, FORM)
    started = bids.upload_begin(lot=who.lot, by=who.user, kind="form", header=envelope.split(b"\n")[0].decode(),
                                header_sig=sealed.header_sig.hex(), sealer=SEALER, size=len(envelope))
    colleague = UserFactory(role=User.Role.BIDDER, organisation=who.user.organisation)
    for call in (lambda: bids.upload_status(token=started.token, by=colleague),
                 lambda: bids.upload_finish(token=started.token, by=colleague),
                 lambda: bids.upload_append(token=started.token, by=colleague, offset=0, stream=io.BytesIO(b"x"),
                                            length=1)):
        with pytest.raises(NotPermitted):
            call()


def begin(who, envelope, sealed, **changes):
    args = {"lot": who.lot, "by": who.user, "kind": sealed.header.kind, "header": envelope.split(b"\n")[0].decode(),
            "header_sig": sealed.header_sig.hex(), "sealer": SEALER, "size": len(envelope), **changes}
    return bids.upload_begin(**args)


def refused_code(call) -> str:
    with pytest.raises(EnvelopeRefused) as refused:
        call()
    return refused.value.params["code"]


def test_every_malformed_or_misaddressed_envelope_is_refused_with_its_reason(who):
    envelope, sealed = seal_form(who, FORM)
    stranger_sk, stranger_pk = seal.new_key_pair()
    # Sealed to a key that is not the published listing key.
    wrong = seal_form(who, FORM, listing_pk=stranger_pk)
    assert refused_code(lambda: begin(who, *wrong)) == "WRONG_RECIPIENT"
    # Sealed with a bidder key that is not the registered one.
    other = seal_form(who, FORM, bidder_sk=stranger_sk)
    assert refused_code(lambda: begin(who, *other)) in ("WRONG_RECIPIENT", "HEADER_INVALID")
    # Without the bidder lock.
    unlocked = seal_form(who, FORM, bidder_lock=False)
    assert refused_code(lambda: begin(who, *unlocked)) == "WRONG_RECIPIENT"
    # Unsealed: a plain file where the header should be.
    assert refused_code(lambda: begin(who, envelope, sealed, header='{"price_fen":98765432}')) == "HEADER_INVALID"
    # Another bid's id, a failing signature, a wrong length.
    assert refused_code(lambda: begin(who, envelope, sealed, kind="docs")) == "HEADER_INVALID"
    assert refused_code(lambda: begin(who, envelope, sealed, header_sig="00" * 64)) == "HEADER_INVALID"
    assert refused_code(lambda: begin(who, envelope, sealed, size=len(envelope) + 16)) == "LENGTH"
    # A form of another size than the notice's.
    big = seal_body(who, seal.pad_form(FORM, 8192), kind="form")
    assert refused_code(lambda: begin(who, *big)) == "HEADER_INVALID"
    assert not Upload.objects.exists() and not Envelope.objects.exists()


def test_bytes_that_are_not_the_announced_envelope_are_refused_and_deleted(who, settings):
    kept_envelope, kept = seal_form(who, FORM)
    earlier = upload(who, kept_envelope, kept)
    envelope, sealed = seal_form(who, {**FORM, "price_fen": 1})
    started = begin(who, envelope, sealed)
    tampered = b"X" + envelope[1:]
    send(who, started.token, tampered)
    with pytest.raises(EnvelopeRefused):
        bids.upload_finish(token=started.token, by=who.user)
    started.refresh_from_db()
    assert started.state == Upload.State.REFUSED and started.refusal == "HEADER_INVALID"
    assert not list((settings.MEDIA_ROOT / "uploads").glob(f"{started.token}*"))
    earlier.refresh_from_db()
    assert earlier.state == Envelope.State.CURRENT  # what was already receipted is intact


def test_a_bidder_not_signed_up_or_without_a_key_cannot_begin(who):
    outsider = signed_up_bidder(tender())
    envelope, sealed = seal_form(who, FORM)
    with pytest.raises(NotSignedUp):
        begin(who, envelope, sealed, by=outsider.user)
    keyless = UserFactory(role=User.Role.BIDDER, organisation=who.user.organisation)
    with pytest.raises(BidderKeyMissing):
        begin(who, envelope, sealed, by=keyless)
    for role in (User.Role.STAFF, User.Role.SUPERVISOR, User.Role.AGENT):
        with pytest.raises(NotSignedUp):
            begin(who, envelope, sealed, by=UserFactory(role=role))


def test_after_the_deadline_nothing_is_received(who):
    envelope, sealed = seal_form(who, FORM)
    deadline = who.lot.listing.deadline
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        with pytest.raises(BiddingClosed):
            begin(who, envelope, sealed)
    # Begun a second before, finished a second after: refused, nothing receipted.
    with time_machine.travel(deadline - timedelta(seconds=1), tick=False):
        started = begin(who, envelope, sealed)
        send(who, started.token, envelope)
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        with pytest.raises(BiddingClosed):
            bids.upload_finish(token=started.token, by=who.user)
    started.refresh_from_db()
    assert started.state == Upload.State.REFUSED and not Envelope.objects.exists()
    assert not Event.objects.filter(kind="seal.received").exists()


def test_a_replacement_supersedes_the_old_receipt(who):
    first = upload(who, *seal_form(who, FORM))
    second_envelope, second_sealed = seal_form(who, {**FORM, "price_fen": 97_000_000})
    second = upload(who, second_envelope, second_sealed)
    first.refresh_from_db()
    assert (first.state, second.state) == (Envelope.State.REPLACED, Envelope.State.CURRENT)
    assert events("seal.replaced") == [{"bid_id": who.bid.bid_id, "kind": "form", "listing": who.lot.code,
                                        "old_seq": first.seq, "new_seq": second.seq}]
    receipts = [json.loads(first.receipt_cj), json.loads(second.receipt_cj)]
    with pytest.raises(seal.SealError) as not_of_record:
        seal.receipt_of_record(seal.parse_header(first.header.encode()), receipts, who.lot.code)
    assert not_of_record.value.code == "NOT_OF_RECORD"
    assert seal.receipt_of_record(seal.parse_header(second.header.encode()), receipts, who.lot.code) == receipts[1]


def withdrawal(who, headers, sk=None):
    return seal.make_withdrawal(listing=who.lot.code, bidder=bids.bidder_id(who.user.organisation),
                                bid_id=who.bid.bid_id, headers=headers, bidder_sk=sk or who.sk)


def test_a_withdrawal_signed_over_the_envelopes_of_record_is_receipted(who):
    form = upload(who, *seal_form(who, FORM))
    docs = upload(who, *seal_body(who, b"PK\x03\x04 documents"))
    headers = [form.header_sha256, docs.header_sha256]
    with pytest.raises(WithdrawalRefused):  # signed by another key
        bids.bid_withdraw(lot=who.lot, by=who.user, request=withdrawal(who, headers, seal.new_key_pair()[0]))
    with pytest.raises(WithdrawalRefused):  # naming only part of the bid
        bids.bid_withdraw(lot=who.lot, by=who.user, request=withdrawal(who, headers[:1]))
    done = bids.bid_withdraw(lot=who.lot, by=who.user, request=withdrawal(who, headers))
    receipt = seal.verify_receipt(done.receipt_cj.encode(), **platform())
    assert receipt["type"] == "withdraw" and receipt["headers"] == sorted(headers)
    assert set(Envelope.objects.values_list("state", flat=True)) == {Envelope.State.WITHDRAWN}
    receipts = [json.loads(form.receipt_cj), receipt]
    with pytest.raises(seal.SealError):
        seal.receipt_of_record(seal.parse_header(form.header.encode()), receipts, who.lot.code)
    with pytest.raises(WithdrawalRefused):  # nothing left to withdraw
        bids.bid_withdraw(lot=who.lot, by=who.user, request=withdrawal(who, headers))
    # Sealing again after a withdrawal makes a new envelope of record.
    again = upload(who, *seal_form(who, FORM))
    assert again.state == Envelope.State.CURRENT


def test_after_a_key_replacement_the_envelope_keeps_the_key_it_was_checked_against(who):
    stored = upload(who, *seal_form(who, FORM))
    old_key = stored.bidder_key
    register_key(who.user, "bidder")
    stored.refresh_from_db()
    old_key.refresh_from_db()
    assert stored.bidder_key == old_key and old_key.replaced_at is not None
    # The old key's envelope still opens only with the old key file's key.
    envelope = (bids.sealed_dir().parent / stored.path).read_bytes()
    assert seal.open_envelope(io.BytesIO(envelope), listing_sk=listing_sk(who.lot), bidder_sk=who.sk).form == FORM


def test_listing_key_fingerprint_pins_the_seal():
    who = signed_up_bidder(tender())
    with pytest.raises(seal.SealError) as refused:
        seal_form(who, FORM, listing_fingerprint="00" * 32)
    assert refused.value.code == "WRONG_RECIPIENT"
    assert seal.fingerprint(listing_pk(who.lot)) == who.lot.listing_keys.get(kind="form").fingerprint


def test_the_deadline_closes_unfinished_uploads_and_frees_their_disk(who, settings):
    from trading import chronograph

    for _ in range(2):  # enough sign-ups that the lot does not fail when sign-up closes
        signed_up_bidder(who.lot.listing)
    envelope, sealed = seal_form(who, FORM)
    started = begin(who, envelope, sealed)
    send(who, started.token, envelope[:100], pieces=1)
    with time_machine.travel(who.lot.listing.deadline + timedelta(seconds=1), tick=False):
        while chronograph.tick():
            pass
    started.refresh_from_db()
    assert started.state == Upload.State.REFUSED and started.refusal == "DEADLINE"
    assert not (settings.MEDIA_ROOT / "uploads" / f"{started.token}.part").exists()
