"""The center's rooms and their bookings for the listings run in them (cameras: a later issue)."""

from datetime import time

from django.conf import settings
from django.db import models
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
