"""Reads whose answer depends on who asks. Sign-ups and their count are secret (TL Art. 22):
only staff and supervisors see them; a bidder sees its own; nobody else learns either."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import User
from audit.models import Event
from trading.models import Listing, Lot, Question, Registration, Status

UNPUBLISHED = (Status.DRAFT, Status.SUBMITTED)


def listings_visible_to(user: User | AnonymousUser) -> QuerySet[Listing]:
    """Published listings for everyone; drafts only to their agent and to staff."""
    listings = Listing.objects.select_related("tenderer", "agent")
    if not user.is_authenticated:
        return listings.exclude(status__in=UNPUBLISHED)
    if user.has_perm("trading.manage_listing") or user.has_perm("trading.view_registrations"):
        return listings if user.has_perm("trading.manage_listing") else listings.exclude(status__in=UNPUBLISHED)
    own = Q(agent_id=user.organisation_id) if user.role == User.Role.AGENT and user.organisation_id else Q(pk__in=[])
    return listings.filter(~Q(status__in=UNPUBLISHED) | own)


def listings_of_agent(user: User) -> QuerySet[Listing]:
    return Listing.objects.filter(agent_id=user.organisation_id).order_by("-updated_at")


def listings_to_publish() -> QuerySet[Listing]:
    return Listing.objects.filter(status=Status.SUBMITTED).select_related("tenderer", "agent").order_by("updated_at")


def registrations_visible_to(user: User | AnonymousUser, listing: Listing) -> QuerySet[Registration]:
    """Everyone's sign-ups for staff and supervisors; a bidder's own; nothing for anyone else."""
    registrations = (Registration.objects.filter(lot__listing=listing)
                     .select_related("organisation", "lot", "deposit").order_by("lot__number", "signed_up_at"))
    if user.is_authenticated and user.has_perm("trading.view_registrations"):
        return registrations
    if user.is_authenticated and user.role == User.Role.BIDDER and user.organisation_id:
        return registrations.filter(organisation_id=user.organisation_id)
    return registrations.none()


def questions_public(listing: Listing) -> QuerySet[Question]:
    """Answered questions, shown without who asked."""
    return listing.questions.exclude(answer="").only("listing_id", "text", "answer", "answered_at", "asked_at")


# Sign-up and deposit events would give away who signed up, or how many (TL Art. 22).
SECRET_EVENT_KINDS = ("registration.", "deposit.")


def listing_history(listing: Listing, lots: list[Lot], *, sees_all: bool) -> list[Event]:
    """The record of a listing and its lots; without `sees_all`, the sign-up events left out."""
    objects = {f"listing:{listing.code}"} | {f"listing:{lot.code}" for lot in lots}
    events = Event.objects.filter(object__in=objects).order_by("seq")
    if not sees_all:
        secret = Q()
        for prefix in SECRET_EVENT_KINDS:
            secret |= Q(kind__startswith=prefix)
        events = events.exclude(secret)
    return list(events)
