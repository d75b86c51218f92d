"""Uploads racing the deadline (seal.md §6): whatever the timing, an envelope is either
receipted before the `listing.deadline` event or refused — never both, never neither."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection

from audit import clock
from audit.models import Event
from tests.conftest import requires_postgresql
from tests.trading.sealing import SEALER, seal_form, send, signed_up_bidder, tender
from trading import bids, chronograph
from trading.errors import BiddingClosed
from trading.models import Envelope, Listing, Upload


def prepared_upload(who):
    envelope, sealed = seal_form(who, {"price_fen": 1_000_000})
    started = bids.upload_begin(lot=who.lot, by=who.user, kind="form", header=envelope.split(b"\n")[0].decode(),
                                header_sig=sealed.header_sig.hex(), sealer=SEALER, size=len(envelope))
    send(who, started.token, envelope)
    return started.token


def in_thread(work):
    def run():
        try:
            return work()
        finally:
            connection.close()
    return run


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lead_ms", [-30, 0, 30])
def test_two_uploads_racing_the_deadline_are_receipted_before_it_or_refused(lead_ms):
    listing = tender()
    racers = [signed_up_bidder(listing) for _ in range(2)]
    tokens = [prepared_upload(who) for who in racers]
    deadline = clock.now() + timedelta(seconds=1)
    Listing.objects.filter(pk=listing.pk).update(deadline=deadline, status="bidding")
    listing.refresh_from_db()
    go = threading.Event()

    def finish(who, token):
        go.wait()
        try:
            return bids.upload_finish(token=token, by=who.user).seq
        except BiddingClosed:
            return None

    def tick():
        go.wait()
        for _ in range(60):
            if chronograph.tick():
                return
            time.sleep(0.02)

    with ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(in_thread(lambda w=w, t=t: finish(w, t))) for w, t in zip(racers, tokens, strict=True)]
        ticker = pool.submit(in_thread(tick))
        wait = (deadline - clock.now()).total_seconds() + lead_ms / 1000
        time.sleep(max(0.0, wait))
        go.set()
        outcomes = [f.result() for f in futures]
        ticker.result()

    deadline_seq = Event.objects.get(kind="listing.deadline", object=f"listing:{listing.lots.first().code}").seq
    received = list(Event.objects.filter(kind="seal.received").values_list("seq", flat=True))
    assert all(seq < deadline_seq for seq in received)
    assert sorted(s for s in outcomes if s is not None) == sorted(received)
    for token, outcome in zip(tokens, outcomes, strict=True):
        upload = Upload.objects.get(token=token)
        assert upload.state == ("done" if outcome else "refused")
    assert Envelope.objects.count() == len(received)
