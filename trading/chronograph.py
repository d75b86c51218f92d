"""The chronograph: moves listings on time by the platform clock (a Celery beat task).

Each due listing is handled in its own transaction under its row lock, with the stage and
time re-checked after locking, so two runs at once change each listing once. At the bid
deadline it appends the chain spec's `listing.deadline` event per lot and asks for a
checkpoint covering it; too few sign-ups fail a lot where the rule says so.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit import clock
from audit.services import SYSTEM, event_append
from trading import bids, rule_values
from trading.lifecycle import TENDER_FLOW, TIMED, flow, next_stage, takes_sealed_bids
from trading.models import Listing, Lot, Registration, Status
from trading.opening_lock import openings_prepare
from trading.services import listing_advance, listing_fail, procedure

def _ends_at(listing: Listing) -> datetime | None:
    """When the listing's timed stage ends: tenders leave "published" when sign-up closes;
    fixed-price and sales when sign-up opens."""
    status = Status(listing.status)
    if status == Status.PUBLISHED:
        if flow(listing.kind, listing.method) == TENDER_FLOW:
            return listing.signup_closes_at or listing.deadline
        return listing.signup_opens_at
    return {Status.SIGN_UP: listing.signup_closes_at, Status.DEPOSITS: listing.deadline,
            Status.BIDDING: listing.deadline, Status.BIDDING_PERIOD: listing.bidding_ends_at}.get(status)


def due_listings(now: datetime) -> list[int]:
    """A superset of the listings due now; each is re-checked under its lock."""
    times = (Q(signup_opens_at__lte=now) | Q(signup_closes_at__lte=now) | Q(deadline__lte=now)
             | Q(bidding_ends_at__lte=now))
    return list(Listing.objects.filter(times, status__in=TIMED).values_list("pk", flat=True))


def tick(now: datetime | None = None) -> int:
    """Advance every listing whose timed stage has ended; returns how many changed."""
    changed = 0
    for pk in due_listings(now or clock.now()):
        changed += _advance_one(pk)
    return changed


@transaction.atomic
def _advance_one(pk: int) -> int:
    locking = Listing.objects.select_for_update(skip_locked=connection.vendor == "postgresql")
    listing = locking.filter(pk=pk).first()
    if listing is None:
        return 0  # another run holds it and will move it
    now = clock.now()
    ends = _ends_at(listing) if listing.status in TIMED else None
    if ends is None or ends > now:
        return 0  # someone got here first, or a clarification moved the time
    to = _next(listing)
    closing_signup = to in (Status.BIDDING, Status.QUALIFICATION)
    deadline_seqs = _deadline_events(listing) if to in (Status.OPENING, Status.BIDDING_PERIOD) else {}
    listing_advance(listing=listing, by=None, to=to)
    if to == Status.OPENING and takes_sealed_bids(listing.kind, listing.method):
        _openings_prepare(listing, deadline_seqs)
    if closing_signup or to == Status.BIDDING_PERIOD:
        _fail_thin_lots(listing)
    return 1


def _next(listing: Listing) -> Status:
    stage = next_stage(listing.kind, listing.method, listing.status)
    assert stage is not None
    return stage


def _deadline_events(listing: Listing) -> dict[int, int]:
    """chain.md §5: at deadline T, `listing.deadline` {listing, deadline} per lot, then a
    checkpoint covering it, which the lot's supervisor cosigns before the opening locks."""
    seqs = {}
    for lot in listing.lots.exclude(status=Lot.LotStatus.FAILED):
        event = event_append(kind="listing.deadline", actor=SYSTEM, object=f"listing:{lot.code}",
                             payload={"listing": lot.code, "deadline": clock.format_ts(listing.deadline)})
        seqs[lot.pk] = event.seq
    listing.deadline_passed_at = clock.now()
    listing.save(update_fields=["deadline_passed_at"])
    bids.uploads_close(listing)
    from audit.tasks import checkpoint_issue_task

    transaction.on_commit(checkpoint_issue_task.delay)
    return seqs


def _openings_prepare(listing: Listing, deadline_seqs: dict[int, int]) -> None:
    """Each sealed lot's opening (seal.md §7); too few bids fail the lot (TR Art. 44)."""
    for lot in listing.lots.filter(pk__in=list(deadline_seqs)):
        if lot.listing_keys.exists():
            openings_prepare(lot, deadline_seqs[lot.pk])
    if not listing.lots.filter(status=Lot.LotStatus.ACTIVE).exists():
        listing_fail(listing=listing, by=None, reason=_("Every lot failed: too few bids were received."))


def _fail_thin_lots(listing: Listing) -> None:
    """Too few sign-ups fail the lot (TR Art. 44 and its mirrors); all lots failed fail the listing."""
    proc = procedure(listing.kind, listing.method)
    if proc.min_bids is None:
        return
    needed = rule_values.value(proc.min_bids, listing.rules_in_force)
    for lot in listing.lots.filter(status=Lot.LotStatus.ACTIVE):
        count = Registration.objects.filter(lot=lot).exclude(status=Registration.RegistrationStatus.WITHDRAWN).count()
        if count < needed:
            # The count itself stays secret (TL Art. 22); the reason names only the rule.
            reason = _("Too few sign-ups: %(rule)s.") % {
                "rule": rule_values.describe(proc.min_bids, listing.rules_in_force)}
            lot.status, lot.failed_reason = Lot.LotStatus.FAILED, reason
            lot.save(update_fields=["status", "failed_reason"])
            event_append(kind="lot.failed", actor=SYSTEM, object=f"listing:{lot.code}",
                         payload={"listing": lot.code, "needed": needed})
    if not listing.lots.filter(status=Lot.LotStatus.ACTIVE).exists():
        listing_fail(listing=listing, by=None, reason=_("Every lot failed for too few sign-ups."))
