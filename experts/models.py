"""The expert pool (专家库), the center's avoidance settings, and draws with their events.

Organisations are named by their registry code (the unified social credit code), the same
string the draw's snapshot and manifest carry (draw.md §5), so an expert's employer need not
be an organisation registered on the platform.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from trading.models import Lot


class Specialty(models.Model):
    """One class of the expert classification (评标专家专业分类), e.g. A0801."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Expert(models.Model):
    class ExpertStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        RETIRED = "retired", _("Retired")

    class Channel(models.TextChoices):
        INBOX = "inbox", _("Platform inbox")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    code = models.CharField(_("registry number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("platform account"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="expert")
    specialties = models.ManyToManyField(Specialty, verbose_name=_("specialties"), related_name="experts")
    employer = models.CharField(_("employer (credit code)"), max_length=32, blank=True, db_index=True)
    employer_name = models.CharField(_("employer"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=ExpertStatus, default=ExpertStatus.ACTIVE,
                              db_index=True)
    channel = models.CharField(_("contact channel"), max_length=16, choices=Channel, default=Channel.INBOX)
    contact = models.CharField(_("phone or e-mail"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("added at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FormerEmployer(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="former_employers")
    organisation = models.CharField(_("organisation (credit code)"), max_length=32)
    left_on = models.DateField(_("left on"))

    class Meta:
        verbose_name = _("former employer")
        verbose_name_plural = _("former employers")
        constraints = [models.UniqueConstraint(fields=["expert", "organisation", "left_on"],
                                               name="expert_former_employer_once")]


class RelativeOrganisation(models.Model):
    """An organisation a close relative works for or controls, as the expert declared it."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relatives_orgs")
    organisation = models.CharField(_("organisation (credit code)"), max_length=32)
    relation = models.CharField(_("relation"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("relative's organisation")
        verbose_name_plural = _("relatives' organisations")
        constraints = [models.UniqueConstraint(fields=["expert", "organisation"], name="expert_relative_org_once")]


class Penalty(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="penalties")
    reference = models.CharField(_("decision number"), max_length=64)
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"), null=True, blank=True)

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        constraints = [models.UniqueConstraint(fields=["expert", "reference"], name="expert_penalty_once"),
                       models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                              name="penalty_span_order")]


class AvoidanceSettings(models.Model):
    """The center's avoidance rules (回避), one row. Each switch is a centre setting with the
    default of RULES.md §6; active status is a selection criterion, not a rule here."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    employer_is_bidder = models.BooleanField(_("exclude employees of a bidder"), default=True)
    employer_is_tenderer = models.BooleanField(_("exclude employees of the tenderer or its agent"), default=True)
    former_employer_years = models.PositiveSmallIntegerField(
        _("exclude former employees of a party for (years, 0 = off)"), default=3)
    relatives = models.BooleanField(_("exclude experts whose relatives work for a party"), default=True)
    penalties = models.BooleanField(_("exclude experts with a penalty in force"), default=True)
    cooldown_days = models.PositiveSmallIntegerField(_("cooldown after a draw (days, 0 = off)"), default=30)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("avoidance settings")
        verbose_name_plural = _("avoidance settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="avoidance_settings_single_row")]


class Draw(models.Model):
    """One run of sunbid-draw/1 for a lot. The secret never leaves this row before the reveal."""

    class Purpose(models.TextChoices):
        EXPERT = "expert", _("Evaluation experts")
        CONTRACTOR = "contractor", _("Fixed-price contractor")

    class State(models.TextChoices):
        CREATED = "created", _("Committed")
        FROZEN = "frozen", _("Frozen")
        WITNESSED = "witnessed", _("Witnessed")
        DRAWN = "drawn", _("Drawn")
        REVEALED = "revealed", _("Revealed")
        ABANDONED = "abandoned", _("Abandoned")

    draw_id = models.CharField(_("draw number"), max_length=64, unique=True)
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="draws")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose)
    k = models.PositiveSmallIntegerField(_("to draw"))
    m = models.PositiveSmallIntegerField(_("backups"))
    contact_attempts = models.PositiveSmallIntegerField(_("call attempts before no-answer"), default=3)
    contact_minutes = models.PositiveSmallIntegerField(_("minutes the attempts must span"), default=20)
    cooldown_days = models.PositiveSmallIntegerField(_("cooldown (days)"), default=0)
    follows = models.ForeignKey("self", verbose_name=_("follows"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="followed_by")
    booking = models.ForeignKey("bidroom.Booking", verbose_name=_("draw room booking"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.CREATED, db_index=True)
    abandon_reason = models.CharField(_("reason abandoned"), max_length=64, blank=True)
    secret = models.CharField(max_length=64, editable=False)
    commit = models.CharField(_("commitment"), max_length=64)
    criteria = models.JSONField(default=list)
    rules = models.JSONField(default=list)
    rules_hash = models.CharField(max_length=64)
    pool = models.JSONField(null=True, editable=False)
    pool_snapshot_hash = models.CharField(max_length=64, blank=True)
    excluded = models.JSONField(null=True, editable=False)
    excluded_hash = models.CharField(max_length=64, blank=True)
    candidates = models.JSONField(null=True, editable=False)
    candidates_hash = models.CharField(max_length=64, blank=True)
    n_pool = models.PositiveIntegerField(null=True)
    n_excluded = models.PositiveIntegerField(null=True)
    n_candidates = models.PositiveIntegerField(null=True)
    anchor = models.CharField(_("anchor"), max_length=64, blank=True)
    checkpoint_size = models.PositiveBigIntegerField(_("freeze checkpoint"), null=True)
    checkpoint_note = models.TextField(blank=True)
    witness = models.CharField(_("witness digits"), max_length=64, blank=True)
    drawn = models.JSONField(null=True, editable=False)
    backups = models.JSONField(null=True, editable=False)
    result = models.CharField(_("result hash"), max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    witnessed_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=1), name="draw_k_positive"),
            models.CheckConstraint(condition=Q(contact_attempts__gte=1), name="draw_contact_attempts_positive"),
            # The witness is typed only under a checkpoint covering the freeze (draw.md §3).
            models.CheckConstraint(condition=Q(witness="") | Q(checkpoint_size__isnull=False),
                                   name="draw_witness_after_checkpoint"),
            models.CheckConstraint(condition=~Q(state="abandoned") | ~Q(abandon_reason=""),
                                   name="draw_abandoned_has_reason"),
        ]

    def __str__(self) -> str:
        return self.draw_id

    @property
    def picks(self) -> list[str]:
        return list(self.drawn or []) + list(self.backups or [])


# The lifecycle kinds a draw has at most one of (calls repeat).
DRAW_EVENTS_ONCE = ("create", "freeze", "witness", "result", "reveal", "abandon")


class DrawEvent(models.Model):
    """A draw's audit events. The database holds at most one create, freeze, witness, result,
    reveal and abandon per draw (draw.md §1: unique (draw_id, kind)); calls repeat."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16)
    seq = models.PositiveBigIntegerField(unique=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["draw", "kind"], condition=Q(kind__in=DRAW_EVENTS_ONCE),
                                               name="draw_event_once_per_kind")]


class Pick(models.Model):
    """Position p of a draw's picks (1 = first drawn) and where its call stands. Who it is
    stays on this row; pages, APIs and exports read it through experts.selectors."""

    class CallStatus(models.TextChoices):
        WAITING = "waiting", _("Not called")
        CALLED = "called", _("Called")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CONFLICT = "conflict", _("Declared a conflict")
        NO_ANSWER = "no_answer", _("No answer")

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="pick_rows")
    position = models.PositiveSmallIntegerField(_("position"))
    member = models.CharField(max_length=64)  # the registry id drawn (expert code or credit code)
    expert = models.ForeignKey(Expert, null=True, blank=True, on_delete=models.PROTECT, related_name="picks")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("call status"), max_length=16, choices=CallStatus, default=CallStatus.WAITING)
    seated = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    first_called_at = models.DateTimeField(null=True, blank=True)
    last_called_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "position"], name="pick_position_once"),
                       models.CheckConstraint(condition=Q(position__gte=1), name="pick_position_positive")]


class Reply(models.Model):
    """A reply as received on the registered channel; its SHA-256 is on the chain."""

    pick = models.ForeignKey(Pick, on_delete=models.PROTECT, related_name="replies")
    answer = models.CharField(max_length=16)
    text = models.TextField(blank=True)
    received = models.TextField()  # the exact bytes hashed, as UTF-8 text
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField()
