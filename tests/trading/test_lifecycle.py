"""Every transition of every kind: allowed for its roles, refused for one other, recorded."""

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit.clock import SHANGHAI
from audit.models import Event
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory
from tests.trading.factories import draft, publish
from tests.trading.sealing import sealed_bids
from trading import bids, chronograph, lifecycle, results, services, signup
from trading.errors import ReasonRequired, WrongStatus, YearNotEntered
from trading.models import Status

pytestmark = pytest.mark.django_db

KINDS = [("construction", "open_tender"), ("procurement", "competitive_negotiation"),
         ("fixed_price", "fixed_price_draw"), ("land", "land_tender"), ("land", "land_auction"),
         ("land", "land_listing"), ("asset", "asset_listing")]


@pytest.fixture
def staff():
    return UserFactory(role=User.Role.STAFF)


@pytest.fixture(autouse=True)
def any_weekday(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True


def new(kind, method, **kwargs):
    listing = draft(kind=kind, method=method, days=45, budget_fen=100_000_000, **kwargs)
    listing.bidding_ends_at = listing.deadline + timedelta(days=15)
    listing.save()
    return listing


def events(listing):
    return list(Event.objects.filter(object=f"listing:{listing.code}").values_list("kind", flat=True))


@pytest.mark.parametrize("role,allowed", [("agent", True), ("staff", False), ("bidder", False)])
def test_submit_is_the_drafting_agents(role, allowed):
    listing = new("construction", "open_tender")
    actor = listing.created_by if role == "agent" else UserFactory(role=role)
    if allowed:
        assert services.listing_submit(listing=listing, by=actor).status == Status.SUBMITTED
    else:
        with pytest.raises(NotPermitted):
            services.listing_submit(listing=listing, by=actor)


def test_another_agencys_agent_cannot_submit():
    listing = new("construction", "open_tender")
    with pytest.raises(NotPermitted):
        services.listing_submit(listing=listing, by=UserFactory(role=User.Role.AGENT))


@pytest.mark.parametrize("role", ["agent", "bidder", "supervisor", "inspector", "expert"])
def test_only_staff_publish(role):
    listing = new("construction", "open_tender")
    services.listing_submit(listing=listing, by=listing.created_by)
    actor = listing.created_by if role == "agent" else UserFactory(role=role)
    with pytest.raises(NotPermitted):
        publish(listing=listing, by=actor)
    listing.refresh_from_db()
    assert listing.status == Status.SUBMITTED and listing.published_at is None


def test_staff_return_a_submission_with_its_reason_and_the_agent_hears(staff):
    listing = new("construction", "open_tender")
    services.listing_submit(listing=listing, by=listing.created_by)
    with pytest.raises(ReasonRequired):
        services.listing_return(listing=listing, by=staff, reason=" ")
    services.listing_return(listing=listing, by=staff, reason="预算附件缺失")
    listing.refresh_from_db()
    assert listing.status == Status.DRAFT and listing.status_reason == "预算附件缺失"
    assert listing.created_by.messages.filter(body="预算附件缺失").exists()


@pytest.mark.parametrize("kind,method", KINDS)
def test_each_kind_runs_its_whole_flow_and_every_step_is_recorded(kind, method, staff):
    listing = new(kind, method)
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff)
    lot = listing.lots.get()
    bidders = [UserFactory(role=User.Role.BIDDER) for _ in range(3)]
    flow = lifecycle.flow(kind, method)
    seen = [listing.status]
    report = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report")
    for _ in range(len(flow) + 2):
        listing.refresh_from_db()
        if listing.status == Status.ARCHIVED:
            break
        if listing.status in lifecycle.TIMED:
            if signup.signup_open(listing, chronograph.clock.now()):
                for bidder in bidders:
                    if not lot.registrations.filter(organisation=bidder.organisation).exists():
                        signup.registration_create(lot=lot, by=bidder)
            if listing.status in bids.OPEN_STATUSES and lot.listing_keys.exists() and not lot.bids.exists():
                sealed_bids(lot, bidders)
            moment = chronograph._ends_at(listing)
            with time_machine.travel(max(moment, chronograph.clock.now()) + timedelta(seconds=1), tick=False):
                assert chronograph.tick() == 1
        elif listing.status in (Status.EVALUATION, Status.DRAW, Status.RESULT) and not hasattr(lot, "report"):
            results.candidates_record(lot=lot, by=staff, ranked=[results.Ranked(bidders[0].organisation, 5000)],
                                      report=report)
            lot.refresh_from_db()
        elif listing.status in (Status.PUBLICIZED, Status.RESULT_PUBLICIZED):
            with time_machine.travel(lot.report.publicity_ends_at + timedelta(seconds=1), tick=False):
                results.listing_award(listing=listing, by=staff)
        elif listing.status in (Status.AWARDED, Status.RESULT):
            results.contract_signed(listing=listing, by=staff)
        else:
            nxt = lifecycle.next_stage(kind, method, listing.status)
            with pytest.raises(NotPermitted):
                services.listing_advance(listing=listing, by=bidders[0], to=nxt)
            services.listing_advance(listing=listing, by=staff, to=nxt)
        listing.refresh_from_db()
        seen.append(listing.status)
    assert [s for s in flow if s in seen] == list(flow), seen
    recorded = events(listing)
    assert recorded[0] == "listing.drafted" and "listing.published" in recorded
    assert recorded.count("listing.advanced") >= len(flow) - 4


