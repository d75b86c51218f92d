"""The public online opening (seal.md §7): one `Opening` per lot whose bids were sealed.

Key material never lands here: bidder parts (K_b) and shares arrive as stanzas wrapped to
the opening worker's one-time key, and only the worker process unwraps them, in memory.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Opening(models.Model):
    class State(models.TextChoices):
        COSIGN = "cosign", _("Waiting for the supervisor to cosign the deadline checkpoint")
        LOCKING = "locking", _("Locking the envelopes of record")
        KEYS = "keys", _("Bidders submit their key parts")
        SHARES = "shares", _("Custodians submit their shares")
        DECRYPTING = "decrypting", _("Decrypting")
        RESULT = "result", _("Making the opening record")
        CONFIRMING = "confirming", _("Bidders confirm the record")
        CLOSED = "closed", _("Closed")
        FAILED = "failed", _("No opening")

    lot = models.OneToOneField("trading.Lot", on_delete=models.CASCADE, related_name="opening")
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.COSIGN)
    deadline_seq = models.PositiveBigIntegerField(_("listing.deadline event"))
    # The checkpoint covering the deadline that the lot's supervisor cosigned (chain.md §5).
    cosigned_checkpoint = models.PositiveBigIntegerField(null=True, blank=True)
    # The opening worker holding this opening, and until when (system time, not the demo clock:
    # a clock jump must not hand the opening to another worker).
    holder = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)  # how many `opening.lock` so far
    lock_seq = models.PositiveBigIntegerField(null=True, blank=True)
    opening_pk = models.CharField(max_length=130, blank=True)
    key_holder = models.CharField(max_length=80, blank=True)  # the worker whose memory has the one-time key
    locked_at = models.DateTimeField(null=True, blank=True)
    keys_close_at = models.DateTimeField(null=True, blank=True)
    keys_closed_seq = models.PositiveBigIntegerField(null=True, blank=True)
    shares_close_at = models.DateTimeField(null=True, blank=True)
    result_seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    result_at = models.DateTimeField(null=True, blank=True)
    record_seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    record_path = models.CharField(max_length=255, blank=True)
    record_sha256 = models.CharField(max_length=64, blank=True)
    record_sig = models.CharField(max_length=128, blank=True)
    record_checkpoint = models.PositiveBigIntegerField(null=True, blank=True)
    confirm_until = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    failed_code = models.CharField(max_length=32, blank=True)
    failed_reason = models.TextField(blank=True)
    progress = models.JSONField(default=dict, blank=True)  # envelope seq → bytes decrypted so far

    class Meta:
        verbose_name = _("opening")
        verbose_name_plural = _("openings")

    def __str__(self) -> str:
        return f"opening {self.lot_id} ({self.state})"


class OpenedEnvelope(models.Model):
    """An envelope of record at the opening, and what became of it (§7 steps 1 and 4)."""

    class Outcome(models.TextChoices):
        PENDING = "", _("Not yet processed")
        OPENED = "opened", _("Opened")
        REVOKED = "revoked", _("撤销 (the bidder's fault)")
        WITHDRAWN = "withdrawn", _("撤回 (not the bidder's fault)")

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="envelopes")
    envelope = models.OneToOneField("trading.Envelope", on_delete=models.PROTECT, related_name="opened")
    bid = models.ForeignKey("trading.Bid", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8)
    lock_code = models.CharField(max_length=32, blank=True)  # a §7 step 1 failure, found at the lock
    code = models.CharField(max_length=32, blank=True)  # the final code, "" when opened
    chunk = models.PositiveIntegerField(null=True, blank=True)
    fault = models.CharField(max_length=16, blank=True)  # bidder, platform, custodians
    outcome = models.CharField(max_length=16, choices=Outcome, blank=True, default=Outcome.PENDING)
    form_cj = models.TextField(blank=True)  # the opened bid form, written with the result only
    body_path = models.CharField(max_length=255, blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    receipt_sha256 = models.CharField(max_length=64)
    # K_l of a bid failed at step 4, so its bidder can re-check the verdict with its own K_b (§7 step 5).
    k_l = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["envelope__seq"]


class Submission(models.Model):
    """What a bidder or custodian sends the opening worker under one lock: a stanza wrapped to
    its one-time key (unreadable without the worker), decided by the worker."""

    class State(models.TextChoices):
        PENDING = "pending", _("Being checked")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    lock_seq = models.PositiveBigIntegerField()
    stanza_cj = models.TextField()
    state = models.CharField(max_length=16, choices=State, default=State.PENDING)
    code = models.CharField(max_length=32, blank=True)
    seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)  # its event, once accepted
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["pk"]


class KeySubmission(Submission):
    """A bidder's K_b for one envelope, with its signed S (§7 step 2); `seq` is its `seal.key`."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="key_submissions")
    opened = models.ForeignKey(OpenedEnvelope, on_delete=models.CASCADE, related_name="key_submissions")
    submission_cj = models.TextField()
    receipt_cj = models.TextField(blank=True)

    class Meta(Submission.Meta):
        constraints = [models.UniqueConstraint(fields=["lock_seq", "opened"], condition=Q(state="accepted"),
                                               name="one_accepted_key_per_envelope_and_lock")]


class ShareSubmission(Submission):
    """A custodian's share y (§7 step 3); `seq` is its `opening.share`."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="share_submissions")
    share_file = models.ForeignKey("trading.ShareFile", on_delete=models.PROTECT, related_name="+")

    class Meta(Submission.Meta):
        constraints = [models.UniqueConstraint(fields=["lock_seq", "share_file"], condition=Q(state="accepted"),
                                               name="one_accepted_share_per_x_and_lock")]


class ArchiveKey(models.Model):
    """d of a listing key for one inspector, wrapped to its archive key (§7 step 5)."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="archive_keys")
    listing_key = models.ForeignKey("trading.ListingKey", on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stanza_cj = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opening", "listing_key", "inspector"],
                                               name="archive_key_once")]


class Attendance(models.Model):
    """Who has the opening page open now (the page's socket), shown as 在线."""

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    connections = models.PositiveSmallIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opening", "user"], name="attendance_once")]


class RecordResponse(models.Model):
    """A bidder's confirmation of the opening record, or its objection and the answer given on
    the spot (实施条例 第44条)."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("Confirmed")
        OBJECT = "object", _("Objection")

    opening = models.ForeignKey(Opening, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind)
    text = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    seq = models.PositiveBigIntegerField(unique=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["opening", "organisation"], condition=Q(kind="confirm"),
                                               name="confirm_once_per_bidder")]
