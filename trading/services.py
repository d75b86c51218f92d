"""Listing writes: draft, submit, publish, clarify, suspend, fail, cancel, and the staff steps.

Every write locks the listing, checks the permission, guards the stage, saves, appends its
audit event last (audit.services.event_append locks the chain head), and defers side
effects to after commit. Statutory refusals name their article (trading.rules).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.notifications import notify
from audit import clock
from audit.services import actor_of, event_append
from bidroom.services import bookings_follow_deadline
from config.errors import NotPermitted
from config.realtime import broadcast_on_commit
from trading import lifecycle, listing_keys, ocds, rule_values, rules, workdays
from trading.errors import (DateInPast, DocumentRefused, NonWorkingDay, ReasonRequired, RuleBroken,
                            UnknownProcedure, WrongStatus)
from trading.models import Clarification, Document, Kind, Listing, Lot, Method, Question, Status

if TYPE_CHECKING:
    from accounts.models import Organisation, User

CODE_PREFIX = {Kind.CONSTRUCTION: "ZB", Kind.PROCUREMENT: "CG", Kind.FIXED_PRICE: "GD", Kind.LAND: "TD",
               Kind.ASSET: "CQ"}


@dataclass
class LotInput:
    title: str
    budget_fen: int
    deposit_fen: int = 0
    reserve_fen: int | None = None


@dataclass
class ListingInput:
    title: str
    kind: str
    method: str
    tenderer: Organisation
    budget_fen: int
    deadline: datetime
    region: str = ""
    description: str = ""
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None
    bidding_ends_at: datetime | None = None
    lots: list[LotInput] = field(default_factory=list)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _event(listing: Listing, event_kind: str, by: User | None, **payload: Any) -> None:
    event = event_append(kind=event_kind, actor=actor_of(by), object=f"listing:{listing.code}",
                         payload={"listing": listing.code, "status": listing.status, **payload})
    ocds.release_record(listing, event_kind=event_kind, seq=event.seq)
    broadcast_on_commit(f"listing.{listing.pk}", {"type": "listing.changed", "status": listing.status})


def _locked(listing: Listing) -> Listing:
    return Listing.objects.select_for_update().get(pk=listing.pk)


def procedure(kind: str, method: str) -> rules.Procedure:
    try:
        return rules.MATRIX[(kind, method)]
    except KeyError:
        raise UnknownProcedure(kind=Kind(kind).label if kind in Kind.values else kind,
                               method=Method(method).label if method in Method.values else method) from None


def _next_code(kind: str, now: datetime) -> str:
    prefix = f"{CODE_PREFIX[Kind(kind)]}-{timezone.localtime(now).year}-"
    last = (Listing.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True)
            .first())
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _save_lots(listing: Listing, lots: list[LotInput]) -> None:
    listing.lots.all().delete()
    for number, lot in enumerate(lots or [LotInput(title=listing.title, budget_fen=listing.budget_fen)], start=1):
        code = listing.code if len(lots) <= 1 else f"{listing.code}-{number:02d}"
        Lot.objects.create(listing=listing, number=number, code=code, title=lot.title, budget_fen=lot.budget_fen,
                           deposit_fen=lot.deposit_fen, reserve_fen=lot.reserve_fen)


@transaction.atomic
def listing_create(*, by: User, data: ListingInput) -> Listing:
    """The agent drafts a listing; nothing is public until staff publish it."""
    if not by.has_perm("trading.draft_listing"):
        raise NotPermitted()
    procedure(data.kind, data.method)
    now = clock.now()
    listing = Listing.objects.create(
        code=_next_code(data.kind, now), title=data.title, kind=data.kind, method=data.method, region=data.region,
        description=data.description, tenderer=data.tenderer, agent=by.organisation, budget_fen=data.budget_fen,
        deadline=data.deadline, signup_opens_at=data.signup_opens_at, signup_closes_at=data.signup_closes_at,
        bidding_ends_at=data.bidding_ends_at, created_by=by, created_at=now, updated_at=now)
    listing.refresh_search_text()
    listing.save(update_fields=["search_text"])
    _save_lots(listing, data.lots)
    _event(listing, "listing.drafted", by, kind=listing.kind, method=listing.method)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, by: User, data: ListingInput) -> Listing:
    listing = _locked(listing)
    if not by.has_perm("trading.edit_listing", listing):
        raise NotPermitted()
    if listing.status != Status.DRAFT:
        raise WrongStatus(current=listing.get_status_display())
    procedure(data.kind, data.method)
    for name in ("title", "kind", "method", "region", "description", "tenderer", "budget_fen", "deadline",
                 "signup_opens_at", "signup_closes_at", "bidding_ends_at"):
        setattr(listing, name, getattr(data, name))
    listing.updated_at = clock.now()
    listing.refresh_search_text()
    listing.save()
    _save_lots(listing, data.lots)
    _event(listing, "listing.updated", by)
    return listing


@transaction.atomic
def document_add(*, listing: Listing, by: User, title: str, upload: UploadedFile) -> Document:
    listing = _locked(listing)
    if not (by.has_perm("trading.edit_listing", listing) or by.has_perm("trading.manage_listing")):
        raise NotPermitted()
    if listing.status in (Status.ARCHIVED, Status.CANCELLED, Status.FAILED):
        raise WrongStatus(current=listing.get_status_display())
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.TRADING_DOCUMENT_TYPES:
        raise DocumentRefused(name=name, reason=_("only these types are accepted: %(types)s")
                              % {"types": ", ".join(settings.TRADING_DOCUMENT_TYPES)})
    if upload.size is None or upload.size > settings.TRADING_DOCUMENT_MAX_BYTES:
        raise DocumentRefused(name=name, reason=_("it is larger than %(mb)s MB")
                              % {"mb": settings.TRADING_DOCUMENT_MAX_BYTES // (1024 * 1024)})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    document = Document.objects.create(listing=listing, title=title, file=upload, sha256=digest.hexdigest(),
                                       size=upload.size, uploaded_at=clock.now())
    _event(listing, "listing.document_added", by, document=document.pk, sha256=document.sha256,
           size=document.size)
    return document


@transaction.atomic
def listing_submit(*, listing: Listing, by: User) -> Listing:
    listing = _locked(listing)
    if not by.has_perm("trading.edit_listing", listing):
        raise NotPermitted()
    if listing.status != Status.DRAFT:
        raise WrongStatus(current=listing.get_status_display())
    check_schedule(listing, now=clock.now())  # the agent hears about a short deadline now, not from staff
    listing.status = Status.SUBMITTED
    listing.updated_at = clock.now()
    listing.save(update_fields=["status", "updated_at"])
    _event(listing, "listing.submitted", by)
    return listing


@transaction.atomic
def listing_return(*, listing: Listing, by: User, reason: str) -> Listing:
    """Staff send a submitted listing back to the agent with the reason."""
    listing = _locked(listing)
    if not by.has_perm("trading.publish_listing"):
        raise NotPermitted()
    if listing.status != Status.SUBMITTED:
        raise WrongStatus(current=listing.get_status_display())
    if not reason.strip():
        raise ReasonRequired()
    listing.status, listing.status_reason, listing.updated_at = Status.DRAFT, reason.strip(), clock.now()
    listing.save(update_fields=["status", "status_reason", "updated_at"])
    _event(listing, "listing.returned", by, reason_sha256=hashlib.sha256(reason.encode()).hexdigest())
    notify([listing.created_by], subject=_("Listing %(code)s returned") % {"code": listing.code},
           body=reason, link=f"/trading/listings/{listing.pk}/")
    return listing


def _broken(what: str, rule: rules.Rule, amount: int) -> RuleBroken:
    return RuleBroken(what=what, rule=rule_values.source(rule), requirement=rule_values.requirement(rule, amount))


def check_schedule(listing: Listing, *, now: datetime, frozen: dict[str, int] | None = None) -> None:
    """Every date rule of the listing's procedure, counted from `now` as the publication time."""
    proc = procedure(listing.kind, listing.method)
    calendar = workdays.center_calendar()
    today = workdays.local_date(now)
    if listing.deadline <= now:
        raise DateInPast(what=_("The deadline"), when=_when(listing.deadline))
    with workdays.year_guard():
        if proc.bidding_period is not None:
            amount = rule_values.value(proc.bidding_period, frozen)
            earliest = calendar.earliest_deadline(today, amount, proc.bidding_period.unit)  # type: ignore[arg-type]
            if workdays.local_date(listing.deadline) < earliest:
                raise _broken(_("Cannot publish: the deadline %(deadline)s is before %(earliest)s")
                              % {"deadline": _when(listing.deadline), "earliest": earliest.isoformat()},
                              proc.bidding_period, amount)
        if proc.signup_window is not None:
            amount = rule_values.value(proc.signup_window, frozen)
            opens = listing.signup_opens_at or now
            earliest = calendar.earliest_deadline(workdays.local_date(opens), amount, proc.signup_window.unit)  # type: ignore[arg-type]
            closes = listing.signup_closes_at
            if closes is not None and workdays.local_date(closes) < earliest:
                raise _broken(_("Cannot publish: sign-up closes %(closes)s, before %(earliest)s")
                              % {"closes": _when(closes), "earliest": earliest.isoformat()},
                              proc.signup_window, amount)
        for extra in proc.extras:  # the land listing period, from the start of bidding
            amount = rule_values.value(extra, frozen)
            end = listing.bidding_ends_at
            earliest = calendar.earliest_deadline(workdays.local_date(listing.deadline), amount, extra.unit)  # type: ignore[arg-type]
            if end is None or workdays.local_date(end) < earliest:
                raise _broken(_("Cannot publish: the listing period must end on or after %(earliest)s")
                              % {"earliest": earliest.isoformat()}, extra, amount)
        if not settings.TRADING_DEADLINE_ON_NON_WORKING_DAY:
            day = workdays.local_date(listing.deadline)
            if not calendar.is_working_day(day):
                raise NonWorkingDay(what=_("The deadline"), day=day.isoformat())
    if listing.signup_closes_at is not None and listing.signup_closes_at > listing.deadline:
        raise DateInPast(what=_("Sign-up must close before the deadline; sign-up close"),
                         when=_when(listing.signup_closes_at))
    _check_money(listing, proc, frozen)


