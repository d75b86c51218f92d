"""Maximum-period rules at their boundary: the due time is the end (24:00 Beijing) of the
rule's last day; up to it the step is in time, a second later it is recorded overdue."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit.clock import SHANGHAI
from audit.models import Event
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory
from tests.trading.test_rules import listing_in_evaluation, report
from trading import monitoring, results, rules
from trading.models import DueItem, ResultReport
from trading.workdays import center_calendar, end_of_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def any_weekday(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True


@pytest.fixture
def staff():
    return UserFactory(role=User.Role.STAFF)


def expected_end(start, rule):
    day = center_calendar().latest_day(start.astimezone(SHANGHAI).date(), rule.value, rule.unit)
    return end_of_day(day)


def publicized(staff):
    listing, lot, bidders = listing_in_evaluation(staff)
    recorded = listing.deadline + timedelta(days=1)
    with time_machine.travel(recorded, tick=False):
        results.candidates_record(lot=lot, by=staff, ranked=[results.Ranked(bidders[0].organisation, 9000)],
                                  report=report())
    return listing, lot, bidders


def test_objection_reply_due_at_the_end_of_the_rules_last_day(staff):
    listing, lot, bidders = publicized(staff)
    raised_at = ResultReport.objects.get().publicity_ends_at - timedelta(days=1)
    with time_machine.travel(raised_at, tick=False):
        objection = results.objection_raise(lot=lot, by=bidders[1], text="第一名业绩证明不实")
    due = expected_end(raised_at, rules.TENDER_OBJECTION_REPLY)
    assert objection.reply_due_at == due
    with time_machine.travel(due, tick=False):  # 24:00 of the last day: still in time
        assert monitoring.record_overdue() == 0
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert monitoring.record_overdue() == 1
    assert Event.objects.filter(kind="listing.overdue").count() == 1


def test_contract_due_at_the_end_of_the_rules_last_day(staff):
    listing, lot, bidders = publicized(staff)
    ends = ResultReport.objects.get().publicity_ends_at
    with time_machine.travel(ends, tick=False):
        results.listing_award(listing=listing, by=staff)
    due = expected_end(ends, rules.TENDER_CONTRACT)
    assert ResultReport.objects.get().contract_due_at == due
    item = DueItem.objects.get(what=f"contract:{lot.code}")
    assert item.due_at == due and item.rule == "TENDER_CONTRACT"
    with time_machine.travel(due - timedelta(days=1), tick=False):
        results.contract_signed(listing=listing, by=staff)
    item.refresh_from_db()
    assert item.done_at is not None


def test_deposit_refunds_due_per_the_rule_after_the_award(staff):
    from trading import signup
    from trading.models import Deposit

    listing, lot, bidders = publicized(staff)
    for bidder in bidders:
        registration = lot.registrations.get(organisation=bidder.organisation)
        Deposit.objects.create(registration=registration, amount_fen=1000, reference="X", status="confirmed",
                               declared_at=listing.deadline)
    ends = ResultReport.objects.get().publicity_ends_at
    with time_machine.travel(ends, tick=False):
        results.listing_award(listing=listing, by=staff)
    due = expected_end(ends, rules.TENDER_DEPOSIT_REFUND)
    losers = Deposit.objects.exclude(registration__organisation=bidders[0].organisation)
    assert {d.refund_due_at for d in losers} == {due}
    assert Deposit.objects.get(registration__organisation=bidders[0].organisation).status == "confirmed"
    assert signup  # the winner's deposit is kept until the contract


@pytest.mark.parametrize("role", ["agent", "bidder", "supervisor", "inspector", "expert"])
def test_result_steps_are_staff_only(staff, role):
    listing, lot, bidders = listing_in_evaluation(staff)
    actor = listing.created_by if role == "agent" else UserFactory(role=role)
    with pytest.raises(NotPermitted):
        results.candidates_record(lot=lot, by=actor, ranked=[results.Ranked(bidders[0].organisation, 1)],
                                  report=SimpleUploadedFile("r.pdf", b"%PDF"))
    with pytest.raises(NotPermitted):
        results.listing_award(listing=listing, by=actor)
    with pytest.raises(NotPermitted):
        results.contract_signed(listing=listing, by=actor)
