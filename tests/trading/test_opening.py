"""The opening (seal.md §7) through the opening worker, stepped in-process: the lock after the
cosigned deadline checkpoint, the K_b window, the custodians, decryption, the result and the
record, and each fault of the issue with the spec's code and outcome."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from audit import keys as platform_keys
from audit.models import Event
from trading import seal
from trading.models import KeySubmission, Lot, OpenedEnvelope, Opening, ShareSubmission
from trading.opening_keys import KeyRefused, WindowClosed
from trading.opening_result import price_rows
from trading.opening_shares import SharesNotOpen

from .opening_support import scene

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def traveller():
    from django.utils import timezone

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def kinds_after_lock(lot: Lot) -> list[str]:
    kinds = list(Event.objects.filter(object=f"listing:{lot.code}").values_list("kind", flat=True))
    return kinds[len(kinds) - kinds[::-1].index("opening.lock") - 1:]


def test_a_whole_opening_in_the_specs_order(traveller):
    s = scene(traveller, prices=[98_765_432, 87_654_321, 99_000_000])
    assert s.step(2).state == Opening.State.COSIGN  # no lock before the supervisor cosigns
    s.cosign()
    opening = s.until(Opening.State.KEYS)
    lock = json.loads(Event.objects.get(seq=opening.lock_seq).payload)
    assert lock["opening_pk"] == opening.opening_pk and len(lock["envelopes"]) == 3
    s.parts_in()
    accepted = KeySubmission.objects.filter(state="accepted")
    assert accepted.count() == 3
    for row in accepted:
        receipt = seal.verify_receipt(row.receipt_cj.encode(), platform_pk=platform_keys.public_key(),
                                      key_name=platform_keys.origin())
        assert receipt["type"] == "key" and receipt["audit_seq"] == row.seq
    with pytest.raises(SharesNotOpen):
        s.share(1)  # custodians only after the window closes
    s.to_shares()
    opening = s.unlock()
    assert opening.state == Opening.State.CONFIRMING
    seal.check_opening_order(list(Event.objects.filter(object=f"listing:{s.lot.code}").values_list("kind", flat=True)))
    assert kinds_after_lock(s.lot)[-3:] == ["opening.key_rebuilt", "opening.result", "opening.record"]
    prices = sorted(row["price_fen"] for row in price_rows(opening))
    assert prices == [87_654_321, 98_765_432, 99_000_000]
    pdf = (Path(settings.MEDIA_ROOT) / opening.record_path).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == opening.record_sha256
    assert seal.record_sig_valid(record_sha256=opening.record_sha256, sig=opening.record_sig,
                                 platform_pk=platform_keys.public_key())
    record = json.loads(Event.objects.get(seq=opening.record_seq).payload)
    assert record == {"listing": s.lot.code, "record_sha256": opening.record_sha256, "sig": opening.record_sig}
    assert all(o.outcome == "opened" and o.code == "" for o in OpenedEnvelope.objects.all())


def test_faults_each_with_its_code_and_outcome(traveller):
    s = scene(traveller, bidders=4)
    s.to_keys()
    honest, silent, wrong_kb, tampered = s.bidders
    s.submit_part(honest)
    s.submit_part(wrong_kb, k_b=b"\x07" * 32)  # signed, hashes match, but not the envelope's K_b
    s.submit_part(tampered)
    s.step()
    stored = OpenedEnvelope.objects.get(bid=tampered.bid).envelope
    path = Path(settings.MEDIA_ROOT) / stored.path
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))  # changed on disk after its receipt
    s.to_shares()
    bad = s.share(2, y=b"\x01" * 32)
    s.step()
    bad.refresh_from_db()
    assert bad.state == ShareSubmission.State.REFUSED and bad.code == "SHARE_COMMIT"
    rejected = json.loads(Event.objects.get(kind="opening.share_rejected").payload)
    assert rejected["x"] == 2 and rejected["custodian"] == json.loads(bad.share_file.file_cj)["custodian"]
    opening = s.unlock()
    by_bid = {o.bid_id: o for o in OpenedEnvelope.objects.filter(opening=opening)}
    assert (by_bid[honest.bid.pk].code, by_bid[honest.bid.pk].outcome) == ("", "opened")
    assert (by_bid[silent.bid.pk].code, by_bid[silent.bid.pk].outcome) == ("NO_BIDDER_KEY", "revoked")
    assert (by_bid[wrong_kb.bid.pk].code, by_bid[wrong_kb.bid.pk].outcome) == ("KEY_COMMIT", "revoked")
    assert by_bid[wrong_kb.bid.pk].k_l  # the bidder re-checks the verdict with its K_l and its own K_b
    assert (by_bid[tampered.bid.pk].code, by_bid[tampered.bid.pk].fault,
            by_bid[tampered.bid.pk].outcome) == ("RECEIPT_MISMATCH", "platform", "withdrawn")
    result = json.loads(Event.objects.get(kind="opening.result").payload)
    assert {(r["bid_id"], r["code"]) for r in result["results"]} == {
        (honest.bid.bid_id, None), (silent.bid.bid_id, "NO_BIDDER_KEY"), (wrong_kb.bid.bid_id, "KEY_COMMIT"),
        (tampered.bid.bid_id, "RECEIPT_MISMATCH")}


def test_the_bidders_k_l_lets_it_recheck_a_failed_verdict(traveller):
    s = scene(traveller)
    s.to_keys()
    liar = s.bidders[0]
    s.submit_part(liar, k_b=b"\x09" * 32)
    s.parts_in(s.bidders[1:])
    s.to_shares()
    s.unlock()
    failed = OpenedEnvelope.objects.get(bid=liar.bid)
    path = Path(settings.MEDIA_ROOT) / failed.envelope.path
    with path.open("rb") as envelope, pytest.raises(seal.SealError) as verdict:
        seal.open_envelope(envelope, k_l=bytes.fromhex(failed.k_l), k_b=b"\x09" * 32)
    assert verdict.value.code == "KEY_COMMIT"
    with path.open("rb") as envelope:  # with its true K_b it opens: the verdict was about the K_b it signed
        opened = seal.open_envelope(envelope, k_l=bytes.fromhex(failed.k_l), bidder_sk=liar.sk)
    assert opened.form["bid_id"] == liar.bid.bid_id


def test_k_b_is_refused_outside_the_window_and_with_a_bad_signature(traveller):
    s = scene(traveller)
    s.to_keys()
    submission, stanza = s.part(s.bidders[0])
    forged = {**submission, "kb_sha256": "00" * 32}
    with pytest.raises(KeyRefused) as refused:
        from trading.opening_keys import key_submit

        key_submit(opening_id=s.opening.pk, by=s.bidders[0].user, lock_seq=s.opening.lock_seq, submission=forged,
                   stanza=stanza)
    assert refused.value.params["code"] == "KB_SIGNATURE"
    s.to_shares()
    with pytest.raises(WindowClosed):
        s.submit_part(s.bidders[1])
    assert not Event.objects.filter(kind="seal.key").exists()


def test_fewer_than_k_custodians_applies_the_declared_remedy(traveller):
    s = scene(traveller)
    s.to_keys()
    s.parts_in()
    s.to_shares()
    s.share(1)
    s.step()
    s.shift(minutes=s.lot.listing.bidder_key_window_minutes, seconds=1)
    opening = s.until(Opening.State.FAILED)
    assert opening.failed_code == "LISTING_KEY" and opening.record_seq
    assert set(OpenedEnvelope.objects.values_list("code", "outcome")) == {("LISTING_KEY", "withdrawn")}
    lot = Lot.objects.get(pk=s.lot.pk)
    assert lot.status == Lot.LotStatus.FAILED and "LISTING_KEY" in lot.failed_reason


def test_too_few_bids_means_no_opening(traveller):
    s = scene(traveller, bidders=3, sealing=2)
    opening = s.opening
    assert opening.state == Opening.State.FAILED and opening.failed_code == "TOO_FEW_BIDS"
    assert Lot.objects.get(pk=s.lot.pk).status == Lot.LotStatus.FAILED
    assert not Event.objects.filter(kind="opening.lock").exists()


def test_a_dead_worker_means_a_new_lock_and_the_collection_repeated(traveller):
    from trading.opening_worker import OpeningWorker

    s = scene(traveller)
    s.to_keys()
    first_lock = s.opening.lock_seq
    s.parts_in()
    s.to_shares()
    # The first worker dies here (its memory, the one-time key and every K_b with it).
    successor = OpeningWorker(holder="test-worker-2")
    s.shift(seconds=settings.OPENING_LEASE_SECONDS + 1)
    opening = s.step(worker=successor)
    assert opening.state == Opening.State.KEYS and opening.lock_seq > first_lock and opening.attempt == 2
    with pytest.raises(Exception):
        s.share(1)  # the old collection is void
    for who in s.bidders:
        s.submit_part(who)
    s.step(worker=successor)
    s.shift(minutes=s.lot.listing.bidder_key_window_minutes, seconds=1)
    s.until(Opening.State.SHARES, worker=successor)
    for x in (1, 3):
        s.share(x)
    opening = s.until(Opening.State.CONFIRMING, worker=successor)
    s.step(worker=s.worker)  # the old worker, back: it holds nothing and writes nothing
    assert Event.objects.filter(kind="opening.result").count() == 1
    assert Event.objects.filter(kind="opening.record").count() == 1
    assert Event.objects.filter(kind="opening.lock").count() == 2
    assert sorted(r["price_fen"] for r in price_rows(opening)) == sorted(
        json.loads(o.form_cj)["price_fen"] for o in OpenedEnvelope.objects.all())


def test_nothing_in_the_clear_after_an_opening(traveller, caplog, settings):
    """No K_b, share or listing key, raw or hex, in the database, the media folder, the broker
    and channel layer's Redis, any task message or any log line, once the opening is done."""
    import logging

    from celery.signals import before_task_publish

    from tests.accounts.factories import PRIVATE_KEYS
    from tests.trading.sealing import listing_sk

    caplog.set_level(logging.DEBUG)
    tasks: list[str] = []
    before_task_publish.connect(lambda body=None, **_: tasks.append(repr(body)), weak=False,
                                dispatch_uid="opening-clear")
    try:
        s = scene(traveller, docs={0: b"tender documents " * 1000})
        s.to_keys()
        for who in s.bidders:
            s.submit_part(who)
        s.submit_part(s.bidders[0], "docs")
        s.step()
        s.to_shares()
        opening = s.unlock(kinds=("form", "docs"))
    finally:
        before_task_publish.disconnect(dispatch_uid="opening-clear")
    assert opening.state == Opening.State.CONFIRMING
    secrets: list[bytes] = [listing_sk(s.lot, "form"), listing_sk(s.lot, "docs")]
    for who in s.bidders:
        for envelope in who.bid.envelopes.all():
            secrets.append(seal.bidder_key(seal.parse_header(envelope.header.encode()), who.sk))
    for listing_key in s.lot.listing_keys.all():
        for share_file in listing_key.share_files.all():
            secrets.append(seal.read_share_file(share_file.file_cj.encode(), commit=share_file.commit,
                                                custodian_sk=PRIVATE_KEYS[(share_file.custodian_id, "custodian")]).y)
    assert len(secrets) == 2 + 4 + 6
    text = "\n".join([_database_text(), caplog.text, *tasks, *_redis_text()])
    media = [path.read_bytes() for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    for secret in secrets:
        for form in (secret.hex(), secret.hex().upper()):
            assert form not in text
        assert all(secret not in blob for blob in media)


def _database_text() -> str:
    from django.apps import apps

    return "\n".join(str(value) for model in apps.get_models()
                     for row in model.objects.all().values() for value in row.values())


def _redis_text() -> list[str]:
    """Every key and value of the Redis database the broker and the channel layer use."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    values = []
    for key in client.scan_iter():
        kind = client.type(key)
        value = (client.get(key) if kind == b"string" else client.lrange(key, 0, -1) if kind == b"list"
                 else client.zrange(key, 0, -1) if kind == b"zset" else client.hgetall(key) if kind == b"hash"
                 else client.smembers(key) if kind == b"set" else b"")
        values.append(repr(key) + repr(value))
    return values
