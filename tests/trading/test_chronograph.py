import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections

from accounts.models import User
from audit.models import Event
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgresql
from tests.trading.factories import published
from tests.trading.sealing import sealed_bids
from trading import chronograph, monitoring, signup
from trading.models import DueItem, Listing, Status


@pytest.fixture(autouse=True)
def any_weekday(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True


@pytest.mark.django_db
def test_bidding_closes_at_the_deadline_with_its_event_and_not_before():
    listing = published(kind="construction", method="open_tender", days=25)
    lot = listing.lots.get()
    bidders = [UserFactory(role=User.Role.BIDDER) for _ in range(3)]
    for bidder in bidders:
        signup.registration_create(lot=lot, by=bidder)
    sealed_bids(lot, bidders)
    with time_machine.travel(listing.signup_closes_at + timedelta(seconds=1), tick=False):
        chronograph.tick()
    with time_machine.travel(listing.deadline - timedelta(seconds=1), tick=False):
        assert chronograph.tick() == 0
    listing.refresh_from_db()
    assert listing.status == Status.BIDDING
    with time_machine.travel(listing.deadline, tick=False):
        assert chronograph.tick() == 1
        assert chronograph.tick() == 0  # a second run changes nothing
    listing.refresh_from_db()
    assert listing.status == Status.OPENING
    deadline = Event.objects.get(kind="listing.deadline")
    assert deadline.object == f"listing:{lot.code}" and deadline.ts >= listing.deadline


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_two_chronographs_at_once_change_each_listing_once():
    listings = []
    for _ in range(6):
        listing = published(kind="construction", method="open_tender", days=25)
        for _ in range(3):
            signup.registration_create(lot=listing.lots.get(), by=UserFactory(role=User.Role.BIDDER))
        listings.append(listing)
    moment = max(item.signup_closes_at for item in listings) + timedelta(seconds=1)
    barrier = threading.Barrier(2)
    changed: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            changed.append(chronograph.tick())
        finally:
            connections.close_all()

    with time_machine.travel(moment, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(changed) == len(listings)
    for listing in listings:
        assert Listing.objects.get(pk=listing.pk).status == Status.BIDDING
        assert Event.objects.filter(kind="listing.advanced", object=f"listing:{listing.code}").count() == 1


@pytest.mark.django_db
def test_an_overdue_step_is_recorded_once_and_notified():
    listing = published(kind="construction", method="open_tender", days=25)
    staff = UserFactory(role=User.Role.STAFF)
    supervisor = UserFactory(role=User.Role.SUPERVISOR)
    DueItem.objects.create(listing=listing, what="contract:X", rule="TENDER_CONTRACT",
                           due_at=listing.deadline + timedelta(days=40))
    with time_machine.travel(listing.deadline + timedelta(days=39), tick=False):
        assert monitoring.record_overdue() == 0
        assert monitoring.due_board()["soon"].count() == 1
    with time_machine.travel(listing.deadline + timedelta(days=41), tick=False):
        assert monitoring.record_overdue() == 1
        assert monitoring.record_overdue() == 0
        assert monitoring.due_board()["overdue"].count() == 1
    assert Event.objects.filter(kind="listing.overdue").count() == 1
    assert staff.messages.exists() and supervisor.messages.exists()
