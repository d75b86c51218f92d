"""Bookings: one listing's opening, evaluation, draw or auction in one room for a span.

Locking contract: a booking locks its room row, so two bookings of one room serialise and
the overlap check sees every committed booking.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from audit import clock
from audit.clock import SHANGHAI
from audit.services import actor_of, event_append
from bidroom.errors import BadSpan, OutsideOpeningHours, RoomTaken, WrongRoomKind
from bidroom.models import Booking, Room
from config.errors import NotPermitted

if TYPE_CHECKING:
    from accounts.models import User
    from trading.models import Listing

ROOM_FOR = {Booking.Purpose.OPENING: Room.Kind.OPENING, Booking.Purpose.EVALUATION: Room.Kind.EVALUATION,
            Booking.Purpose.DRAW: Room.Kind.DRAW, Booking.Purpose.AUCTION: Room.Kind.AUCTION}


def _fmt(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _check_span(room: Room, starts_at: datetime, ends_at: datetime, *, exclude: int | None = None) -> None:
    start, end = starts_at.astimezone(SHANGHAI), ends_at.astimezone(SHANGHAI)
    if end <= start or start.date() != end.date():
        raise BadSpan()
    if start.time() < room.opens_at or end.time() > room.closes_at:
        raise OutsideOpeningHours(room=room.name, opens=room.opens_at.strftime("%H:%M"),
                                  closes=room.closes_at.strftime("%H:%M"), start=_fmt(starts_at), end=_fmt(ends_at))
    clash = (Booking.objects.filter(room=room, starts_at__lt=ends_at, ends_at__gt=starts_at)
             .exclude(pk=exclude).select_related("listing").first())
    if clash is not None:
        raise RoomTaken(room=room.name, start=_fmt(clash.starts_at), end=_fmt(clash.ends_at), listing=clash.listing.code)


@transaction.atomic
def booking_create(*, room: Room, listing: Listing, purpose: str, starts_at: datetime, ends_at: datetime,
                   by: User) -> Booking:
    if not by.has_perm("bidroom.book_room"):
        raise NotPermitted()
    room = Room.objects.select_for_update().get(pk=room.pk)
    if ROOM_FOR[Booking.Purpose(purpose)] != room.kind:
        raise WrongRoomKind(room=room.name, kind=room.get_kind_display(), purpose=Booking.Purpose(purpose).label)
    _check_span(room, starts_at, ends_at)
    booking = Booking.objects.create(room=room, listing=listing, purpose=purpose, starts_at=starts_at,
                                     ends_at=ends_at, booked_by=by, booked_at=clock.now())
    event_append(kind="booking.created", actor=actor_of(by), object=f"listing:{listing.code}",
                 payload={"listing": listing.code, "booking": booking.pk, "room": room.pk, "purpose": purpose,
                          "from": clock.format_ts(starts_at), "to": clock.format_ts(ends_at)})
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, by: User) -> None:
    if not by.has_perm("bidroom.book_room"):
        raise NotPermitted()
    Room.objects.select_for_update().get(pk=booking.room_id)
    event_append(kind="booking.cancelled", actor=actor_of(by), object=f"listing:{booking.listing.code}",
                 payload={"listing": booking.listing.code, "booking": booking.pk})
    booking.delete()


def bookings_follow_deadline(*, listing: Listing, old: datetime, new: datetime) -> None:
    """An amended deadline moves the listing's opening bookings with it (and everything booked
    later for the listing by the same shift); a room taken at the new time refuses the
    amendment, in the caller's transaction, with that room's booking named."""
    shift = new - old
    if not shift:
        return
    for booking in Booking.objects.filter(listing=listing, starts_at__gte=old - timedelta(hours=12)).order_by("starts_at"):
        room = Room.objects.select_for_update().get(pk=booking.room_id)
        _check_span(room, booking.starts_at + shift, booking.ends_at + shift, exclude=booking.pk)
        booking.starts_at += shift
        booking.ends_at += shift
        booking.save(update_fields=["starts_at", "ends_at"])
        event_append(kind="booking.moved", actor="system", object=f"listing:{listing.code}",
                     payload={"listing": listing.code, "booking": booking.pk,
                              "from": clock.format_ts(booking.starts_at), "to": clock.format_ts(booking.ends_at)})


def room_calendar(*, day_from: datetime, days: int) -> list[Booking]:
    return list(Booking.objects.filter(starts_at__gte=day_from, starts_at__lt=day_from + timedelta(days=days))
                .select_related("room", "listing").order_by("room__name", "starts_at"))
