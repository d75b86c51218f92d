"""The recording chain's rows (chain.md §7), one chain per camera. A row is never deleted:
retention removes the segment file and notes it on the row and in the audit record."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bidroom.models import Camera


class Row(models.Model):
    class Kind(models.TextChoices):
        SEGMENT = "segment", _("Segment")
        GAP = "gap", _("Gap")

    camera = models.ForeignKey(Camera, verbose_name=_("camera"), on_delete=models.PROTECT, related_name="recording_rows")
    seq = models.PositiveIntegerField(_("seq"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    sha256 = models.CharField(max_length=64, blank=True)   # segments
    size = models.BigIntegerField(null=True, blank=True)  # segments, bytes
    reason = models.CharField(_("reason"), max_length=16, blank=True)   # gaps: chain.md §7's reason
    link = models.CharField(max_length=64)
    deleted_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)
    deletion_reason = models.CharField(max_length=16, blank=True)   # retention | emergency

    class Meta:
        ordering = ["camera", "seq"]
        verbose_name = _("recording row")
        verbose_name_plural = _("recording rows")
        indexes = [models.Index(fields=["camera", "start"]), models.Index(fields=["end"])]
        constraints = [
            models.UniqueConstraint(fields=["camera", "seq"], name="recording_row_seq_unique"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="recording_row_span_order"),
            models.CheckConstraint(condition=Q(kind="gap") | Q(size__isnull=False), name="recording_segment_has_size"),
        ]

    def __str__(self) -> str:
        return f"{self.camera_id}#{self.seq} {self.kind}"


class Hold(models.Model):
    """A hold (chain.md §7 `recording.hold`): every segment of `cameras` overlapping
    [start, end] survives retention until the hold is released. `cause` is empty for an
    inspector's hold; automatic holds name theirs and the listing."""

    class Cause(models.TextChoices):
        INSPECTOR = "", _("Inspector")
        OBJECTION = "objection", _("Objection window open")
        ARCHIVE = "archive", _("Procurement archive")

    hold_id = models.CharField(_("hold id"), max_length=32, unique=True)
    cameras = models.JSONField(_("cameras"))          # camera idents, as in the event
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=200)
    cause = models.CharField(_("cause"), max_length=16, choices=Cause, blank=True)
    listing = models.ForeignKey("trading.Listing", verbose_name=_("listing"), on_delete=models.PROTECT, null=True,
                                blank=True, related_name="recording_holds")
    booking = models.ForeignKey("bidroom.Booking", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    placed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    placed_at = models.DateTimeField(_("placed at"))
    released_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [models.CheckConstraint(condition=Q(end__gte=F("start")), name="recording_hold_span_order")]

    def __str__(self) -> str:
        return self.hold_id

    def covers(self, ident: str, start, end) -> bool:  # noqa: ANN001
        return self.released_at is None and ident in self.cameras and start <= self.end and end >= self.start


class Export(models.Model):
    """An evidence export built by a Celery task (recording.tasks.export_task)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    cameras = models.JSONField()
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("to"))
    state = models.CharField(max_length=8, choices=State, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)      # segments copied so far
    total = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0)           # the zip's bytes when ready
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
