"""Demo listings, built by the same services as the pages under the replay clock, so their
histories, notices and full-process record are real (`manage.py load_demo`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation, User
from audit import clock
from trading import calendar as cal
from trading import calendar_admin, chronograph, results, services, signup
from trading.models import Listing, Status
from trading.services import ListingInput, LotInput
from trading.workdays import center_calendar


@dataclass(frozen=True)
class DemoListing:
    title: str
    kind: str
    method: str
    budget_yuan: int
    region: str
    bidding_days: int        # notice → deadline, calendar days (the rule's minimum or more)
    signups: int             # how many demo bidders sign up
    lots: tuple[str, ...] = ()


LISTINGS = [
    DemoListing("阳光小学教学楼改造工程施工", "construction", "open_tender", 8_600_000, "西湖区", 21, 3),
    DemoListing("滨江区市政道路养护工程", "construction", "open_tender", 12_400_000, "滨江区", 24, 3,
                ("第一标段：江南大道", "第二标段：闻涛路")),
    DemoListing("区人民医院医疗设备采购", "procurement", "open_tender", 3_250_000, "上城区", 22, 3,
                ("包1：影像设备", "包2：检验设备")),
    DemoListing("政务云服务采购", "procurement", "competitive_consultation", 1_800_000, "拱墅区", 12, 2),
    DemoListing("机关食堂食材配送服务", "procurement", "inquiry", 450_000, "萧山区", 6, 3),
    DemoListing("社区卫生服务中心屋面维修", "fixed_price", "fixed_price_draw", 1_280_000, "余杭区", 20, 4),
    DemoListing("老旧小区雨污分流改造", "fixed_price", "fixed_price_draw", 1_650_000, "临平区", 20, 1),
    DemoListing("钱塘区 QT-2026-08 地块国有建设用地使用权", "land", "land_listing", 98_000_000, "钱塘区", 22, 2),
    DemoListing("城西仓储用房整体转让", "asset", "asset_listing", 6_300_000, "西湖区", 30, 1),
    DemoListing("下沙污水处理厂提标改造工程", "construction", "open_tender", 18_900_000, "钱塘区", 25, 1),
]


def _working_day_at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    calendar = center_calendar()
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=clock.SHANGHAI)


def enter_provisional_years(staff: User) -> None:
    """The package ends with the last State Council notice it has; the demo center enters the
    following years as ordinary weeks, marked provisional, so its dates can be computed."""
    today = clock.now().astimezone(clock.SHANGHAI).date()
    for year in range(cal.package_last_year() + 1, today.year + 3):
        calendar_admin.calendar_year_add(by=staff, year=year, notice="演示中心临时录入（以国务院办公厅通知为准）")


def build(*, staff: User, agent: User, bidders: list[User], tenderers: list[Organisation],
          time: clock.Replay) -> list[Listing]:
    """Publish the demo listings over the replayed weeks and let the chronograph move them."""
    made = []
    for index, spec in enumerate(LISTINGS):
        time.advance(timedelta(hours=7))
        now = clock.now()
        deadline = _working_day_at(now.astimezone(clock.SHANGHAI).date() + timedelta(days=spec.bidding_days))
        budget = spec.budget_yuan * 100
        titles = spec.lots or (spec.title,)
        lots = [LotInput(title=t, budget_fen=budget // len(titles), deposit_fen=budget // len(titles) // 100)
                for t in titles]
        data = ListingInput(title=spec.title, kind=spec.kind, method=spec.method, tenderer=tenderers[index % 2],
                            budget_fen=budget, deadline=deadline, region=spec.region, lots=lots,
                            description=f"{spec.title}。详见招标文件。",
                            bidding_ends_at=deadline + timedelta(days=12) if spec.kind in ("land", "asset") else None)
        listing = services.listing_create(by=agent, data=data)
        services.document_add(listing=listing, by=agent, title="招标文件", upload=SimpleUploadedFile(
            f"{listing.code}.pdf", b"%PDF-1.4 demo tender documents " + listing.code.encode()))
        services.listing_submit(listing=listing, by=agent)
        time.advance(timedelta(hours=3))
        listing = services.listing_publish(listing=listing, by=staff)
        chronograph.tick()
        listing.refresh_from_db()
        for bidder in bidders[:spec.signups]:
            for lot in listing.lots.all():
                if signup.signup_open(listing, clock.now()):
                    registration = signup.registration_create(lot=lot, by=bidder)
                    if lot.deposit_fen:
                        deposit = signup.deposit_declare(registration=registration, by=bidder,
                                                         amount_fen=lot.deposit_fen, reference=f"DEMO-{lot.code}")
                        signup.deposit_confirm(deposit=deposit, by=staff)
        made.append(listing)
    question = services.question_ask(listing=made[0], by=bidders[0], text="是否接受联合体投标？")
    services.question_answer(question=question, by=agent, answer="本项目不接受联合体投标。")
    return made


def run_forward(*, until: datetime, time: clock.Replay, step: timedelta = timedelta(hours=6)) -> None:
    """Let the replayed clock run to `until`, the chronograph moving listings on time."""
    while clock.now() < until:
        time.advance(step)
        chronograph.tick()


def finish_first(*, staff: User, bidders: list[User], time: clock.Replay) -> None:
    """Carry the first tender through evaluation to the award, as staff would from the report."""
    listing = Listing.objects.filter(status=Status.OPENING).order_by("deadline").first()
    if listing is None:
        return
    services.listing_advance(listing=listing, by=staff, to=Status.EVALUATION)
    time.advance(timedelta(hours=4))
    registered = [b for b in bidders if listing.lots.filter(registrations__organisation=b.organisation).exists()]
    for lot in listing.lots.exclude(status="failed"):
        ranked = [results.Ranked(b.organisation, lot.budget_fen * (92 + i) // 100) for i, b in enumerate(registered[:3])]
        results.candidates_record(lot=lot, by=staff, ranked=ranked, report=SimpleUploadedFile(
            "评标报告.pdf", b"%PDF-1.4 demo evaluation report"))
