"""资格审查 for fixed-price listings: staff find each sign-up qualified or not, with the reason,
in the qualification stage only; the qualified ones are the contractor draw's pool."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import Event
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory
from tests.trading.test_views_support import at_stage, bidder, published_listing, sign_up
from trading import signup
from trading.errors import ReasonRequired, WrongStatus
from trading.models import Registration, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_qualification():
    listing = published_listing(kind="fixed_price", method="fixed_price_draw")
    registrations = [sign_up(listing, bidder()) for _ in range(3)]
    return at_stage(listing, Status.QUALIFICATION), registrations


def test_staff_qualify_and_disqualify_with_a_reason_and_the_bidder_is_told(in_qualification):
    listing, (first, second, _) = in_qualification
    staff = UserFactory(role=User.Role.STAFF)
    signup.registration_qualify(registration=first, by=staff, qualified=True)
    with pytest.raises(ReasonRequired):
        signup.registration_qualify(registration=second, by=staff, qualified=False, reason="  ")
    signup.registration_qualify(registration=second, by=staff, qualified=False, reason="安全生产许可证已过期")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Registration.RegistrationStatus.QUALIFIED,
                                             Registration.RegistrationStatus.DISQUALIFIED)
    payloads = [json.loads(e.payload) for e in Event.objects.filter(kind__startswith="registration.").filter(
        kind__in=["registration.qualified", "registration.disqualified"]).order_by("seq")]
    assert payloads[1]["reason"] == "安全生产许可证已过期"
    assert all("organisation" not in p for p in payloads)  # the record names the row, not who
    told = second.organisation.users.get().messages.get()
    assert "安全生产许可证已过期" in told.body


def test_only_staff_and_only_in_the_qualification_stage(in_qualification):
    listing, (first, *_) = in_qualification
    for role in (User.Role.AGENT, User.Role.SUPERVISOR, User.Role.BIDDER, User.Role.INSPECTOR):
        with pytest.raises(NotPermitted):
            signup.registration_qualify(registration=first, by=UserFactory(role=role), qualified=True)
    at_stage(listing, Status.DRAW)
    with pytest.raises(WrongStatus):
        signup.registration_qualify(registration=first, by=UserFactory(role=User.Role.STAFF), qualified=True)
    first.refresh_from_db()
    assert first.status == Registration.RegistrationStatus.SIGNED_UP


def test_the_listing_page_offers_staff_the_decision(client, in_qualification):
    listing, (first, *_) = in_qualification
    client.force_login(UserFactory(role=User.Role.STAFF))
    page = client.get(reverse("trading:listing_detail", args=[listing.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert reverse("trading:registration_qualify", args=[first.pk]) in page.content.decode()
    client.post(reverse("trading:registration_qualify", args=[first.pk]), {"decision": "disqualified", "reason": ""})
    first.refresh_from_db()
    assert first.status == Registration.RegistrationStatus.SIGNED_UP  # no reason: nothing changed
    client.post(reverse("trading:registration_qualify", args=[first.pk]), {"decision": "qualified"})
    first.refresh_from_db()
    assert first.status == Registration.RegistrationStatus.QUALIFIED
