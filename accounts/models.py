from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import credit_code


def validate_credit_code(value: str) -> None:
    if not credit_code.is_valid(value):
        raise ValidationError(
            _("%(code)s is not a valid unified social credit code: it must be 18 characters "
              "(digits and capital letters except I, O, S, V, Z) ending in the correct check "
              "character. Please copy it from the business licence."),
            code="invalid_credit_code", params={"code": value})


class Organisation(models.Model):
    """A bidder, tenderer or agent organisation; a bidder's registration (注册) is checked by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("organisation name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                                   validators=[validate_credit_code],
                                   error_messages={"unique": _("An organisation with this unified social "
                                                               "credit code is already registered.")})
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                                   name="organisation_rejection_has_reason"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        BIDDER = "bidder", _("Bidder")
        AGENT = "agent", _("Tendering agent")
        STAFF = "staff", _("Center staff")
        SUPERVISOR = "supervisor", _("Supervisor")
        INSPECTOR = "inspector", _("Discipline inspector")
        EXPERT = "expert", _("Evaluation expert")

    role = models.CharField(_("role"), max_length=16, choices=Role)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="users")
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=~models.Q(role__in=["bidder", "agent"]) | models.Q(organisation__isnull=False),
                                   name="user_bidder_agent_has_organisation"),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Message(models.Model):
    """An in-app message: every notification lands here, whatever else delivers it."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="messages")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")


class PublicKey(models.Model):
    """A person's registered public key (seal.md §3, §9; chain.md §5). The private key was
    made in the owner's browser and never reached the platform. Rows are never edited: a
    replacement is a new row, and the old one keeps its span, because envelopes and
    submissions are checked against the key registered when they were receipted."""

    class Purpose(models.TextChoices):
        BIDDER = "bidder", _("Bidder key (P-256)")
        CUSTODIAN = "custodian", _("Opening-key custodian key (P-256)")
        COSIGNER = "cosigner", _("Checkpoint cosigner key (Ed25519)")
        ARCHIVE = "archive", _("Archive key (P-256)")

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="public_keys")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose)
    public_key = models.CharField(_("public key (hex)"), max_length=130)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    registered_at = models.DateTimeField(_("registered at"))
    replaced_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["owner", "purpose", "-registered_at"]
        verbose_name = _("public key")
        verbose_name_plural = _("public keys")
        constraints = [
            models.UniqueConstraint(fields=["owner", "purpose"], condition=models.Q(replaced_at__isnull=True),
                                    name="public_key_one_current_per_purpose"),
        ]
