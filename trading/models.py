"""Listings of every kind, their lots, documents, clarifications, sign-ups, deposits and results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation


class Kind(models.TextChoices):
    CONSTRUCTION = "construction", _("Construction tender")
    PROCUREMENT = "procurement", _("Government procurement")
    FIXED_PRICE = "fixed_price", _("Fixed-price comparison")
    LAND = "land", _("Land-use right sale")
    ASSET = "asset", _("State asset transfer")


class Method(models.TextChoices):
    OPEN_TENDER = "open_tender", _("Open tender")
    INVITATIONAL_TENDER = "invitational_tender", _("Invitational tender")
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", _("Competitive negotiation")
    COMPETITIVE_CONSULTATION = "competitive_consultation", _("Competitive consultation")
    INQUIRY = "inquiry", _("Inquiry")
    SINGLE_SOURCE = "single_source", _("Single source")
    FIXED_PRICE_DRAW = "fixed_price_draw", _("Fixed price, contractor drawn at random")
    LAND_TENDER = "land_tender", _("Land tender")
    LAND_AUCTION = "land_auction", _("Land auction")
    LAND_LISTING = "land_listing", _("Land listing")
    ASSET_LISTING = "asset_listing", _("Asset listing")
    ASSET_AUCTION = "asset_auction", _("Asset auction")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for publication")
    PUBLISHED = "published", _("Published")
    BIDDING = "bidding", _("Bidding")
    OPENING = "opening", _("Bid opening")
    EVALUATION = "evaluation", _("Evaluation")
    PUBLICIZED = "publicized", _("Candidates publicized")
    SIGN_UP = "sign_up", _("Sign-up")
    QUALIFICATION = "qualification", _("Qualification review")
    DRAW = "draw", _("Contractor draw")
    RESULT_PUBLICIZED = "result_publicized", _("Result publicized")
    DEPOSITS = "deposits", _("Sign-up and deposits")
    BIDDING_PERIOD = "bidding_period", _("Bidding period")
    RESULT = "result", _("Result")
    AWARDED = "awarded", _("Awarded")
    CONTRACT_SIGNED = "contract_signed", _("Contract signed")
    ARCHIVED = "archived", _("Archived")
    SUSPENDED = "suspended", _("Suspended")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Listing(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    method = models.CharField(_("method"), max_length=32, choices=Method)
    status = models.CharField(_("status"), max_length=24, choices=Status, default=Status.DRAFT, db_index=True)
    # The stage a suspended listing resumes to.
    resume_status = models.CharField(max_length=24, choices=Status, blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    description = models.TextField(_("description"), blank=True)
    tenderer = models.ForeignKey(Organisation, verbose_name=_("tenderer"), on_delete=models.PROTECT,
                                 related_name="listings_tendered")
    agent = models.ForeignKey(Organisation, verbose_name=_("agent"), on_delete=models.PROTECT,
                              related_name="listings_run", null=True, blank=True)
    budget_fen = models.BigIntegerField(_("budget or ceiling (fen)"))
    # Dates the rules count from and to; all platform time.
    signup_opens_at = models.DateTimeField(_("sign-up opens"), null=True, blank=True)
    signup_closes_at = models.DateTimeField(_("sign-up closes"), null=True, blank=True)
    deadline = models.DateTimeField(_("bid deadline (opening time)"))
    bidding_ends_at = models.DateTimeField(_("bidding period ends"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    deadline_passed_at = models.DateTimeField(null=True, blank=True)
    # Sealing parameters the notice declares (seal.md §3).
    form_size = models.PositiveIntegerField(_("bid form size (bytes)"), default=4096)
    keys_k = models.PositiveSmallIntegerField(_("custodians needed (k)"), default=2)
    keys_n = models.PositiveSmallIntegerField(_("custodians (n)"), default=3)
    bidder_key_window_minutes = models.PositiveSmallIntegerField(_("bidder key window (minutes)"), default=30)
    confirmation_window_minutes = models.PositiveSmallIntegerField(_("confirmation window (minutes)"), default=5)
    remedy = models.TextField(_("remedy if the listing key cannot be rebuilt"), blank=True)
    custodians = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("opening key custodians"),
                                        blank=True, related_name="custodian_of")
    # The rule values and calendar in force at publication: later changes never move a live deadline.
    rules_in_force = models.JSONField(default=dict, blank=True)
    calendar_version = models.CharField(max_length=64, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)
    # Lower-cased code, title, region and description: the portal's one searched column
    # (a trigram index on PostgreSQL, migration 0004).
    search_text = models.TextField(editable=False, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        # The portal lists newest first and stops at a page: an index in that order.
        indexes = [models.Index(fields=["status", "kind", "-published_at"]),
                   models.Index(fields=["-published_at", "-id"], name="listing_newest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="listing_budget_positive"),
            models.CheckConstraint(condition=Q(keys_k__gte=1) & Q(keys_k__lte=models.F("keys_n")),
                                   name="listing_k_of_n"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def refresh_search_text(self) -> None:
        self.search_text = " ".join([self.code, self.title, self.region, self.description]).lower()


class Lot(models.Model):
    """标段/包: sign-ups, bids, counts and results are per lot. Its code is the specs' `listing`."""

    class LotStatus(models.TextChoices):
        ACTIVE = "active", _("Active")
        FAILED = "failed", _("Failed")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"))
    code = models.CharField(_("lot code"), max_length=40, unique=True)
    title = models.CharField(_("lot title"), max_length=200)
    budget_fen = models.BigIntegerField(_("budget or ceiling (fen)"))
    # Kept secret until the opening (TR Art. 27, 50; land: until the close).
    reserve_fen = models.BigIntegerField(_("reserve price (fen)"), null=True, blank=True)
    deposit_fen = models.BigIntegerField(_("deposit (fen)"), default=0)
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="supervised_lots")
    status = models.CharField(_("status"), max_length=16, choices=LotStatus, default=LotStatus.ACTIVE)
    failed_reason = models.TextField(_("reason for failure"), blank=True)

    class Meta:
        ordering = ["listing", "number"]
        constraints = [models.UniqueConstraint(fields=["listing", "number"], name="lot_number_unique"),
                       models.CheckConstraint(condition=Q(budget_fen__gt=0), name="lot_budget_positive"),
                       models.CheckConstraint(condition=Q(deposit_fen__gte=0), name="lot_deposit_not_negative")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Document(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="listings/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at"]


class Clarification(models.Model):
    """澄清/修改: published to every registrant; a late one pushes the deadline (TL Art. 23)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="clarifications")
    text = models.TextField(_("clarification or amendment"))
    affects_bids = models.BooleanField(_("may affect bids"), default=True)
    published_at = models.DateTimeField()
    old_deadline = models.DateTimeField()
    new_deadline = models.DateTimeField()

    class Meta:
        ordering = ["published_at"]


class Question(models.Model):
    """答疑: bidders ask; the agent answers publicly without naming who asked."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField()
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]


