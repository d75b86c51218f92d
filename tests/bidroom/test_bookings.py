from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from audit.clock import SHANGHAI
from audit.models import Event
from bidroom import services
from bidroom.errors import OutsideOpeningHours, RoomTaken, WrongRoomKind
from bidroom.models import Booking, Room
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory
from tests.trading.factories import published
from trading import services as trading_services
from trading.models import Listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def any_weekday(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True


@pytest.fixture
def staff():
    return UserFactory(role=User.Role.STAFF)


@pytest.fixture
def room():
    return Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def opening_booking(listing, room, staff, minutes=60):
    day = listing.deadline.astimezone(SHANGHAI)
    start = at(day.date(), 9, 30)
    Listing.objects.filter(pk=listing.pk).update(deadline=start)
    listing.refresh_from_db()
    return services.booking_create(room=room, listing=listing, purpose=Booking.Purpose.OPENING, starts_at=start,
                                   ends_at=start + timedelta(minutes=minutes), by=staff)


def test_double_booking_is_refused_and_names_the_booking(room, staff):
    first = published(days=25)
    booking = opening_booking(first, room, staff)
    second = published(days=25)
    with pytest.raises(RoomTaken, match=first.code):
        services.booking_create(room=room, listing=second, purpose=Booking.Purpose.OPENING,
                                starts_at=booking.starts_at + timedelta(minutes=30),
                                ends_at=booking.ends_at + timedelta(minutes=30), by=staff)
    assert Booking.objects.count() == 1
    services.booking_create(room=room, listing=second, purpose=Booking.Purpose.OPENING, starts_at=booking.ends_at,
                            ends_at=booking.ends_at + timedelta(hours=1), by=staff)  # back to back is fine


def test_outside_opening_hours_is_refused(room, staff):
    listing = published(days=25)
    day = listing.deadline.astimezone(SHANGHAI).date()
    with pytest.raises(OutsideOpeningHours, match="08:30"):
        services.booking_create(room=room, listing=listing, purpose=Booking.Purpose.OPENING,
                                starts_at=at(day, 7), ends_at=at(day, 9), by=staff)


def test_a_room_serves_its_own_kind(room, staff):
    listing = published(days=25)
    day = listing.deadline.astimezone(SHANGHAI).date()
    with pytest.raises(WrongRoomKind):
        services.booking_create(room=room, listing=listing, purpose=Booking.Purpose.EVALUATION,
                                starts_at=at(day, 10), ends_at=at(day, 11), by=staff)


@pytest.mark.parametrize("role", ["agent", "bidder", "supervisor", "inspector", "expert"])
def test_only_staff_book(room, role):
    listing = published(days=25)
    day = listing.deadline.astimezone(SHANGHAI).date()
    with pytest.raises(NotPermitted):
        services.booking_create(room=room, listing=listing, purpose=Booking.Purpose.OPENING,
                                starts_at=at(day, 10), ends_at=at(day, 11), by=UserFactory(role=role))


def test_the_booking_moves_with_an_amended_deadline(room, staff):
    listing = published(days=25)
    booking = opening_booking(listing, room, staff)
    with time_machine.travel(listing.deadline - timedelta(days=5), tick=False):
        trading_services.clarification_publish(listing=listing, by=listing.created_by, text="修改工程量清单")
    listing.refresh_from_db()
    booking.refresh_from_db()
    assert booking.starts_at == listing.deadline
    assert Event.objects.filter(kind="booking.moved").exists()


def test_an_amendment_is_refused_when_the_room_is_taken_at_the_new_time(room, staff):
    listing = published(days=25)
    booking = opening_booking(listing, room, staff)
    old_deadline = listing.deadline
    # Where the deadline would move to (15 days after the amendment), another listing holds the room.
    amended_at = old_deadline - timedelta(days=5)
    other = published(days=40)
    services.booking_create(room=room, listing=other, purpose=Booking.Purpose.OPENING,
                            starts_at=old_deadline + timedelta(days=10), ends_at=old_deadline + timedelta(days=10, hours=1),
                            by=staff)
    with time_machine.travel(amended_at, tick=False), pytest.raises(RoomTaken, match=other.code):
        trading_services.clarification_publish(listing=listing, by=listing.created_by, text="修改")
    listing.refresh_from_db()
    booking.refresh_from_db()
    assert listing.deadline == old_deadline and booking.starts_at == old_deadline  # nothing half-saved
    assert not listing.clarifications.exists()


@pytest.mark.parametrize("role,status", [("staff", 200), ("supervisor", 200), ("inspector", 200), ("bidder", 403),
                                         ("agent", 403), ("expert", 403)])
def test_room_calendar_per_role(client, room, role, status):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("bidroom:calendar")).status_code == status


def test_room_calendar_shows_bookings_and_refuses_an_overlap_on_the_form(client, room, staff):
    listing = published(days=25)
    booking = opening_booking(listing, room, staff)
    client.force_login(staff)
    week = booking.starts_at.astimezone(SHANGHAI).date().isoformat()
    body = client.get(reverse("bidroom:calendar"), {"start": week}).content.decode()
    assert listing.code in body
    local = booking.starts_at.astimezone(SHANGHAI)
    response = client.post(reverse("bidroom:calendar") + f"?start={week}", {
        "room": room.pk, "listing": listing.code, "purpose": "opening",
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"), "ends_at": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")},
        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and Booking.objects.count() == 1
    assert "已被预约" in response.content.decode() or "已预约" in response.content.decode()
