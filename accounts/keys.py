"""Registering and replacing people's public keys, and which key was theirs at a moment.

Who needs which key (seal.md §3, §7, §9; chain.md §5): bidders a P-256 bidder key;
custodians (agents, staff, supervisors) a P-256 custodian key; supervisors an Ed25519
cosigner key; inspectors a P-256 archive key.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import PublicKey, User
from audit import chain, clock
from audit.services import actor_of, event_append
from config.errors import DomainError, NotPermitted
from trading.seal.digest import fingerprint

ALLOWED = {
    User.Role.BIDDER: {PublicKey.Purpose.BIDDER},
    User.Role.AGENT: {PublicKey.Purpose.CUSTODIAN},
    User.Role.STAFF: {PublicKey.Purpose.CUSTODIAN},
    User.Role.SUPERVISOR: {PublicKey.Purpose.CUSTODIAN, PublicKey.Purpose.COSIGNER},
    User.Role.INSPECTOR: {PublicKey.Purpose.ARCHIVE},
}


class KeyInvalid(DomainError):
    code = "key_invalid"
    message = _("This is not a valid %(kind)s public key, so it was not registered. Make the key again on "
                "the key page; your previous key, if any, stays registered.")


class KeyPurposeNotAllowed(DomainError):
    code = "key_purpose_not_allowed"
    message = _("Your role does not use a key of this kind.")


def _check(purpose: str, key: bytes) -> None:
    if purpose == PublicKey.Purpose.COSIGNER:
        if len(key) != 32 or not chain.ed25519_public_key_ok(key):
            raise KeyInvalid(kind="Ed25519")
        return
    try:
        if len(key) != 65 or key[0] != 4:
            raise ValueError("not an uncompressed point")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)  # refuses a point off the curve
    except ValueError:
        raise KeyInvalid(kind="P-256") from None


@transaction.atomic
def key_register(*, by: User, purpose: str, public_key_hex: str) -> PublicKey:
    """Register a key made in the owner's browser; an earlier key of that purpose is replaced
    (kept, with the time it stopped being current)."""
    if purpose not in ALLOWED.get(by.role, set()):
        raise KeyPurposeNotAllowed()
    try:
        key = bytes.fromhex(public_key_hex.strip().lower())
    except ValueError:
        raise KeyInvalid(kind="P-256" if purpose != PublicKey.Purpose.COSIGNER else "Ed25519") from None
    _check(purpose, key)
    now = clock.now()
    previous = PublicKey.objects.select_for_update().filter(owner=by, purpose=purpose, replaced_at__isnull=True).first()
    if previous is not None:
        previous.replaced_at = now
        previous.save(update_fields=["replaced_at"])
    row = PublicKey.objects.create(owner=by, purpose=purpose, public_key=key.hex(), fingerprint=fingerprint(key),
                                   registered_at=now)
    event_append(kind="key.replaced" if previous else "key.registered", actor=actor_of(by), object=f"user:{by.pk}",
                 payload={"user": by.pk, "purpose": purpose, "fingerprint": row.fingerprint,
                          "previous": previous.fingerprint if previous else None})
    return row


def key_current(*, owner: User, purpose: str) -> PublicKey | None:
    return PublicKey.objects.filter(owner=owner, purpose=purpose, replaced_at__isnull=True).first()


def key_at(*, owner: User, purpose: str, moment: datetime) -> PublicKey | None:
    """The key that was registered at `moment` (what a receipt of that time was checked against)."""
    return (PublicKey.objects.filter(owner=owner, purpose=purpose, registered_at__lte=moment)
            .exclude(replaced_at__lte=moment).order_by("-registered_at").first())


def keys_of(user: User) -> list[PublicKey]:
    if not user.is_authenticated:
        raise NotPermitted()
    return list(PublicKey.objects.filter(owner=user))
