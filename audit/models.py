"""The full-process record (chain.md §3): append-only rows, one head row, checkpoints."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One link of the audit chain. Never updated or deleted (a trigger refuses both)."""

    seq = models.PositiveBigIntegerField(_("sequence"), primary_key=True)
    ts = models.DateTimeField(_("time"), db_index=True)
    actor = models.CharField(_("actor"), max_length=64, db_index=True)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    object = models.CharField(_("object"), max_length=128, db_index=True, blank=True)
    # The payload's canonical JSON text, kept byte for byte as it was hashed.
    payload = models.TextField(_("payload"))
    leaf = models.CharField(_("leaf hash"), max_length=64)
    link = models.CharField(_("link hash"), max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.object}"


class Head(models.Model):
    """The single row every append locks (chain.md §3: appends are serialised)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    link = models.CharField(max_length=64, default="0" * 64)
    # The last event's time in microseconds since the epoch: raw SQL reads it on every append.
    ts_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")]


class Checkpoint(models.Model):
    """A signed tree head (chain.md §5); cosignatures are appended to `note` as they come."""

    size = models.PositiveBigIntegerField(_("size"), unique=True)
    root = models.CharField(_("root hash"), max_length=64)
    link = models.CharField(_("link hash"), max_length=64)
    note = models.TextField(_("signed note"))
    created_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["-size"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class ClockOffset(models.Model):
    """The demo and test clock's offset from the system clock, shared by every process."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    offset_us = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_clock_single_row"),
                       models.CheckConstraint(condition=models.Q(offset_us__gte=0), name="audit_clock_forward_only")]


class ChainCheck(models.Model):
    """The outcome of one walk of the chain and its checkpoints, shown in the audit browser."""

    checked_at = models.DateTimeField(_("checked at"))
    size = models.PositiveBigIntegerField(_("events checked"))
    ok = models.BooleanField(_("intact"))
    code = models.CharField(_("error code"), max_length=32, blank=True)
    seq = models.PositiveBigIntegerField(_("first broken event"), null=True, blank=True)

    class Meta:
        verbose_name = _("chain check")
        verbose_name_plural = _("chain checks")


class Cosignature(models.Model):
    """A supervisor's cosignature of a checkpoint (chain.md §5), also kept as a line of its note."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    cosigner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    key = models.ForeignKey("accounts.PublicKey", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("cosigner name"), max_length=128)
    timestamp = models.PositiveBigIntegerField(_("cosigned at (POSIX seconds)"))
    line = models.TextField()
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-checkpoint__size"]
        verbose_name = _("cosignature")
        verbose_name_plural = _("cosignatures")
        constraints = [models.UniqueConstraint(fields=["checkpoint", "key"], name="cosignature_once_per_key")]
