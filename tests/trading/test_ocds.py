"""OCDS 1.1: required fields, codelist values, and nothing secret."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.trading.factories import draft, published
from tests.trading.sealing import sealed_bids
from trading import chronograph, results, services, signup
from trading.models import Status

pytestmark = pytest.mark.django_db

TAGS = {"planning", "planningUpdate", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation", "award",
        "awardUpdate", "awardCancellation", "contract", "contractUpdate", "contractAmendment", "implementation",
        "implementationUpdate", "contractTermination", "compiled"}
METHODS = {"open", "selective", "limited", "direct"}
TENDER_STATUS = {"planning", "planned", "active", "cancelled", "unsuccessful", "complete", "withdrawn"}
AWARD_STATUS = {"pending", "active", "cancelled", "unsuccessful"}
ROLES = {"buyer", "procuringEntity", "supplier", "tenderer", "funder", "enquirer", "payer", "payee", "reviewBody",
         "interestedParty"}


@pytest.fixture(autouse=True)
def any_weekday(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True
    settings.OCDS_OCID_PREFIX = "ocds-test01"


def awarded_listing():
    staff = UserFactory(role=User.Role.STAFF)
    listing = published(kind="construction", method="open_tender", days=25, staff=staff)
    listing.lots.update(reserve_fen=77_777_700)
    lot = listing.lots.get()
    bidders = [UserFactory(role=User.Role.BIDDER) for _ in range(3)]
    for bidder in bidders:
        signup.registration_create(lot=lot, by=bidder)
    sealed_bids(lot, bidders)
    for moment in (listing.signup_closes_at, listing.deadline):
        with time_machine.travel(moment + timedelta(seconds=1), tick=False):
            chronograph.tick()
    listing.refresh_from_db()
    services.listing_advance(listing=listing, by=staff, to=Status.EVALUATION)
    with time_machine.travel(listing.deadline + timedelta(days=1), tick=False):
        results.candidates_record(lot=lot, by=staff, ranked=[results.Ranked(bidders[1].organisation, 88_000_000)],
                                  report=SimpleUploadedFile("r.pdf", b"%PDF"))
    lot.refresh_from_db()
    with time_machine.travel(lot.report.publicity_ends_at, tick=False):
        results.listing_award(listing=listing, by=staff)
        results.contract_signed(listing=listing, by=staff)
    return listing, bidders


def export(tmp_path):
    out = tmp_path / "ocds.json"
    call_command("export_ocds", str(out))
    return json.loads(out.read_text())


def test_every_release_has_the_required_fields_and_codelist_values(tmp_path):
    listing, _ = awarded_listing()
    draft()  # unpublished: never exported
    package = export(tmp_path)
    assert package["version"] == "1.1" and package["publisher"]["name"]
    releases = package["releases"]
    assert {r["tender"]["id"] for r in releases} == {listing.code}
    for release in releases:
        assert release["ocid"] == f"ocds-test01-{listing.code}"
        assert release["id"] and release["date"] and release["initiationType"] == "tender"
        assert set(release["tag"]) <= TAGS
        assert release["tender"]["procurementMethod"] in METHODS
        assert release["tender"]["procurementMethodDetails"] == "公开招标"
        assert release["tender"]["status"] in TENDER_STATUS
        assert release["tender"]["value"]["currency"] == "CNY"
        for award in release.get("awards", []):
            assert award["status"] in AWARD_STATUS
        for party in release["parties"]:
            assert set(party["roles"]) <= ROLES
    assert len({r["id"] for r in releases}) == len(releases)
    tags = [tag for r in releases for tag in r["tag"]]
    assert tags[0] == "tender" and "award" in tags and "contract" in tags
    assert releases[-1]["tender"]["status"] == "complete"


def test_the_export_never_shows_sign_ups_counts_or_the_reserve(tmp_path):
    listing, bidders = awarded_listing()
    text = json.dumps(export(tmp_path), ensure_ascii=False)
    assert "777777" not in text  # the reserve price
    for loser in (bidders[0], bidders[2]):  # sign-ups that never won are nobody's business
        assert loser.organisation.name not in text and loser.organisation.credit_code not in text
    assert bidders[1].organisation.name in text  # the winner is public once publicized


def test_a_release_before_the_result_names_no_bidder(tmp_path, client):
    listing = published(kind="procurement", method="open_tender", days=25)
    bidder = UserFactory(role=User.Role.BIDDER)
    signup.registration_create(lot=listing.lots.get(), by=bidder)
    body = client.get(f"/open-data/listings/{listing.code}.json").content.decode()
    data = json.loads(body)
    assert data["releases"][0]["tag"] == ["tender"]
    assert bidder.organisation.name not in body and "supplier" not in body


def test_an_unpublished_listing_has_no_open_data(client):
    assert client.get(f"/open-data/listings/{draft().code}.json").status_code == 404