def _check_money(listing: Listing, proc: rules.Procedure, frozen: dict[str, int] | None) -> None:
    if proc.budget_ceiling is not None:
        ceiling = rule_values.value(proc.budget_ceiling, frozen)
        if listing.budget_fen >= ceiling * 100:
            raise _broken(_("Cannot publish: the budget is %(yuan)s yuan") % {"yuan": listing.budget_fen // 100},
                          proc.budget_ceiling, ceiling)
    if proc.deposit_cap is not None:
        cap = rule_values.value(proc.deposit_cap, frozen)
        for lot in listing.lots.all():
            if lot.deposit_fen * 100 > lot.budget_fen * cap:
                raise _broken(_("Cannot publish: the deposit of lot %(lot)s is %(yuan)s yuan")
                              % {"lot": lot.code, "yuan": lot.deposit_fen / 100}, proc.deposit_cap, cap)


def signup_close_default(listing: Listing, *, now: datetime, frozen: dict[str, int]) -> datetime | None:
    """Without a date of its own, sign-up closes when the rule's minimum window ends."""
    proc = procedure(listing.kind, listing.method)
    if proc.signup_window is None:
        return None
    amount = rule_values.value(proc.signup_window, frozen)
    with workdays.year_guard():
        day = workdays.center_calendar().earliest_deadline(
            workdays.local_date(listing.signup_opens_at or now), amount, proc.signup_window.unit)  # type: ignore[arg-type]
    return min(workdays.end_of_day(day), listing.deadline)


@transaction.atomic
def listing_publish(*, listing: Listing, by: User, supervisor: User | None = None) -> Listing:
    """Staff check and publish (进场登记): the rules and calendar in force are frozen on it.

    With a supervisor, every lot gets that supervisor and the opening-key custodians are
    the drafting agent, the publishing staff member and the supervisor (seal.md §3, 2-of-3);
    a listing taking sealed bids needs them, each with a custodian key, for its listing keys.
    """
    listing = _locked(listing)
    if not by.has_perm("trading.publish_listing"):
        raise NotPermitted()
    if supervisor is not None and supervisor.role != supervisor.Role.SUPERVISOR:
        raise NotPermitted()
    if listing.status != Status.SUBMITTED:
        raise WrongStatus(current=listing.get_status_display())
    custodian_keys = listing_keys.check_ready(listing, supervisor=supervisor, staff=by)
    now = clock.now()
    frozen = rule_values.snapshot()
    check_schedule(listing, now=now, frozen=frozen)
    listing.signup_opens_at = listing.signup_opens_at or now
    listing.signup_closes_at = listing.signup_closes_at or signup_close_default(listing, now=now, frozen=frozen)
    listing.rules_in_force = frozen
    listing.calendar_version = workdays.center_calendar().version
    listing.status, listing.published_at, listing.updated_at, listing.status_reason = Status.PUBLISHED, now, now, ""
    listing.save()
    if supervisor is not None:
        listing.lots.update(supervisor=supervisor)
        listing.custodians.set([listing.created_by, by, supervisor])
    _event(listing, "listing.published", by, deadline=clock.format_ts(listing.deadline),
           lots=[lot.code for lot in listing.lots.all()], calendar=listing.calendar_version)
    if custodian_keys:
        listing_keys.listing_keys_make(listing, custodian_keys)
    return listing


@transaction.atomic
def listing_advance(*, listing: Listing, by: User | None, to: str, reason: str = "") -> Listing:
    """Move to the next stage of the listing's flow. Timed stages are the chronograph's
    (`by=None`); the others are staff's, each after its own service's checks."""
    listing = _locked(listing)
    expected = lifecycle.next_stage(listing.kind, listing.method, listing.status)
    if expected is None or to != expected:
        raise WrongStatus(current=listing.get_status_display())
    if by is None:
        if listing.status not in lifecycle.TIMED:
            raise WrongStatus(current=listing.get_status_display())
    elif not by.has_perm("trading.manage_listing"):
        raise NotPermitted()
    elif lifecycle.STAFF_STEPS.get(Status(listing.status)) != to:
        # Only the clock ends a timed stage; results, awards and contracts have their own services.
        raise WrongStatus(current=listing.get_status_display())
    previous = listing.status
    listing.status, listing.updated_at = to, clock.now()
    listing.save(update_fields=["status", "updated_at"])
    _event(listing, "listing.advanced", by, **{"from": previous, "to": to})
    return listing


def _set_aside(listing: Listing, *, by: User | None, status: str, allowed: set[Status], reason: str,
               event_kind: str) -> Listing:
    if status in (Status.FAILED, Status.CANCELLED, Status.SUSPENDED) and not reason.strip():
        raise ReasonRequired()
    if listing.status not in allowed:
        raise WrongStatus(current=listing.get_status_display())
    previous = listing.status
    listing.resume_status = previous if status == Status.SUSPENDED else ""
    listing.status, listing.status_reason, listing.updated_at = status, reason.strip(), clock.now()
    listing.save(update_fields=["status", "status_reason", "resume_status", "updated_at"])
    if status == Status.FAILED:
        listing.lots.filter(status=Lot.LotStatus.ACTIVE).update(status=Lot.LotStatus.FAILED, failed_reason=reason.strip())
    _event(listing, event_kind, by, **{"from": previous, "reason_sha256": hashlib.sha256(reason.encode()).hexdigest()})
    _notify_registrants(listing, subject=_("%(code)s: %(status)s") % {"code": listing.code,
                                                                      "status": listing.get_status_display()},
                        body=reason)
    return listing


def _notify_registrants(listing: Listing, *, subject: str, body: str) -> None:
    from accounts.models import User

    users = User.objects.filter(organisation__registrations__lot__listing=listing, is_active=True).distinct()
    notify(users, subject=subject, body=body, link=f"/trading/listings/{listing.pk}/")


@transaction.atomic
def listing_suspend(*, listing: Listing, by: User, reason: str) -> Listing:
    listing = _locked(listing)
    if not by.has_perm("trading.manage_listing"):
        raise NotPermitted()
    return _set_aside(listing, by=by, status=Status.SUSPENDED, allowed=lifecycle.SUSPENDABLE, reason=reason,
                      event_kind="listing.suspended")


@transaction.atomic
def listing_resume(*, listing: Listing, by: User, reason: str = "") -> Listing:
    listing = _locked(listing)
    if not by.has_perm("trading.manage_listing"):
        raise NotPermitted()
    if listing.status != Status.SUSPENDED:
        raise WrongStatus(current=listing.get_status_display())
    listing.status, listing.resume_status, listing.updated_at = listing.resume_status, "", clock.now()
    listing.status_reason = ""
    listing.save(update_fields=["status", "resume_status", "status_reason", "updated_at"])
    _event(listing, "listing.resumed", by)
    return listing


@transaction.atomic
def listing_fail(*, listing: Listing, by: User | None, reason: str) -> Listing:
    """流标/流拍, with its reason, published."""
    listing = _locked(listing)
    if by is not None and not by.has_perm("trading.manage_listing"):
        raise NotPermitted()
    return _set_aside(listing, by=by, status=Status.FAILED, allowed=lifecycle.FAILABLE, reason=reason,
                      event_kind="listing.failed")


@transaction.atomic
def listing_cancel(*, listing: Listing, by: User, reason: str) -> Listing:
    listing = _locked(listing)
    is_owner_draft = listing.status == Status.DRAFT and by.has_perm("trading.edit_listing", listing)
    if not (is_owner_draft or by.has_perm("trading.manage_listing")):
        raise NotPermitted()
    return _set_aside(listing, by=by, status=Status.CANCELLED, allowed=lifecycle.CANCELLABLE, reason=reason,
                      event_kind="listing.cancelled")


@transaction.atomic
def clarification_publish(*, listing: Listing, by: User, text: str, affects_bids: bool = True) -> Clarification:
    """A clarification later than the rule's lead time pushes the deadline, and every date
    that hangs on it, to the earliest the rule allows (TL Art. 23; GPR Art. 31)."""
    listing = _locked(listing)
    if not by.has_perm("trading.clarify_listing", listing):
        raise NotPermitted()
    if listing.status not in lifecycle.SIGN_UP_OPEN:
        raise WrongStatus(current=listing.get_status_display())
    if not text.strip():
        raise ReasonRequired()
    now = clock.now()
    old = listing.deadline
    proc = procedure(listing.kind, listing.method)
    if affects_bids and proc.amendment_lead is not None:
        amount = rule_values.value(proc.amendment_lead, listing.rules_in_force)
        with workdays.year_guard():
            earliest_day = workdays.center_calendar().earliest_deadline(
                workdays.local_date(now), amount, proc.amendment_lead.unit)  # type: ignore[arg-type]
            if workdays.local_date(old) < earliest_day:
                new = workdays.same_time_on(earliest_day, old)
                calendar = workdays.center_calendar()
                if not settings.TRADING_DEADLINE_ON_NON_WORKING_DAY:
                    while not calendar.is_working_day(workdays.local_date(new)):
                        new += timedelta(days=1)
                _move_deadline(listing, new)
    clarification = Clarification.objects.create(listing=listing, text=text.strip(), affects_bids=affects_bids,
                                                 published_at=now, old_deadline=old, new_deadline=listing.deadline)
    _event(listing, "listing.clarified", by, clarification=clarification.pk,
           old_deadline=clock.format_ts(old), new_deadline=clock.format_ts(listing.deadline))
    subject = _("%(code)s: clarification published") % {"code": listing.code}
    body = text.strip()
    if listing.deadline != old:
        body += "\n\n" + _("The deadline moved from %(old)s to %(new)s.") % {"old": _when(old),
                                                                            "new": _when(listing.deadline)}
    _notify_registrants(listing, subject=subject, body=body)
    return clarification


def _move_deadline(listing: Listing, new: datetime) -> None:
    """The deadline and every date hanging on it move together; the room bookings follow,
    or the amendment is refused naming the room that is taken."""
    shift = new - listing.deadline
    bookings_follow_deadline(listing=listing, old=listing.deadline, new=new)
    listing.deadline = new
    if listing.bidding_ends_at is not None:
        listing.bidding_ends_at += shift
    listing.updated_at = clock.now()
    listing.save(update_fields=["deadline", "bidding_ends_at", "updated_at"])


@transaction.atomic
def question_ask(*, listing: Listing, by: User, text: str) -> Question:
    if not by.has_perm("trading.ask_question"):
        raise NotPermitted()
    listing = _locked(listing)
    if listing.status not in lifecycle.SIGN_UP_OPEN:
        raise WrongStatus(current=listing.get_status_display())
    if not text.strip():
        raise ReasonRequired()
    question = Question.objects.create(listing=listing, asked_by=by.organisation, text=text.strip(),
                                       asked_at=clock.now())
    # The asker stays anonymous in the record too: the organisation is on the row, for staff.
    _event(listing, "listing.question_asked", by, question=question.pk)
    agents = listing.agent.users.filter(is_active=True) if listing.agent else []
    notify(agents, subject=_("%(code)s: a new question") % {"code": listing.code}, body=question.text,
           link=f"/trading/listings/{listing.pk}/")
    return question


@transaction.atomic
def question_answer(*, question: Question, by: User, answer: str) -> Question:
    listing = _locked(question.listing)
    if not by.has_perm("trading.answer_question", listing):
        raise NotPermitted()
    if not answer.strip():
        raise ReasonRequired()
    question = Question.objects.select_for_update().get(pk=question.pk)
    question.answer, question.answered_at = answer.strip(), clock.now()
    question.save(update_fields=["answer", "answered_at"])
    _event(listing, "listing.question_answered", by, question=question.pk)
    _notify_registrants(listing, subject=_("%(code)s: a question was answered") % {"code": listing.code},
                        body=f"{question.text}\n\n{question.answer}")
    return question