class Registration(models.Model):
    """报名: a verified bidder signs up for a lot. Who and how many stays secret (TL Art. 22)."""

    class RegistrationStatus(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Not qualified")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(max_length=16, choices=RegistrationStatus, default=RegistrationStatus.SIGNED_UP)
    signed_up_at = models.DateTimeField()
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "organisation"], name="registration_once_per_lot")]


class Deposit(models.Model):
    """投标保证金/竞买保证金: declared by the bidder, confirmed by staff, refunded on a statutory clock."""

    class DepositStatus(models.TextChoices):
        DECLARED = "declared", _("Declared")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUND_DUE = "refund_due", _("Refund due")
        REFUNDED = "refunded", _("Refunded")
        KEPT = "kept", _("Kept")

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="deposit")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    reference = models.CharField(_("payment reference"), max_length=64)
    status = models.CharField(max_length=16, choices=DepositStatus, default=DepositStatus.DECLARED)
    declared_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    refund_due_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="deposit_positive")]


class Candidate(models.Model):
    """A ranked winning candidate from the committee's report (at most 3, TR Art. 53), or a
    recorded auction result (rank 1)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="candidates")
    rank = models.PositiveSmallIntegerField(_("rank"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    price_fen = models.BigIntegerField(_("price (fen)"))
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["lot", "rank"]
        constraints = [models.UniqueConstraint(fields=["lot", "rank"], name="candidate_rank_unique"),
                       models.UniqueConstraint(fields=["lot", "organisation"], name="candidate_once_per_lot")]


class ResultReport(models.Model):
    lot = models.OneToOneField(Lot, on_delete=models.CASCADE, related_name="report")
    file = models.FileField(upload_to="reports/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    publicity_ends_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    contract_due_at = models.DateTimeField(null=True, blank=True)
    contract_signed_at = models.DateTimeField(null=True, blank=True)


class Objection(models.Model):
    """异议 on the candidates, raised during publicity and answered (TR Art. 54)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="objections")
    raised_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField()
    reply_due_at = models.DateTimeField()
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)


class RuleSetting(models.Model):
    """A center's value for a rule: tighter for hard rules, any value for settings."""

    name = models.CharField(max_length=64, unique=True)
    value = models.PositiveIntegerField()
    changed_at = models.DateTimeField()


class CalendarDay(models.Model):
    """Staff's entries for the working-day calendar: a year the package lacks, or a correction."""

    day = models.DateField(unique=True)
    working = models.BooleanField()
    notice = models.CharField(_("State Council notice"), max_length=100)


class CalendarYear(models.Model):
    """A year whose whole schedule staff entered (so it needs no package data)."""

    year = models.PositiveSmallIntegerField(unique=True)
    notice = models.CharField(_("State Council notice"), max_length=100)


