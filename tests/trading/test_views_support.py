"""Shared set-up for the listing pages' tests (no tests here): listings at a given stage,
sign-ups, and the users who look at them."""

from __future__ import annotations

from datetime import timedelta

import chinese_calendar
from django.utils import timezone
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit import clock
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.trading.factories import draft, published
from trading import results, signup
from trading.models import Listing, Lot, Registration, Status
from trading.results import Ranked

ROLES = [r.value for r in User.Role]


def working_days_ahead(minimum: int = 25) -> int:
    """Days from now to a deadline on a working day: the center refuses a rest-day deadline."""
    days = minimum
    # The center's day is Beijing's: from 16:00 UTC on, the UTC date is the day before.
    while not chinese_calendar.is_workday(timezone.localtime(clock.now() + timedelta(days=days)).date()):
        days += 1
    return days


def draft_listing(agent: User | None = None, **kwargs) -> Listing:
    return draft(agent, days=working_days_ahead(), **kwargs)


def published_listing(agent: User | None = None, **kwargs) -> Listing:
    return published(agent, days=working_days_ahead(), **kwargs)


def at_stage(listing: Listing, status: str, **fields) -> Listing:
    """Tests jump stages the chronograph and other pages move through."""
    Listing.objects.filter(pk=listing.pk).update(status=status, **fields)
    listing.refresh_from_db()
    return listing


def bidder(name: str | None = None) -> User:
    organisation = OrganisationFactory(**({"name": name} if name else {}))
    return UserFactory(role=User.Role.BIDDER, organisation=organisation)


def sign_up(listing: Listing, user: User | None = None, lot: Lot | None = None) -> Registration:
    user = user or bidder()
    return signup.registration_create(lot=lot or listing.lots.first(), by=user)


def report_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", b"%PDF-1.7 committee report", content_type="application/pdf")


def publicized(listing: Listing, staff: User, *organisations) -> Listing:
    """Candidates recorded from the evaluation: the listing is in publicity."""
    at_stage(listing, Status.EVALUATION)
    lot = listing.lots.first()
    results.candidates_record(lot=lot, by=staff, report=report_file(),
                              ranked=[Ranked(organisation=o, price_fen=90_000_000 - i * 100)
                                      for i, o in enumerate(organisations)])
    listing.refresh_from_db()
    return listing


def login(client, user: User | None) -> None:
    if user is not None:
        client.force_login(user)
