"""Who signed up, and how many, stays secret (TL Art. 22) — for every role but staff and supervisors."""

import pytest

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.trading.factories import published
from trading import selectors, signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_up(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True
    listing = published(kind="construction", method="open_tender", days=25)
    bidders = [UserFactory(role=User.Role.BIDDER) for _ in range(3)]
    for bidder in bidders:
        signup.registration_create(lot=listing.lots.get(), by=bidder)
    return listing, bidders


@pytest.mark.parametrize("role,sees_all", [("staff", True), ("supervisor", True), ("agent", False),
                                           ("expert", False), ("inspector", False)])
def test_registrations_per_role(signed_up, role, sees_all):
    listing, _ = signed_up
    visible = selectors.registrations_visible_to(UserFactory(role=role), listing)
    assert visible.count() == (3 if sees_all else 0)


def test_a_bidder_sees_only_its_own_sign_up(signed_up):
    listing, bidders = signed_up
    visible = list(selectors.registrations_visible_to(bidders[0], listing))
    assert [r.organisation_id for r in visible] == [bidders[0].organisation_id]


def test_anonymous_sees_no_sign_up(signed_up):
    from django.contrib.auth.models import AnonymousUser

    listing, _ = signed_up
    assert not selectors.registrations_visible_to(AnonymousUser(), listing).exists()


def test_the_record_names_no_bidder_in_sign_up_events(signed_up):
    from audit.models import Event

    _, bidders = signed_up
    for event in Event.objects.filter(kind="registration.created"):
        for bidder in bidders:
            assert bidder.organisation.name not in event.payload
            assert bidder.organisation.credit_code not in event.payload


def test_drafts_are_visible_only_to_their_agent_and_staff(settings):
    from tests.trading.factories import draft

    listing = draft()
    assert listing in selectors.listings_visible_to(listing.created_by)
    assert listing in selectors.listings_visible_to(UserFactory(role="staff"))
    for role in ("agent", "bidder", "supervisor", "expert"):
        assert listing not in selectors.listings_visible_to(UserFactory(role=role))
