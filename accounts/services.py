"""Account writes: bidder registration and its decision, accounts made by staff."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction

from accounts.errors import (AlreadyDecided, DuplicateOrganisation, DuplicateUsername, OrganisationRequired,
                             ReasonRequired, RoleNotAllowed)
from accounts.models import Organisation, User
from audit import clock
from audit.services import actor_of, event_append
from config.errors import NotPermitted

STAFF_CREATED_ROLES = {User.Role.AGENT, User.Role.STAFF, User.Role.SUPERVISOR, User.Role.INSPECTOR,
                       User.Role.EXPERT}


def _nfc(text: str) -> str:
    # Ids typed by people are NFC-normalised before they are stored (canonical-json.md §2).
    return unicodedata.normalize("NFC", text.strip())


@transaction.atomic
def registration_submit(*, organisation_name: str, credit_code: str, address: str = "", username: str,
                        email: str, first_name: str, phone: str, password: str) -> User:
    """A bidder registers its organisation and contact person; staff verify it later."""
    credit_code = credit_code.strip().upper()
    if Organisation.objects.filter(credit_code=credit_code).exists():
        raise DuplicateOrganisation(code=credit_code)
    if User.objects.filter(username__iexact=username).exists():
        raise DuplicateUsername(username=username)
    organisation = Organisation(name=_nfc(organisation_name), credit_code=credit_code, address=_nfc(address),
                                created_at=clock.now())
    organisation.full_clean()
    user = User(username=_nfc(username), email=email, first_name=_nfc(first_name), phone=phone,
                role=User.Role.BIDDER)
    validate_password(password, user)
    user.set_password(password)
    try:
        organisation.save()
        user.organisation = organisation
        user.save()
    except IntegrityError:
        # Someone registered the same code or name between our check and the insert.
        raise DuplicateOrganisation(code=credit_code) from None
    event_append(kind="account.registered", actor=actor_of(user), object=f"organisation:{organisation.pk}",
                 payload={"organisation": organisation.pk, "credit_code": credit_code, "user": user.pk})
    return user


def _decide(*, organisation: Organisation, by: User, status: str, reason: str) -> Organisation:
    if not by.has_perm("accounts.verify_registration"):
        raise NotPermitted()
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status != Organisation.Status.PENDING:
        raise AlreadyDecided(status=organisation.get_status_display())
    organisation.status = status
    organisation.rejection_reason = reason
    organisation.decided_at = clock.now()
    organisation.save(update_fields=["status", "rejection_reason", "decided_at"])
    kind = "account.verified" if status == Organisation.Status.VERIFIED else "account.rejected"
    payload: dict[str, object] = {"organisation": organisation.pk}
    if reason:
        payload["reason_sha256"] = _sha256(reason)
    event_append(kind=kind, actor=actor_of(by), object=f"organisation:{organisation.pk}", payload=payload)
    return organisation


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def registration_verify(*, organisation: Organisation, by: User) -> Organisation:
    return _decide(organisation=organisation, by=by, status=Organisation.Status.VERIFIED, reason="")


@transaction.atomic
def registration_reject(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired()
    return _decide(organisation=organisation, by=by, status=Organisation.Status.REJECTED, reason=reason)


@transaction.atomic
def account_create(*, by: User | None, role: str, username: str, email: str, first_name: str,
                   last_name: str = "", phone: str = "", organisation: Organisation | None = None,
                   password: str | None = None) -> User:
    """Staff create the accounts of agents, staff, supervisors, inspectors and experts.

    Without a password the account gets a random one nobody knows, and its owner sets their
    own through the password-reset e-mail (Django sends none to unusable passwords). `by=None` is the platform itself (the demo seeder's first staff).
    """
    if by is not None and not by.has_perm("accounts.manage_accounts"):
        raise NotPermitted()
    if role not in STAFF_CREATED_ROLES:
        raise RoleNotAllowed()
    if role == User.Role.AGENT and organisation is None:
        raise OrganisationRequired()
    if User.objects.filter(username__iexact=username).exists():
        raise DuplicateUsername(username=username)
    user = User(username=_nfc(username), email=email, first_name=_nfc(first_name), last_name=_nfc(last_name),
                phone=phone, role=role, organisation=organisation,
                is_staff=role == User.Role.STAFF)
    if password is None:
        user.set_password(secrets.token_urlsafe(32))
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    event_append(kind="account.created", actor=actor_of(by), object=f"user:{user.pk}",
                 payload={"user": user.pk, "role": role})
    return user


@transaction.atomic
def account_set_active(*, user: User, by: User, active: bool) -> User:
    if not by.has_perm("accounts.manage_accounts") or user.pk == by.pk:
        raise NotPermitted()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    event_append(kind="account.activated" if active else "account.deactivated", actor=actor_of(by),
                 object=f"user:{user.pk}", payload={"user": user.pk})
    return user


@transaction.atomic
def organisation_create(*, by: User | None, name: str, credit_code: str, address: str = "") -> Organisation:
    """Staff register a tenderer or agent organisation directly; it needs no verification."""
    if by is not None and not by.has_perm("accounts.manage_accounts"):
        raise NotPermitted()
    credit_code = credit_code.strip().upper()
    if Organisation.objects.filter(credit_code=credit_code).exists():
        raise DuplicateOrganisation(code=credit_code)
    now = clock.now()
    organisation = Organisation(name=_nfc(name), credit_code=credit_code, address=_nfc(address),
                                status=Organisation.Status.VERIFIED, created_at=now, decided_at=now)
    organisation.full_clean()
    organisation.save()
    event_append(kind="organisation.created", actor=actor_of(by), object=f"organisation:{organisation.pk}",
                 payload={"organisation": organisation.pk, "credit_code": credit_code})
    return organisation