def test_staff_cannot_end_a_timed_stage_early(staff):
    listing = new("construction", "open_tender")
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff)
    with pytest.raises(WrongStatus):
        services.listing_advance(listing=listing, by=staff, to=Status.BIDDING)


@pytest.mark.parametrize("role,allowed", [("staff", True), ("agent", False), ("supervisor", False)])
def test_suspend_and_resume(role, allowed, staff):
    listing = new("construction", "open_tender")
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff)
    actor = staff if role == "staff" else (listing.created_by if role == "agent" else UserFactory(role=role))
    if not allowed:
        with pytest.raises(NotPermitted):
            services.listing_suspend(listing=listing, by=actor, reason="投诉处理中")
        return
    services.listing_suspend(listing=listing, by=actor, reason="投诉处理中")
    listing.refresh_from_db()
    assert listing.status == Status.SUSPENDED and listing.resume_status == Status.PUBLISHED
    services.listing_resume(listing=listing, by=actor)
    listing.refresh_from_db()
    assert listing.status == Status.PUBLISHED
    assert {"listing.suspended", "listing.resumed"} <= set(events(listing))


def test_fail_needs_a_reason_and_is_refused_from_a_draft(staff):
    listing = new("construction", "open_tender")
    with pytest.raises(WrongStatus):
        services.listing_fail(listing=listing, by=staff, reason="流标")
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff)
    with pytest.raises(ReasonRequired):
        services.listing_fail(listing=listing, by=staff, reason="")
    services.listing_fail(listing=listing, by=staff, reason="投标人不足三家")
    listing.refresh_from_db()
    assert listing.status == Status.FAILED and listing.status_reason == "投标人不足三家"


def test_agent_cancels_own_draft_but_not_a_published_listing(staff):
    listing = new("construction", "open_tender")
    services.listing_cancel(listing=listing, by=listing.created_by, reason="项目取消")
    other = new("construction", "open_tender")
    services.listing_submit(listing=other, by=other.created_by)
    other = publish(listing=other, by=staff)
    with pytest.raises(NotPermitted):
        services.listing_cancel(listing=other, by=other.created_by, reason="想撤")
    services.listing_cancel(listing=other, by=staff, reason="资金未落实")
    other.refresh_from_db()
    assert other.status == Status.CANCELLED


def test_late_clarification_moves_the_deadline_and_tells_every_registrant(staff):
    listing = new("construction", "open_tender")
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff)
    bidder = UserFactory(role=User.Role.BIDDER)
    signup.registration_create(lot=listing.lots.get(), by=bidder)
    with time_machine.travel(listing.deadline - timedelta(days=5), tick=False):
        services.clarification_publish(listing=listing, by=listing.created_by, text="第三章技术参数修改")
    moved = listing.deadline
    listing.refresh_from_db()
    assert listing.deadline > moved
    assert bidder.messages.filter(subject__contains=listing.code).exists()
    assert "listing.clarified" in events(listing)


def test_questions_are_answered_publicly_without_the_asker(staff):
    listing = new("construction", "open_tender")
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff)
    bidder = UserFactory(role=User.Role.BIDDER)
    question = services.question_ask(listing=listing, by=bidder, text="是否接受联合体？")
    with pytest.raises(NotPermitted):
        services.question_answer(question=question, by=UserFactory(role=User.Role.AGENT), answer="否")
    services.question_answer(question=question, by=listing.created_by, answer="不接受联合体投标。")
    event = Event.objects.get(kind="listing.question_asked")
    payload = json.loads(event.payload)
    assert bidder.organisation.name not in event.payload and bidder.organisation_id not in payload.values()
    assert set(payload) == {"listing", "question", "status"}


