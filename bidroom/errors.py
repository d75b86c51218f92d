from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class RoomTaken(DomainError):
    code = "room_taken"
    message = _("%(room)s is already booked from %(start)s to %(end)s (%(listing)s). Choose another room or time.")


class OutsideOpeningHours(DomainError):
    code = "outside_opening_hours"
    message = _("%(room)s is open %(opens)s–%(closes)s (Beijing time); the booking %(start)s–%(end)s falls outside.")


class BadSpan(DomainError):
    code = "bad_span"
    message = _("A booking must end after it starts and stay within one day.")


class WrongRoomKind(DomainError):
    code = "wrong_room_kind"
    message = _("%(room)s is a %(kind)s; it cannot be booked for %(purpose)s.")