class DueItem(models.Model):
    """电子监察: a step with a statutory or promised time limit."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="due_items")
    what = models.CharField(max_length=64)
    rule = models.CharField(max_length=64, blank=True)
    due_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    overdue_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["listing", "what"], condition=Q(done_at__isnull=True),
                                               name="due_item_open_once")]


class Release(models.Model):
    """An OCDS 1.1 release, made at each state change of a published listing and kept as it was."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="releases")
    release_id = models.CharField(max_length=64, unique=True)
    date = models.DateTimeField(db_index=True)
    data = models.JSONField()

    class Meta:
        ordering = ["date", "pk"]


# Sealed bids (seal.md) ----------------------------------------------------------------------

class EnvelopeKind(models.TextChoices):
    FORM = "form", _("Bid form")
    DOCS = "docs", _("Bid documents")


class ListingKey(models.Model):
    """A lot's listing key of one envelope kind (seal.md §3, §9). Only the public half is
    kept: the private key was split to the custodians and wiped at publication."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="listing_keys")
    kind = models.CharField(_("envelope"), max_length=8, choices=EnvelopeKind)
    public_key = models.CharField(_("public key (hex)"), max_length=130)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    k = models.PositiveSmallIntegerField()
    n = models.PositiveSmallIntegerField()
    event_seq = models.PositiveBigIntegerField(_("listing.key event"))
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["lot", "kind"]
        constraints = [models.UniqueConstraint(fields=["lot", "kind"], name="listing_key_once_per_kind")]


class ShareFile(models.Model):
    """Custodian x's share of a listing key, wrapped to its registered custodian key: the
    platform cannot read it, the custodian downloads it and brings it to the opening."""

    listing_key = models.ForeignKey(ListingKey, on_delete=models.CASCADE, related_name="share_files")
    x = models.PositiveSmallIntegerField()
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="share_files")
    custodian_key = models.ForeignKey("accounts.PublicKey", on_delete=models.PROTECT, related_name="+")
    commit = models.CharField(max_length=64)
    file_cj = models.TextField()
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["listing_key", "x"]
        constraints = [models.UniqueConstraint(fields=["listing_key", "x"], name="share_once_per_x")]


class Bid(models.Model):
    """A bidder organisation's sealed bid for a lot: its id goes into every envelope header,
    and replacements keep it (seal.md §6)."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="bids")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    bid_id = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "organisation"], name="bid_once_per_lot")]


class Envelope(models.Model):
    """A receipted envelope (`seal.received`). Its bytes live under MEDIA_ROOT/sealed/."""

    class State(models.TextChoices):
        CURRENT = "current", _("Of record")
        REPLACED = "replaced", _("Replaced")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="envelopes")
    kind = models.CharField(max_length=8, choices=EnvelopeKind)
    seq = models.PositiveBigIntegerField(unique=True)  # of its seal.received event
    state = models.CharField(max_length=16, choices=State, default=State.CURRENT)
    path = models.CharField(max_length=255)
    header = models.TextField()
    header_sha256 = models.CharField(max_length=64)
    envelope_sha256 = models.CharField(max_length=64)
    envelope_size = models.PositiveBigIntegerField()
    payload_hash = models.CharField(max_length=64)
    receipt_cj = models.TextField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The key the header was checked against: the one to open this envelope with, even
    # after its owner registers another (seal.md §6, issue #6).
    bidder_key = models.ForeignKey("accounts.PublicKey", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["bid", "kind"], condition=Q(state="current"),
                                               name="envelope_one_current_per_kind")]


class Withdrawal(models.Model):
    """A bidder's signed withdrawal (`seal.withdrawn`) and its receipt."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="withdrawals")
    seq = models.PositiveBigIntegerField(unique=True)
    request_cj = models.TextField()
    receipt_cj = models.TextField()
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]


class Upload(models.Model):
    """An envelope arriving in pieces: resumable from `received` after a reload or a lost
    connection. Nothing in it is of record until it is finished and receipted."""

    class State(models.TextChoices):
        OPEN = "open", _("Uploading")
        DONE = "done", _("Receipted")
        REFUSED = "refused", _("Refused")

    token = models.CharField(max_length=32, unique=True)
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="uploads")
    kind = models.CharField(max_length=8, choices=EnvelopeKind)
    header = models.TextField()
    header_sig = models.CharField(max_length=128)
    sealer = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    received = models.PositiveBigIntegerField(default=0)
    state = models.CharField(max_length=16, choices=State, default=State.OPEN)
    refusal = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()


# The opening (seal.md §7) lives in its own module; Django finds its models here.
from trading.models_opening import (  # noqa: E402,F401
    ArchiveKey, Attendance, KeySubmission, OpenedEnvelope, Opening, RecordResponse, ShareSubmission,
)