def test_sign_up_needs_a_verified_organisation(staff):
    listing = new("construction", "open_tender")
    services.listing_submit(listing=listing, by=listing.created_by)
    listing = publish(listing=listing, by=staff)
    pending = UserFactory(role=User.Role.BIDDER, organisation__status="pending")
    from trading.errors import NotVerified

    with pytest.raises(NotVerified):
        signup.registration_create(lot=listing.lots.get(), by=pending)


def test_a_deadline_computed_into_an_unentered_year_is_refused_by_name(staff):
    listing = new("procurement", "open_tender")
    listing = services.listing_submit(listing=listing, by=listing.created_by)
    # Test settings treat the years up to 2030 as entered; 2031 is nobody's.
    with time_machine.travel(datetime(2030, 12, 28, 10, tzinfo=SHANGHAI), tick=False):
        listing.deadline = datetime(2031, 2, 3, 10, tzinfo=SHANGHAI)
        listing.save()
        with pytest.raises(YearNotEntered, match="2031"):
            publish(listing=listing, by=staff)


def test_spring_festival_2026_moves_the_working_day_sign_up_window(staff):
    """Procurement documents ≥ 5 WD (GPR Art. 31): published Fri 13 Feb 2026, the 5 WD are
    Sat 14 Feb (make-up day), 24, 25, 26, 27 Feb: sign-up closes at the end of 27 Feb."""
    listing = new("procurement", "open_tender")
    listing = services.listing_submit(listing=listing, by=listing.created_by)
    with time_machine.travel(datetime(2026, 2, 13, 10, tzinfo=SHANGHAI), tick=False):
        listing.deadline = datetime(2026, 3, 16, 10, tzinfo=SHANGHAI)
        listing.save()
        listing = publish(listing=listing, by=staff)
    assert listing.signup_closes_at == datetime(2026, 2, 28, 0, tzinfo=SHANGHAI)


def test_national_day_2025_bidding_period_counts_calendar_days(staff, settings):
    """TL Art. 24 counts calendar days: published 26 Sep 2025 → deadline no earlier than 16 Oct;
    a deadline inside the National Day holiday is refused (center setting, default)."""
    from trading.errors import NonWorkingDay, RuleBroken

    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = False
    with time_machine.travel(datetime(2025, 9, 26, 10, tzinfo=SHANGHAI), tick=False):
        listing = draft(kind="construction", method="open_tender", days=30)
        listing.deadline = datetime(2025, 10, 15, 10, tzinfo=SHANGHAI)
        listing.save()
        with pytest.raises(RuleBroken):
            services.listing_submit(listing=listing, by=listing.created_by)
        listing.deadline = datetime(2025, 10, 16, 10, tzinfo=SHANGHAI)
        listing.save()
        listing = services.listing_submit(listing=listing, by=listing.created_by)
        assert publish(listing=listing, by=staff).status == Status.PUBLISHED
    with time_machine.travel(datetime(2025, 9, 1, 10, tzinfo=SHANGHAI), tick=False):
        other = draft(kind="construction", method="open_tender", days=30)
        other.deadline = datetime(2025, 10, 3, 10, tzinfo=SHANGHAI)  # inside the National Day holiday
        other.save()
        with pytest.raises(NonWorkingDay):
            services.listing_submit(listing=other, by=other.created_by)


def test_staff_cannot_skip_the_result_steps_with_a_plain_advance(staff):
    from tests.trading.test_rules import listing_in_evaluation

    listing, lot, bidders = listing_in_evaluation(staff)
    with pytest.raises(WrongStatus):
        services.listing_advance(listing=listing, by=staff, to=Status.PUBLICIZED)


def test_candidates_must_be_distinct_registrants(staff):
    from tests.trading.test_rules import listing_in_evaluation, report
    from trading.errors import CandidateNotRegistered

    listing, lot, bidders = listing_in_evaluation(staff)
    outsider = UserFactory(role=User.Role.BIDDER)
    for ranked in ([results.Ranked(outsider.organisation, 1)],
                   [results.Ranked(bidders[0].organisation, 1), results.Ranked(bidders[0].organisation, 2)]):
        with pytest.raises(CandidateNotRegistered):
            results.candidates_record(lot=lot, by=staff, ranked=ranked, report=report())
    assert not lot.candidates.exists()
