"""Results until online evaluation and auctions exist: staff record the committee's ranked
candidates (with the report) or the auction room's result; publicity, objections, the award
to the winner and every other bidder, and the contract against its time limit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.notifications import notify
from audit import clock
from audit.services import actor_of, event_append
from config.errors import NotPermitted
from trading import ocds, rule_values, workdays
from trading.errors import (CandidateNotRegistered, ObjectionPending, PublicityNotOver, ReasonRequired,
                            TooManyCandidates, WrongStatus)
from trading.models import Candidate, DueItem, Listing, Lot, Objection, Registration, ResultReport, Status
from trading.services import listing_advance, procedure
from trading.signup import deposits_refund_due

if TYPE_CHECKING:
    from trading.rules import Rule


@dataclass
class Ranked:
    organisation: Organisation
    price_fen: int


def _event(listing: Listing, event_kind: str, by: User | None, **payload: object) -> None:
    event = event_append(kind=event_kind, actor=actor_of(by), object=f"listing:{listing.code}",
                         payload={"listing": listing.code, **payload})
    ocds.release_record(listing, event_kind=event_kind, seq=event.seq)


def _period_end(listing: Listing, rule: Rule, start: datetime, *, minimum: bool) -> datetime:
    amount = rule_values.value(rule, listing.rules_in_force)
    with workdays.year_guard():
        calendar = workdays.center_calendar()
        day = workdays.local_date(start)
        end = (calendar.earliest_deadline(day, amount, rule.unit) if minimum  # type: ignore[arg-type]
               else calendar.latest_day(day, amount, rule.unit))  # type: ignore[arg-type]
    return workdays.end_of_day(end)


def _due(listing: Listing, what: str, rule: Rule | None, due_at: datetime) -> None:
    DueItem.objects.get_or_create(listing=listing, what=what, done_at=None,
                                  defaults={"rule": rule.name if rule else "", "due_at": due_at})


def _done(listing: Listing, what: str) -> None:
    DueItem.objects.filter(listing=listing, what=what, done_at__isnull=True).update(done_at=clock.now())


@transaction.atomic
def candidates_record(*, lot: Lot, by: User, ranked: list[Ranked], report: UploadedFile) -> ResultReport:
    """The committee's ranked candidates from its report (tenders) or the draw/auction result:
    publicity starts now and lasts the rule's period."""
    listing = Listing.objects.select_for_update().get(pk=lot.listing_id)
    if not by.has_perm("trading.record_result"):
        raise NotPermitted()
    # Evaluation and the draw end when their result is recorded; an auction's result stage stays.
    targets = {Status.EVALUATION: Status.PUBLICIZED, Status.DRAW: Status.RESULT_PUBLICIZED, Status.RESULT: None}
    if listing.status not in targets or ResultReport.objects.filter(lot=lot).exists():
        raise WrongStatus(current=listing.get_status_display())
    proc = procedure(listing.kind, listing.method)
    limit = rule_values.value(proc.max_candidates, listing.rules_in_force) if proc.max_candidates else 1
    if not ranked or len(ranked) > limit:
        raise TooManyCandidates(limit=limit, count=len(ranked),
                                rule=rule_values.source(proc.max_candidates) if proc.max_candidates else "")
    registered = set(Registration.objects.filter(lot=lot).exclude(status=Registration.RegistrationStatus.WITHDRAWN)
                     .values_list("organisation_id", flat=True))
    chosen = [entry.organisation.pk for entry in ranked]
    if len(set(chosen)) != len(chosen) or not set(chosen) <= registered:
        raise CandidateNotRegistered()
    now = clock.now()
    digest = hashlib.sha256()
    for chunk in report.chunks():
        digest.update(chunk)
    for rank, entry in enumerate(ranked, start=1):
        Candidate.objects.create(lot=lot, rank=rank, organisation=entry.organisation, price_fen=entry.price_fen,
                                 recorded_at=now)
    publicity_ends = _period_end(listing, proc.publicity, now, minimum=True) if proc.publicity else now
    result = ResultReport.objects.create(lot=lot, file=report, sha256=digest.hexdigest(),
                                         publicity_ends_at=publicity_ends)
    _event(listing, "listing.candidates_recorded", by, lot=lot.code, report_sha256=result.sha256,
           candidates=len(ranked), publicity_ends=clock.format_ts(publicity_ends))
    target = targets[Status(listing.status)]
    if target and not listing.lots.exclude(status=Lot.LotStatus.FAILED).filter(report__isnull=True).exists():
        _advance_by_staff(listing, by, target)
    return result


def _advance_by_staff(listing: Listing, by: User, target: str) -> None:
    # The stage after evaluation/draw/bidding period is reached by recording its result.
    listing.status = target
    listing.updated_at = clock.now()
    listing.save(update_fields=["status", "updated_at"])
    _event(listing, "listing.advanced", by, to=target)


