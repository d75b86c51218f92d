"""Demo listings, built by the same services as the pages under the replay clock, so their
histories, notices and full-process record are real (`manage.py load_demo`).

Each listing is published on its day of the replayed weeks; the chronograph moves it on
time, and a staff "autopilot" takes the steps staff would take (opening → evaluation, the
committee's candidates, the award, the contract, the archive) until the listing reaches
the stage it is meant to show.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.demo_keys import demo_private_key
from accounts.models import Organisation, User
from audit import clock
from bidroom import services as rooms
from bidroom.errors import OutsideOpeningHours, RoomTaken
from bidroom.models import Booking, Room
from trading import calendar as cal
from trading import bid_selectors, bids, calendar_admin, chronograph, results, seal, services, signup
from trading.lifecycle import flow
from trading.models import Listing, Lot, Status
from trading.services import ListingInput, LotInput
from trading.workdays import center_calendar


@dataclass(frozen=True)
class DemoListing:
    title: str
    kind: str
    method: str
    budget_yuan: int
    region: str
    bidding_days: int            # publication → deadline (calendar days, ≥ the rule)
    signups: int                 # demo bidders that sign up
    goal: str                    # the stage the autopilot stops at
    lots: tuple[str, ...] = ()
    set_aside: str = ""          # "suspended" or "cancelled" once published


S = Status
LISTINGS = [
    DemoListing("阳光小学教学楼改造工程施工", "construction", "open_tender", 8_600_000, "西湖区", 21, 3, S.ARCHIVED),
    DemoListing("滨江区市政道路养护工程", "construction", "open_tender", 12_400_000, "滨江区", 21, 3, S.CONTRACT_SIGNED,
                ("第一标段：江南大道", "第二标段：闻涛路")),
    DemoListing("区人民医院医疗设备采购", "procurement", "open_tender", 3_250_000, "上城区", 21, 3, S.AWARDED,
                ("包1：影像设备", "包2：检验设备")),
    DemoListing("城北体育公园照明工程", "construction", "invitational_tender", 4_100_000, "拱墅区", 21, 3, S.PUBLICIZED),
    DemoListing("政务云服务采购", "procurement", "competitive_consultation", 1_800_000, "拱墅区", 12, 3, S.PUBLICIZED),
    DemoListing("机关食堂食材配送服务", "procurement", "inquiry", 450_000, "萧山区", 6, 3, S.EVALUATION),
    DemoListing("档案数字化加工服务", "procurement", "competitive_negotiation", 980_000, "余杭区", 6, 3, S.AWARDED),
    DemoListing("专用检测软件升级", "procurement", "single_source", 360_000, "滨江区", 8, 1, S.CONTRACT_SIGNED),
    DemoListing("教育局办公家具采购", "procurement", "invitational_tender", 760_000, "上城区", 21, 3, S.OPENING),
    DemoListing("社区卫生服务中心屋面维修", "fixed_price", "fixed_price_draw", 1_280_000, "余杭区", 20, 4,
                S.RESULT_PUBLICIZED),
    DemoListing("老旧小区雨污分流改造", "fixed_price", "fixed_price_draw", 1_650_000, "临平区", 20, 3, S.QUALIFICATION),
    DemoListing("农贸市场雨棚改造", "fixed_price", "fixed_price_draw", 980_000, "富阳区", 20, 5, S.ARCHIVED),
    DemoListing("街道文化站装修", "fixed_price", "fixed_price_draw", 720_000, "西湖区", 20, 4, S.DRAW),
    DemoListing("钱塘区 QT-2026-08 地块国有建设用地使用权", "land", "land_listing", 98_000_000, "钱塘区", 21, 2, S.RESULT),
    DemoListing("萧山区 XS-2026-11 地块国有建设用地使用权", "land", "land_auction", 126_000_000, "萧山区", 21, 3,
                S.CONTRACT_SIGNED),
    DemoListing("余杭区 YH-2026-05 地块国有建设用地使用权", "land", "land_tender", 64_000_000, "余杭区", 21, 3, S.EVALUATION),
    DemoListing("城西仓储用房整体转让", "asset", "asset_listing", 6_300_000, "西湖区", 30, 1, S.DEPOSITS),
    DemoListing("市属国企闲置车辆拍卖", "asset", "asset_auction", 850_000, "上城区", 30, 2, S.BIDDING_PERIOD),
    DemoListing("下沙污水处理厂提标改造工程", "construction", "open_tender", 18_900_000, "钱塘区", 21, 1, S.FAILED),
    DemoListing("运河绿道提升工程", "construction", "open_tender", 9_700_000, "拱墅区", 24, 3, S.BIDDING),
    DemoListing("第二人民医院门诊楼加固", "construction", "open_tender", 5_200_000, "上城区", 25, 3, S.BIDDING),
    DemoListing("城区交通信号系统升级", "procurement", "open_tender", 2_650_000, "滨江区", 24, 3, S.BIDDING),
    DemoListing("中小学课桌椅采购", "procurement", "open_tender", 1_150_000, "临平区", 26, 2, S.PUBLISHED),
    DemoListing("区图书馆新馆智能化工程", "construction", "open_tender", 7_800_000, "余杭区", 27, 1, S.PUBLISHED),
    DemoListing("污水管网检测服务", "procurement", "competitive_consultation", 690_000, "萧山区", 12, 2, S.PUBLISHED),
    DemoListing("公园绿化养护服务", "procurement", "inquiry", 380_000, "西湖区", 6, 2, S.PUBLISHED),
    DemoListing("小区加装电梯工程", "fixed_price", "fixed_price_draw", 1_900_000, "拱墅区", 20, 2, S.SIGN_UP),
    DemoListing("钱塘区 QT-2026-12 地块国有建设用地使用权", "land", "land_auction", 88_000_000, "钱塘区", 22, 1,
                S.DEPOSITS),
    DemoListing("国有股权转让：城投物业 30% 股权", "asset", "asset_listing", 12_600_000, "上城区", 30, 0, S.DEPOSITS),
    DemoListing("滨江区学校食堂设备采购", "procurement", "open_tender", 1_420_000, "滨江区", 21, 2, S.SUSPENDED,
                set_aside="suspended"),
    DemoListing("旧厂房拆除工程", "construction", "open_tender", 2_300_000, "临平区", 21, 0, S.CANCELLED,
                set_aside="cancelled"),
    DemoListing("环卫车辆采购", "procurement", "open_tender", 2_980_000, "富阳区", 21, 3, S.PUBLICIZED),
]

ROOMS = [("第一开标室", Room.Kind.OPENING, 60, "交易中心三楼 301"), ("第二开标室", Room.Kind.OPENING, 40, "交易中心三楼 302"),
         ("第一评标室", Room.Kind.EVALUATION, 12, "交易中心四楼 401（封闭区）"),
         ("第二评标室", Room.Kind.EVALUATION, 12, "交易中心四楼 402（封闭区）"),
         ("固定价比选项目抽取室", Room.Kind.DRAW, 20, "交易中心三楼 305"), ("拍卖厅", Room.Kind.AUCTION, 120, "交易中心二楼")]


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


def make_rooms() -> list[Room]:
    return [Room.objects.get_or_create(name=name, defaults={"kind": kind, "capacity": seats, "location": where})[0]
            for name, kind, seats, where in ROOMS]


def _publish(spec: DemoListing, *, index: int, staff: User, agent: User, supervisor: User,
             tenderers: list[Organisation]) -> Listing:
    now = clock.now()
    deadline = _working_day_at(now.astimezone(clock.SHANGHAI).date() + timedelta(days=spec.bidding_days),
                               hour=9 + index % 3, minute=30)
    budget = spec.budget_yuan * 100
    titles = spec.lots or (spec.title,)
    lots = [LotInput(title=t, budget_fen=budget // len(titles), deposit_fen=budget // len(titles) // 100)
            for t in titles]
    sale = spec.kind == "asset" or spec.method in ("land_auction", "land_listing")
    data = ListingInput(title=spec.title, kind=spec.kind, method=spec.method, tenderer=tenderers[index % len(tenderers)],
                        budget_fen=budget, deadline=deadline, region=spec.region, lots=lots,
                        description=f"{spec.title}。项目概况、资格要求与评审办法详见招标文件。",
                        bidding_ends_at=deadline + timedelta(days=10) if sale else None)
    listing = services.listing_create(by=agent, data=data)
    services.document_add(listing=listing, by=agent, title="招标文件", upload=SimpleUploadedFile(
        f"{listing.code}.pdf", b"%PDF-1.4 demo tender documents " + listing.code.encode()))
    services.listing_submit(listing=listing, by=agent)
    return services.listing_publish(listing=listing, by=staff, supervisor=supervisor)


def _sign_up(listing: Listing, bidders: list[User], count: int, staff: User) -> None:
    for bidder in bidders[:count]:
        for lot in listing.lots.all():
            if not signup.signup_open(listing, clock.now()) or lot.registrations.filter(
                    organisation=bidder.organisation).exists():
                continue
            registration = signup.registration_create(lot=lot, by=bidder)
            _seal_bid(lot, bidder)
            if lot.deposit_fen:
                deposit = signup.deposit_declare(registration=registration, by=bidder, amount_fen=lot.deposit_fen,
                                                 reference=f"DEMO-{lot.code}-{bidder.pk}")
                signup.deposit_confirm(deposit=deposit, by=staff)


def _seal_bid(lot: Lot, bidder: User) -> None:
    """A sealed price from the bidder's demo key, as its browser would seal and upload it."""
    sk = demo_private_key(bidder, "bidder")
    form_key = lot.listing_keys.filter(kind="form").first()
    if sk is None or form_key is None:
        return
    bid = bids.bid_for(lot, bidder)
    price = lot.budget_fen * (90 + (bidder.pk * 7 + lot.pk) % 9) // 100
    out = io.BytesIO()
    sealed = seal.seal_envelope(io.BytesIO(seal.pad_form({"price_fen": price, "duration_days": 180},
                                                         lot.listing.form_size)), out,
                                listing=lot.code, bidder=bids.bidder_id(bidder.organisation), bid_id=bid.bid_id,
                                kind="form", listing_pk=bytes.fromhex(form_key.public_key), bidder_sk=sk,
                                listing_fingerprint=form_key.fingerprint)
    envelope = out.getvalue()
    upload = bids.upload_begin(lot=lot, by=bidder, kind="form", header=sealed.header.raw.decode(),
                               header_sig=sealed.header_sig.hex(), sealer=bid_selectors.offline_sealer(),
                               size=len(envelope))
    bids.upload_append(token=upload.token, by=bidder, offset=0, stream=io.BytesIO(envelope), length=len(envelope))
    bids.upload_finish(token=upload.token, by=bidder)


