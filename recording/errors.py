from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class HoldNeedsReason(DomainError):
    code = "hold_needs_reason"
    message = _("A hold needs a reason: a code or a case number.")


class HoldBadSpan(DomainError):
    code = "hold_bad_span"
    message = _("A hold's end must not be before its start.")


class HoldNoCameras(DomainError):
    code = "hold_no_cameras"
    message = _("The hold covers no camera: the room has none, or the listing was never booked in a room.")


class HoldNotFound(DomainError):
    code = "hold_not_found"
    message = _("There is no active hold %(hold)s.")
    http_status = 404


class HoldAutomatic(DomainError):
    code = "hold_automatic"
    message = _("Hold %(hold)s was placed automatically for %(listing)s and ends by itself; it cannot be lifted by hand.")
