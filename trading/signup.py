"""Sign-up (报名) and deposits. Who signed up, and how many, stays secret (TL Art. 22): these
services tell only the bidder about its own sign-up, and selectors hide the rest."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.notifications import notify
from audit import clock
from audit.services import actor_of, event_append
from config.errors import NotPermitted
from trading import lifecycle, rule_values, workdays
from trading.errors import AlreadySignedUp, NotVerified, ReasonRequired, RuleBroken, SignUpClosed, WrongStatus
from trading.models import Deposit, DueItem, Listing, Lot, Registration, Status
from trading.services import procedure

if TYPE_CHECKING:
    from accounts.models import User


def _event(lot: Lot, event_kind: str, by: User | None, **payload: object) -> None:
    # The payload names the lot and the registration row, never the organisation:
    # the record is read by inspectors, but its events stream also reaches supervisors' pages.
    event_append(kind=event_kind, actor=actor_of(by), object=f"listing:{lot.code}", payload={"listing": lot.code, **payload})


def signup_open(listing: Listing, now: datetime) -> bool:
    if listing.status not in lifecycle.SIGN_UP_OPEN:
        return False
    if listing.signup_opens_at and now < listing.signup_opens_at:
        return False
    closes = listing.signup_closes_at or listing.deadline
    return now < closes


@transaction.atomic
def registration_create(*, lot: Lot, by: User) -> Registration:
    listing = Listing.objects.select_for_update().get(pk=lot.listing_id)
    if not by.has_perm("trading.sign_up"):
        if by.organisation is not None and by.organisation.status != "verified":
            raise NotVerified()
        raise NotPermitted()
    if not signup_open(listing, clock.now()) or lot.status != Lot.LotStatus.ACTIVE:
        raise SignUpClosed()
    try:
        with transaction.atomic():
            registration = Registration.objects.create(lot=lot, organisation=by.organisation, signed_up_by=by,
                                                       signed_up_at=clock.now())
    except IntegrityError:
        raise AlreadySignedUp() from None
    _event(lot, "registration.created", by, registration=registration.pk)
    return registration


@transaction.atomic
def registration_withdraw(*, registration: Registration, by: User) -> Registration:
    registration = Registration.objects.select_for_update().select_related("lot__listing").get(pk=registration.pk)
    if by.organisation_id != registration.organisation_id:
        raise NotPermitted()
    if not signup_open(registration.lot.listing, clock.now()):
        raise SignUpClosed()
    registration.status = Registration.RegistrationStatus.WITHDRAWN
    registration.save(update_fields=["status"])
    _event(registration.lot, "registration.withdrawn", by, registration=registration.pk)
    return registration


@transaction.atomic
def deposit_declare(*, registration: Registration, by: User, amount_fen: int, reference: str) -> Deposit:
    """The bidder declares the deposit it paid; the rule caps it (TR Art. 26; GPR Art. 33)."""
    registration = Registration.objects.select_for_update().select_related("lot__listing").get(pk=registration.pk)
    if by.organisation_id != registration.organisation_id:
        raise NotPermitted()
    lot, listing = registration.lot, registration.lot.listing
    if listing.status not in lifecycle.SIGN_UP_OPEN or clock.now() >= listing.deadline:
        raise WrongStatus(current=listing.get_status_display())
    proc = procedure(listing.kind, listing.method)
    if proc.deposit_cap is not None:
        cap = rule_values.value(proc.deposit_cap, listing.rules_in_force)
        if amount_fen * 100 > lot.budget_fen * cap:
            raise RuleBroken(what=_("The deposit of %(yuan)s yuan is too high") % {"yuan": amount_fen / 100},
                             rule=rule_values.source(proc.deposit_cap),
                             requirement=rule_values.requirement(proc.deposit_cap, cap))
    if amount_fen <= 0 or amount_fen < lot.deposit_fen:
        raise RuleBroken(what=_("The deposit of %(yuan)s yuan is too low") % {"yuan": amount_fen / 100},
                         rule=_("the tender documents"),
                         requirement=_("%(yuan)s yuan") % {"yuan": lot.deposit_fen / 100})
    deposit, _created = Deposit.objects.update_or_create(
        registration=registration,
        defaults={"amount_fen": amount_fen, "reference": reference.strip()[:64], "declared_at": clock.now(),
                  "status": Deposit.DepositStatus.DECLARED, "confirmed_at": None})
    _event(lot, "deposit.declared", by, registration=registration.pk, amount_fen=amount_fen)
    return deposit


@transaction.atomic
def deposit_confirm(*, deposit: Deposit, by: User) -> Deposit:
    if not by.has_perm("trading.confirm_deposit"):
        raise NotPermitted()
    deposit = Deposit.objects.select_for_update().select_related("registration__lot").get(pk=deposit.pk)
    if deposit.status != Deposit.DepositStatus.DECLARED:
        raise WrongStatus(current=deposit.get_status_display())
    deposit.status, deposit.confirmed_at = Deposit.DepositStatus.CONFIRMED, clock.now()
    deposit.save(update_fields=["status", "confirmed_at"])
    _event(deposit.registration.lot, "deposit.confirmed", by, registration=deposit.registration_id)
    return deposit


def deposits_refund_due(*, lot: Lot, keep_for: set[int], after: datetime) -> None:
    """Start the refund clock (TR Art. 35: 5 days; GPR Art. 33: 5 WD) for every confirmed
    deposit except those kept (the winner's, until the contract)."""
    listing = lot.listing
    rule = procedure(listing.kind, listing.method).deposit_refund
    with workdays.year_guard():
        due_day = workdays.center_calendar().latest_day(
            workdays.local_date(after), rule_values.value(rule, listing.rules_in_force), rule.unit)  # type: ignore[arg-type]
    due = workdays.end_of_day(due_day)
    changed = (Deposit.objects.filter(registration__lot=lot, status=Deposit.DepositStatus.CONFIRMED)
               .exclude(registration__organisation_id__in=keep_for)
               .update(status=Deposit.DepositStatus.REFUND_DUE, refund_due_at=due))
    if changed:
        DueItem.objects.get_or_create(listing=listing, what=f"refunds:{lot.code}", done_at=None,
                                      defaults={"rule": rule.name, "due_at": due})


@transaction.atomic
def deposit_refunded(*, deposit: Deposit, by: User) -> Deposit:
    if not by.has_perm("trading.confirm_deposit"):
        raise NotPermitted()
    deposit = Deposit.objects.select_for_update().select_related("registration__lot").get(pk=deposit.pk)
    if deposit.status not in (Deposit.DepositStatus.REFUND_DUE, Deposit.DepositStatus.CONFIRMED):
        raise WrongStatus(current=deposit.get_status_display())
    deposit.status, deposit.refunded_at = Deposit.DepositStatus.REFUNDED, clock.now()
    deposit.save(update_fields=["status", "refunded_at"])
    lot = deposit.registration.lot
    if not Deposit.objects.filter(registration__lot=lot, status=Deposit.DepositStatus.REFUND_DUE).exists():
        DueItem.objects.filter(listing_id=lot.listing_id, what=f"refunds:{lot.code}", done_at__isnull=True).update(
            done_at=clock.now())
    _event(deposit.registration.lot, "deposit.refunded", by, registration=deposit.registration_id)
    return deposit


@transaction.atomic
def registration_qualify(*, registration: Registration, by: User, qualified: bool, reason: str = "") -> Registration:
    """资格审查: during a fixed-price listing's qualification stage staff find each sign-up
    qualified or not (with the reason, which the bidder is told). The qualified ones are the
    contractor draw's pool."""
    if not by.has_perm("trading.manage_listing"):
        raise NotPermitted()
    registration = Registration.objects.select_for_update().select_related("lot__listing").get(pk=registration.pk)
    listing = registration.lot.listing
    if listing.status != Status.QUALIFICATION or registration.status == Registration.RegistrationStatus.WITHDRAWN:
        raise WrongStatus(current=listing.get_status_display())
    if not qualified and not reason.strip():
        raise ReasonRequired()
    registration.status = (Registration.RegistrationStatus.QUALIFIED if qualified
                           else Registration.RegistrationStatus.DISQUALIFIED)
    registration.save(update_fields=["status"])
    _event(registration.lot, "registration.qualified" if qualified else "registration.disqualified", by,
           registration=registration.pk, reason=reason.strip())
    notify(registration.organisation.users.all(),
           subject=_("Qualification result for %(code)s") % {"code": registration.lot.code},
           body=(_("Your sign-up for %(code)s is qualified.") if qualified else
                 _("Your sign-up for %(code)s is not qualified: %(reason)s"))
           % {"code": registration.lot.code, "reason": reason.strip()},
           link=f"/trading/listings/{listing.pk}/")
    return registration
