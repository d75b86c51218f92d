"""Every constant of trading/rules.py at its boundary: N passes, N−1 is refused naming the rule."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit.clock import SHANGHAI
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.trading.factories import draft
from tests.trading.factories import publish as publish_with_custodians
from tests.trading.sealing import sealed_bids
from trading import chronograph, results, rules, services, signup
from trading.calendar import Unit
from trading.errors import PublicityNotOver, RuleBroken, RuleLoosened, TooManyCandidates
from trading.models import Listing, Lot, Registration, ResultReport, RuleSetting, Status
from trading.rule_settings import rule_setting_change
from trading.services import LotInput
from trading.workdays import center_calendar

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday, no holiday near


@pytest.fixture(autouse=True)
def fixed_now(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True  # boundaries here, not the weekday setting
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff():
    return UserFactory(role=User.Role.STAFF)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def earliest(rule: rules.Rule, start: date) -> date:
    return center_calendar().earliest_deadline(start, rule.value, rule.unit)


BIDDING_PERIODS = [(kind, method, proc.bidding_period) for (kind, method), proc in rules.MATRIX.items()
                   if proc.bidding_period is not None]


def publish(listing, staff):
    services.listing_submit(listing=listing, by=listing.created_by)
    return publish_with_custodians(listing=listing, by=staff)


def sale_end(deadline: datetime) -> datetime:
    return deadline + timedelta(days=rules.LAND_LISTING_PERIOD.value)


@pytest.mark.parametrize("kind,method,rule", BIDDING_PERIODS, ids=[f"{k}-{m}" for k, m, _ in BIDDING_PERIODS])
def test_bidding_period_boundary(kind, method, rule, staff):
    day = earliest(rule, NOW.date())
    budget = 1_000_000_00 if kind != "fixed_price" else 1_000_000_00
    ok = draft(kind=kind, method=method, budget_fen=budget, lots=[LotInput("lot", budget)])
    ok.deadline, ok.bidding_ends_at = at(day), sale_end(at(day))
    ok.save()
    assert publish(ok, staff).status == Status.PUBLISHED
    short = draft(kind=kind, method=method, budget_fen=budget, lots=[LotInput("lot", budget)])
    short.deadline, short.bidding_ends_at = at(day - timedelta(days=1)), sale_end(at(day))
    short.save()
    with pytest.raises(RuleBroken) as refused:
        publish(short, staff)
    assert rule.source_zh in str(refused.value) or rule.source_en in str(refused.value)
    short.refresh_from_db()
    assert short.status == Status.DRAFT  # nothing half-saved


SIGNUP_WINDOWS = [(kind, method, proc.signup_window) for (kind, method), proc in rules.MATRIX.items()
                  if proc.signup_window is not None]


@pytest.mark.parametrize("kind,method,rule", SIGNUP_WINDOWS, ids=[f"{k}-{m}" for k, m, _ in SIGNUP_WINDOWS])
def test_signup_window_boundary(kind, method, rule, staff):
    day = earliest(rule, NOW.date())
    budget = 1_000_000_00
    ok = draft(kind=kind, method=method, budget_fen=budget, days=40, lots=[LotInput("lot", budget)],
               signup_closes_at=at(day))
    assert publish(ok, staff).signup_closes_at == at(day)
    short = draft(kind=kind, method=method, budget_fen=budget, days=40, lots=[LotInput("lot", budget)],
                  signup_closes_at=at(day - timedelta(days=1)))
    with pytest.raises(RuleBroken):
        publish(short, staff)


@pytest.mark.parametrize("kind,method", [("construction", "open_tender"), ("procurement", "open_tender")])
def test_deposit_cap_boundary(kind, method, staff):
    cap = rules.MATRIX[(kind, method)].deposit_cap
    budget = 10_000_000  # fen
    at_cap = budget * cap.value // 100
    ok = draft(kind=kind, method=method, budget_fen=budget, lots=[LotInput("lot", budget, deposit_fen=at_cap)])
    publish(ok, staff)
    over = draft(kind=kind, method=method, budget_fen=budget, lots=[LotInput("lot", budget, deposit_fen=at_cap + 1)])
    with pytest.raises(RuleBroken, match="2"):
        publish(over, staff)


def test_fixed_price_ceiling_boundary(staff):
    ceiling_fen = rules.FIXED_PRICE_CEILING_YUAN.value * 100
    ok = draft(kind="fixed_price", method="fixed_price_draw", budget_fen=ceiling_fen - 1,
               lots=[LotInput("lot", ceiling_fen - 1)])
    publish(ok, staff)
    over = draft(kind="fixed_price", method="fixed_price_draw", budget_fen=ceiling_fen,
                 lots=[LotInput("lot", ceiling_fen)])
    with pytest.raises(RuleBroken):
        publish(over, staff)


def test_land_listing_period_boundary(staff):
    rule = rules.LAND_LISTING_PERIOD
    start = at(earliest(rules.LAND_ANNOUNCEMENT, NOW.date()))
    ok = draft(kind="land", method="land_listing", days=30)
    ok.deadline, ok.bidding_ends_at = start, start + timedelta(days=rule.value)
    ok.save()
    publish(ok, staff)
    short = draft(kind="land", method="land_listing", days=30)
    short.deadline, short.bidding_ends_at = start, start + timedelta(days=rule.value - 1)
    short.save()
    with pytest.raises(RuleBroken):
        publish(short, staff)


@pytest.mark.parametrize("kind,method", [("construction", "open_tender"), ("procurement", "open_tender")])
def test_amendment_lead_boundary(kind, method, staff):
    rule = rules.MATRIX[(kind, method)].amendment_lead
    listing = publish(draft(kind=kind, method=method, days=40), staff)
    # Exactly the lead time before the deadline: the deadline stays.
    Listing.objects.filter(pk=listing.pk).update(deadline=at(NOW.date() + timedelta(days=rule.value)))
    services.clarification_publish(listing=listing, by=listing.created_by, text="修改第三章")
    listing.refresh_from_db()
    assert listing.deadline == at(NOW.date() + timedelta(days=rule.value))
    # One day inside the lead time: the deadline moves to the earliest the rule allows.
    Listing.objects.filter(pk=listing.pk).update(deadline=at(NOW.date() + timedelta(days=rule.value - 1)))
    services.clarification_publish(listing=listing, by=listing.created_by, text="再次修改")
    listing.refresh_from_db()
    assert listing.deadline == at(NOW.date() + timedelta(days=rule.value))


def registrants(lot: Lot, n: int) -> list:
    bidders = [UserFactory(role=User.Role.BIDDER) for _ in range(n)]
    for bidder in bidders:
        signup.registration_create(lot=lot, by=bidder)
    return bidders


MIN_BIDS = [(kind, method, proc.min_bids) for (kind, method), proc in rules.MATRIX.items()
            if proc.min_bids is not None and method in ("open_tender", "fixed_price_draw", "land_auction")]


@pytest.mark.parametrize("kind,method,rule", MIN_BIDS, ids=[f"{k}-{m}" for k, m, _ in MIN_BIDS])
@pytest.mark.parametrize("short", [False, True])
def test_minimum_signups_boundary(kind, method, rule, short, staff):
    listing = draft(kind=kind, method=method, days=45, budget_fen=100_000_000,
                    lots=[LotInput("lot", 100_000_000)])
    listing.bidding_ends_at = listing.deadline + timedelta(days=20)
    listing.save()
    publish(listing, staff)
    chronograph.tick()  # fixed price and sales open sign-up at once
    lot = listing.lots.get()
    registrants(lot, rule.value - 1 if short else rule.value)
    listing.refresh_from_db()
    closes = chronograph._ends_at(listing)
    while listing.status in (Status.PUBLISHED, Status.SIGN_UP, Status.DEPOSITS):
        with time_machine.travel(chronograph._ends_at(listing) + timedelta(seconds=1), tick=False):
            chronograph.tick()
        listing.refresh_from_db()
    lot.refresh_from_db()
    assert closes is not None
    assert (lot.status == Lot.LotStatus.FAILED) == short
    if short:
        assert listing.status == Status.FAILED and str(rule.value) in lot.failed_reason


def listing_in_evaluation(staff, n_bidders: int = 3):
    listing = publish(draft(kind="construction", method="open_tender", days=25), staff)
    lot = listing.lots.get()
    bidders = registrants(lot, n_bidders)
    sealed_bids(lot, bidders)
    for moment in (listing.signup_closes_at, listing.deadline):
        with time_machine.travel(moment + timedelta(seconds=1), tick=False):
            chronograph.tick()
    listing.refresh_from_db()
    services.listing_advance(listing=listing, by=staff, to=Status.EVALUATION)
    return listing, lot, bidders


def report() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", b"%PDF-1.4 committee report", content_type="application/pdf")


def test_max_candidates_boundary(staff):
    listing, lot, bidders = listing_in_evaluation(staff, n_bidders=4)
    ranked = [results.Ranked(b.organisation, 100_000 + i) for i, b in enumerate(bidders)]
    with time_machine.travel(listing.deadline + timedelta(days=1), tick=False):
        with pytest.raises(TooManyCandidates):
            results.candidates_record(lot=lot, by=staff, ranked=ranked, report=report())
        assert not ResultReport.objects.exists()
        results.candidates_record(lot=lot, by=staff, ranked=ranked[:rules.TENDER_MAX_CANDIDATES.value],
                                  report=report())
    listing.refresh_from_db()
    assert listing.status == Status.PUBLICIZED


def test_publicity_boundary_and_award_notifies_everyone(staff):
    listing, lot, bidders = listing_in_evaluation(staff)
    recorded = listing.deadline + timedelta(days=1)
    with time_machine.travel(recorded, tick=False):
        results.candidates_record(lot=lot, by=staff, ranked=[results.Ranked(bidders[0].organisation, 990_000)],
                                  report=report())
    ends = ResultReport.objects.get().publicity_ends_at
    assert ends.astimezone(SHANGHAI).date() == recorded.astimezone(SHANGHAI).date() + timedelta(
        days=rules.TENDER_PUBLICITY.value + 1)  # the 3rd day after recording, to its end (24:00)
    with time_machine.travel(ends - timedelta(seconds=1), tick=False), pytest.raises(PublicityNotOver):
        results.listing_award(listing=listing, by=staff)
    with time_machine.travel(ends, tick=False):
        results.listing_award(listing=listing, by=staff)
    for bidder in bidders:
        assert bidder.messages.exists()  # the winner and every other bidder (TL Art. 45)
    report_row = ResultReport.objects.get()
    assert report_row.contract_due_at.astimezone(SHANGHAI).date() >= ends.astimezone(SHANGHAI).date() + timedelta(
        days=rules.TENDER_CONTRACT.value - 1)


@pytest.mark.parametrize("name", sorted(rules.ALL_RULES))
def test_center_may_tighten_but_never_loosen_a_hard_rule(name, staff):
    rule = rules.ALL_RULES[name]
    stricter = rule.value + 1 if rule.direction == rules.Direction.MINIMUM else max(rule.value - 1, 1)
    looser = rule.value - 1 if rule.direction == rules.Direction.MINIMUM else rule.value + 1
    rule_setting_change(name=name, value=stricter, by=staff)
    assert RuleSetting.objects.get(name=name).value == stricter
    if rule.hard and looser > 0:
        with pytest.raises(RuleLoosened):
            rule_setting_change(name=name, value=looser, by=staff)
        assert RuleSetting.objects.get(name=name).value == stricter
    elif looser > 0:
        rule_setting_change(name=name, value=looser, by=staff)
        assert RuleSetting.objects.get(name=name).value == looser


def test_rules_carry_units_directions_and_sources():
    for rule in rules.ALL_RULES.values():
        assert rule.source_zh and rule.source_en and rule.label in {
            "verified", "secondary", "recalled", "practice", "default"}
        assert rule.unit in (Unit.CALENDAR_DAYS, Unit.WORKING_DAYS, rules.PERCENT, rules.COUNT, "yuan")


def test_an_unknown_kind_method_pair_is_refused():
    from trading.errors import UnknownProcedure

    with pytest.raises(UnknownProcedure):
        draft(kind="land", method="single_source")


def test_deposit_declared_over_the_cap_is_refused(staff):
    listing = draft(kind="construction", method="open_tender", days=25, budget_fen=10_000_000,
                    lots=[LotInput("lot", 10_000_000, deposit_fen=100_000)])
    publish(listing, staff)
    bidder = UserFactory(role=User.Role.BIDDER)
    registration = signup.registration_create(lot=listing.lots.get(), by=bidder)
    with pytest.raises(RuleBroken):
        signup.deposit_declare(registration=registration, by=bidder, amount_fen=200_001, reference="X1")
    assert not Registration.objects.get().__class__.objects.filter(deposit__isnull=False).exists()
    signup.deposit_declare(registration=registration, by=bidder, amount_fen=200_000, reference="X1")


def test_organisation_factory_is_verified():
    assert OrganisationFactory().status == "verified"
