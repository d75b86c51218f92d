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


class BadCameraSource(DomainError):
    code = "bad_camera_source"
    message = _("“%(source)s” is not a camera source. Use rtsp://host/path, http(s)://host/path for an MJPEG "
                "stream, the path of a video file, a device number (0, 1, …) or synthetic:NAME.")


class CameraNotFound(DomainError):
    code = "camera_not_found"
    message = _("There is no camera %(camera)s.")
    http_status = 404


class CameraNotInRoom(DomainError):
    code = "camera_not_in_room"
    message = _("Camera %(camera)s is not in %(room)s. Open the room the camera belongs to.")
    http_status = 404


class CameraInNoRoom(DomainError):
    code = "camera_in_no_room"
    message = _("Camera %(camera)s is in no room, so no one can watch it. Staff can assign it to a room.")
    http_status = 404


class CameraIdTaken(DomainError):
    code = "camera_id_taken"
    message = _("The camera id %(camera)s is already in use. Choose another.")


class CameraHasRecordings(DomainError):
    code = "camera_has_recordings"
    message = _("Camera %(camera)s has recordings, which are kept for the retention period and its chain. "
                "Disable the camera instead of removing it.")