@transaction.atomic
def objection_raise(*, lot: Lot, by: User, text: str) -> Objection:
    listing = Listing.objects.select_for_update().get(pk=lot.listing_id)
    if not by.has_perm("trading.raise_objection"):
        raise NotPermitted()
    if not Registration.objects.filter(lot=lot, organisation_id=by.organisation_id).exists():
        raise NotPermitted()
    report = ResultReport.objects.filter(lot=lot).first()
    now = clock.now()
    if listing.status not in (Status.PUBLICIZED, Status.RESULT_PUBLICIZED) or report is None or (
            report.publicity_ends_at and now >= report.publicity_ends_at):
        raise WrongStatus(current=listing.get_status_display())
    if not text.strip():
        raise ReasonRequired()
    proc = procedure(listing.kind, listing.method)
    reply_due = _period_end(listing, proc.objection_reply, now, minimum=False) if proc.objection_reply else now
    objection = Objection.objects.create(lot=lot, raised_by=by.organisation, text=text.strip(), raised_at=now,
                                         reply_due_at=reply_due)
    _due(listing, f"objection:{objection.pk}", proc.objection_reply, reply_due)
    _event(listing, "objection.raised", by, lot=lot.code, objection=objection.pk)
    return objection


@transaction.atomic
def objection_reply(*, objection: Objection, by: User, reply: str) -> Objection:
    listing = Listing.objects.select_for_update().get(pk=objection.lot.listing_id)
    if not by.has_perm("trading.reply_objection", listing):
        raise NotPermitted()
    if not reply.strip():
        raise ReasonRequired()
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.replied_at is not None:
        raise WrongStatus(current=listing.get_status_display())
    objection.reply, objection.replied_at = reply.strip(), clock.now()
    objection.save(update_fields=["reply", "replied_at"])
    _done(listing, f"objection:{objection.pk}")
    _event(listing, "objection.replied", by, lot=objection.lot.code, objection=objection.pk)
    notify(objection.raised_by.users.filter(is_active=True), subject=_("Reply to your objection on %(code)s")
           % {"code": listing.code}, body=objection.reply, link=f"/trading/listings/{listing.pk}/")
    return objection


@transaction.atomic
def listing_award(*, listing: Listing, by: User) -> Listing:
    """The award notice goes to the winner and every other bidder (TL Art. 45)."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if not by.has_perm("trading.record_result"):
        raise NotPermitted()
    if listing.status not in (Status.PUBLICIZED, Status.RESULT_PUBLICIZED):
        raise WrongStatus(current=listing.get_status_display())
    now = clock.now()
    proc = procedure(listing.kind, listing.method)
    reports = list(ResultReport.objects.filter(lot__listing=listing).select_related("lot"))
    for report in reports:
        if report.publicity_ends_at and now < report.publicity_ends_at:
            raise PublicityNotOver(until=timezone.localtime(report.publicity_ends_at).strftime("%Y-%m-%d %H:%M"),
                                   rule=rule_values.describe(proc.publicity, listing.rules_in_force)
                                   if proc.publicity else "")
    if Objection.objects.filter(lot__listing=listing, replied_at__isnull=True).exists():
        raise ObjectionPending()
    for report in reports:
        winner = Candidate.objects.get(lot=report.lot, rank=1)
        report.awarded_at = now
        report.contract_due_at = _period_end(listing, proc.contract, now, minimum=False) if proc.contract else None
        report.save(update_fields=["awarded_at", "contract_due_at"])
        if report.contract_due_at:
            _due(listing, f"contract:{report.lot.code}", proc.contract, report.contract_due_at)
        deposits_refund_due(lot=report.lot, keep_for={winner.organisation_id}, after=now)
        _notify_award(listing, report.lot, winner)
    listing.status, listing.updated_at = Status.AWARDED, now
    listing.save(update_fields=["status", "updated_at"])
    _event(listing, "listing.awarded", by, lots=[r.lot.code for r in reports])
    return listing


def _notify_award(listing: Listing, lot: Lot, winner: Candidate) -> None:
    bidders = User.objects.filter(organisation__registrations__lot=lot, is_active=True).distinct()
    link = f"/trading/listings/{listing.pk}/"
    notify(bidders.filter(organisation=winner.organisation),
           subject=_("Award notice: %(lot)s") % {"lot": lot.code},
           body=_("Your organisation won lot %(lot)s (%(title)s).") % {"lot": lot.code, "title": lot.title}, link=link)
    notify(bidders.exclude(organisation=winner.organisation),
           subject=_("Result notice: %(lot)s") % {"lot": lot.code},
           body=_("Lot %(lot)s (%(title)s) was awarded to %(winner)s.")
           % {"lot": lot.code, "title": lot.title, "winner": winner.organisation.name}, link=link)


@transaction.atomic
def contract_signed(*, listing: Listing, by: User) -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if not by.has_perm("trading.record_result"):
        raise NotPermitted()
    active = listing.lots.exclude(status=Lot.LotStatus.FAILED)
    if listing.status not in (Status.AWARDED, Status.RESULT) or active.filter(report__isnull=True).exists():
        raise WrongStatus(current=listing.get_status_display())
    now = clock.now()
    for report in ResultReport.objects.filter(lot__listing=listing).select_related("lot"):
        report.contract_signed_at = now
        report.save(update_fields=["contract_signed_at"])
        _done(listing, f"contract:{report.lot.code}")
        deposits_refund_due(lot=report.lot, keep_for=set(), after=now)
    listing.status, listing.updated_at = Status.CONTRACT_SIGNED, now
    listing.save(update_fields=["status", "updated_at"])
    _event(listing, "listing.contract_signed", by)
    return listing


def listing_archive(*, listing: Listing, by: User) -> Listing:
    return listing_advance(listing=listing, by=by, to=Status.ARCHIVED)