def _reached(listing: Listing, goal: str) -> bool:
    stages = flow(listing.kind, listing.method)
    if listing.status not in stages or goal not in stages:
        return True
    return stages.index(Status(listing.status)) >= stages.index(Status(goal))


def _staff_step(listing: Listing, *, staff: User, bidders: list[User]) -> None:
    """One step staff would take now, if any is due."""
    status, now = Status(listing.status), clock.now()
    if status == Status.OPENING:
        services.listing_advance(listing=listing, by=staff, to=Status.EVALUATION)
    elif status == Status.QUALIFICATION:
        services.listing_advance(listing=listing, by=staff, to=Status.DRAW)
    elif status == Status.RESULT and not listing.lots.filter(status=Lot.LotStatus.ACTIVE, report__isnull=True).exists():
        results.contract_signed(listing=listing, by=staff)
    elif status in (Status.EVALUATION, Status.DRAW, Status.RESULT):
        most = services.procedure(listing.kind, listing.method).max_candidates
        places = most.value if most else 1  # an auction has one buyer
        for lot in listing.lots.filter(status=Lot.LotStatus.ACTIVE, report__isnull=True):
            signed = [b for b in bidders if lot.registrations.filter(organisation=b.organisation).exists()]
            ranked = [results.Ranked(b.organisation, lot.budget_fen * (90 + 2 * i) // 100)
                      for i, b in enumerate(signed[:places])]
            if ranked:
                results.candidates_record(lot=lot, by=staff, ranked=ranked, report=SimpleUploadedFile(
                    "评审报告.pdf", b"%PDF-1.4 demo evaluation report " + lot.code.encode()))
    elif status in (Status.PUBLICIZED, Status.RESULT_PUBLICIZED):
        ends = max(r.publicity_ends_at for r in [lot.report for lot in listing.lots.filter(report__isnull=False)])
        if now >= ends:
            results.listing_award(listing=listing, by=staff)
    elif status == Status.AWARDED:
        results.contract_signed(listing=listing, by=staff)
    elif status == Status.CONTRACT_SIGNED:
        results.listing_archive(listing=listing, by=staff)


def _book_first_free(rooms_of_kind: list[Room], **booking: object) -> None:
    """Book the first room of the kind that is free then, as staff would."""
    for room in rooms_of_kind:
        try:
            rooms.booking_create(room=room, **booking)  # type: ignore[arg-type]
            return
        except (RoomTaken, OutsideOpeningHours):
            continue


def _book(listing: Listing, rooms_by_kind: dict[str, list[Room]], staff: User) -> None:
    """Book the opening (or draw/auction) room at the deadline, and an evaluation room after."""
    purpose = {"fixed_price": Booking.Purpose.DRAW}.get(listing.kind, Booking.Purpose.OPENING)
    if listing.kind in ("land", "asset") and listing.method != "land_tender":
        purpose = Booking.Purpose.AUCTION
    start = listing.deadline
    _book_first_free(rooms_by_kind[rooms.ROOM_FOR[purpose]], listing=listing, purpose=purpose, starts_at=start,
                     ends_at=start + timedelta(hours=1), by=staff)
    if purpose == Booking.Purpose.OPENING:
        _book_first_free(rooms_by_kind[Room.Kind.EVALUATION], listing=listing, purpose=Booking.Purpose.EVALUATION,
                         starts_at=start + timedelta(hours=1, minutes=30), ends_at=start + timedelta(hours=4),
                         by=staff)


# Days from publication a listing needs to reach each goal (its periods, plus a day or so
# for each step staff take), so it is published that long before now.
AFTER_DEADLINE = {S.OPENING: 0.3, S.EVALUATION: 1, S.PUBLICIZED: 3, S.AWARDED: 7, S.CONTRACT_SIGNED: 8,
                  S.ARCHIVED: 9, S.BIDDING_PERIOD: 1}
# Sales: the bidding period runs 10 days after the deadline (LAND_LISTING_PERIOD), then the result.
AFTER_SALE_DEADLINE = {S.BIDDING_PERIOD: 1, S.RESULT: 11, S.CONTRACT_SIGNED: 12, S.ARCHIVED: 13}
FIXED_PRICE_LEAD = {S.SIGN_UP: 1, S.QUALIFICATION: 8, S.DRAW: 9, S.RESULT_PUBLICIZED: 10, S.AWARDED: 14,
                    S.CONTRACT_SIGNED: 15, S.ARCHIVED: 16}


def lead_days(spec: DemoListing) -> float:
    goal = Status(spec.goal)
    if spec.kind == "fixed_price":
        return FIXED_PRICE_LEAD.get(goal, 1)
    sale = spec.kind == "asset" or spec.method in ("land_auction", "land_listing")
    after = AFTER_SALE_DEADLINE if sale else AFTER_DEADLINE
    if goal in after:
        return spec.bidding_days + after[goal]
    return {S.BIDDING: 9, S.DEPOSITS: 2, S.FAILED: 8}.get(goal, 1)


def build(*, staff: User, agent: User, supervisor: User, bidders: list[User], tenderers: list[Organisation],
          time: clock.Replay, until: datetime) -> list[Listing]:
    """Publish each listing its lead time before `until`, earliest first, and run the clock
    to `until`, the chronograph and the staff autopilot moving each to its goal."""
    rooms_by_kind: dict[str, list[Room]] = {}
    for room in make_rooms():
        rooms_by_kind.setdefault(room.kind, []).append(room)
    schedule = sorted((until - timedelta(days=lead_days(spec)), index) for index, spec in enumerate(LISTINGS))
    published: dict[int, Listing] = {}
    for publish_at, index in schedule:
        spec = LISTINGS[index]
        _run_to(publish_at, time=time, listings=published, staff=staff, bidders=bidders)
        listing = _publish(spec, index=index, staff=staff, agent=agent, supervisor=supervisor, tenderers=tenderers)
        chronograph.tick()
        listing.refresh_from_db()
        _sign_up(listing, bidders, spec.signups, staff)
        _book(listing, rooms_by_kind, staff)
        if spec.set_aside == "suspended":
            services.listing_suspend(listing=listing, by=staff, reason="收到投诉，暂停交易活动，待调查处理。")
        elif spec.set_aside == "cancelled":
            services.listing_cancel(listing=listing, by=staff, reason="项目资金未落实，招标人申请终止。")
        published[index] = listing
    open_now = next(item for item in published.values() if item.status in (Status.PUBLISHED, Status.BIDDING))
    question = services.question_ask(listing=open_now, by=bidders[0], text="是否接受联合体投标？")
    services.question_answer(question=question, by=agent, answer="本项目不接受联合体投标。")
    _run_to(until, time=time, listings=published, staff=staff, bidders=bidders)
    return list(published.values())


def _run_to(until: datetime, *, time: clock.Replay, listings: dict[int, Listing], staff: User,
            bidders: list[User], step: timedelta = timedelta(hours=4)) -> None:
    while clock.now() < until:
        time.advance(min(step, until - clock.now()))
        chronograph.tick()
        for index, listing in listings.items():
            listing.refresh_from_db()
            spec = LISTINGS[index]
            if spec.set_aside or listing.status in (Status.FAILED, Status.CANCELLED, Status.ARCHIVED):
                continue
            if signup.signup_open(listing, clock.now()):
                _sign_up(listing, bidders, spec.signups, staff)
            if not _reached(listing, spec.goal):
                _staff_step(listing, staff=staff, bidders=bidders)
