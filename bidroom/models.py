"""The center's rooms, their bookings for the listings run in them, and their cameras."""

from datetime import time

from django.conf import settings
from django.db import models
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from trading.models import Listing


class Room(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening room")
        EVALUATION = "evaluation", _("Evaluation room")
        DRAW = "draw", _("Draw room")
        AUCTION = "auction", _("Auction room")

    name = models.CharField(_("name"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    location = models.CharField(_("location"), max_length=128)
    # Opening hours in Beijing time; bookings must fall inside them.
    opens_at = models.TimeField(_("opens at"), default=time(8, 30))
    closes_at = models.TimeField(_("closes at"), default=time(17, 30))

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [models.CheckConstraint(condition=Q(opens_at__lt=F("closes_at")), name="room_hours_order"),
                       models.CheckConstraint(condition=Q(capacity__gt=0), name="room_capacity_positive")]

    def __str__(self) -> str:
        return self.name


class Booking(models.Model):
    class Purpose(models.TextChoices):
        OPENING = "opening", _("Bid opening")
        EVALUATION = "evaluation", _("Evaluation")
        DRAW = "draw", _("Draw")
        AUCTION = "auction", _("Auction")

    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="bookings")
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="bookings")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        indexes = [models.Index(fields=["room", "starts_at"])]
        constraints = [models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="booking_span_order")]

    def __str__(self) -> str:
        return f"{self.room} {self.starts_at:%Y-%m-%d %H:%M}"


class Camera(models.Model):
    """A camera in a room. `source` is rtsp://, http(s):// (MJPEG), a file path, a device
    index or synthetic:NAME (bidroom.capture.sources parses it). The lease columns say which
    capture worker holds it and where that worker serves its frames."""

    # chain.md §2: camera ids appear in key names and paths.
    ident = models.CharField(_("camera id"), max_length=32, unique=True, validators=[
        RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$", _("Letters, digits and hyphens, starting with a letter or "
                                                            "digit, at most 32."))])
    name = models.CharField(_("name"), max_length=64)
    room = models.ForeignKey(Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="cameras",
                             null=True, blank=True)
    source = models.CharField(_("source"), max_length=500)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField()
    # The lease (system time, not the platform clock: a demo jump must not expire every lease).
    holder = models.CharField(max_length=128, blank=True)
    endpoint = models.CharField(max_length=128, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["room", "position", "ident"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        constraints = [models.CheckConstraint(condition=Q(holder="") | Q(lease_expires_at__isnull=False),
                                              name="camera_lease_has_expiry")]

    def __str__(self) -> str:
        return f"{self.name} ({self.ident})"


class Gap(models.Model):
    """An interval without video from a camera, with chain.md §7's reason. Open while `end`
    is empty; the recording chain (issue 10) turns closed gaps into its gap rows."""

    class Reason(models.TextChoices):
        CAMERA_OFFLINE = "camera_offline", _("Camera offline")
        WORKER_RESTART = "worker_restart", _("Capture worker restarted")
        ENCODER_ERROR = "encoder_error", _("Encoder error")
        LEASE_HANDOVER = "lease_handover", _("Handed over to another capture worker")
        STORAGE_FULL = "storage_full", _("Storage full")
        CLOCK_JUMP = "clock_jump", _("Demo clock moved forward")

    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.CASCADE, related_name="gaps")
    reason = models.CharField(_("reason"), max_length=16, choices=Reason)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["camera", "start"]
        verbose_name = _("gap")
        verbose_name_plural = _("gaps")
        indexes = [models.Index(fields=["camera", "start"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="gap_span_order"),
            # At most one open gap per camera: a second outage cannot start before the first ends.
            models.UniqueConstraint(fields=["camera"], condition=Q(end__isnull=True), name="gap_one_open_per_camera"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id} {self.reason} {self.start:%Y-%m-%d %H:%M:%S}"
