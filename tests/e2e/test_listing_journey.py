"""An agent drafts a procurement listing; staff publish it and book the opening room; a bidder
finds it through the portal's search and signs up; after staff move demo time on, the agent
publishes an amendment inside the lead time, and the deadline moves on the bidder's page and
in the room's booking."""

from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from accounts import services as accounts
from accounts.models import User
from audit import clock
from audit.clock import SHANGHAI
from bidroom.models import Booking, Room
from tests.accounts.factories import OrganisationFactory, UserFactory, ensure_key
from tests.e2e.conftest import PASSWORD, log_in
from trading import signup
from trading.models import Listing
from trading.workdays import center_calendar

pytestmark = pytest.mark.e2e


def logged_in(page, url, username):
    log_in(page, url, username)
    expect(page.locator("h1")).to_contain_text("欢迎")


def working_day_after(days: int) -> datetime:
    day = clock.now().astimezone(SHANGHAI).date() + timedelta(days=days)
    calendar = center_calendar()
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 30), tzinfo=SHANGHAI)


def test_draft_publish_find_sign_up_amend_and_the_deadline_moves(stack, browser):
    agency = OrganisationFactory(name="浙江正信招标代理有限公司")
    tenderer = OrganisationFactory(name="杭州市第一人民医院")
    accounts.account_create(by=None, role=User.Role.AGENT, username="agent1", email="a@example.cn",
                            first_name="李静", organisation=agency, password=PASSWORD)
    accounts.account_create(by=None, role=User.Role.STAFF, username="staff1", email="s@example.cn",
                            first_name="王敏", password=PASSWORD)
    accounts.account_create(by=None, role=User.Role.SUPERVISOR, username="sup1", email="v@example.cn",
                            first_name="陈刚", password=PASSWORD)
    bidder_org = OrganisationFactory(name="华东医疗器械有限公司")
    User.objects.create_user(username="bidder1", password=PASSWORD, role=User.Role.BIDDER, organisation=bidder_org,
                             first_name="张伟")
    for custodian in ("agent1", "staff1", "sup1"):  # the opening-key custodians' keys (seal.md §9)
        ensure_key(User.objects.get(username=custodian))
    room = Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")
    deadline = working_day_after(25)

    agent = browser.new_context(locale="zh-CN").new_page()
    logged_in(agent, stack.url, "agent1")
    agent.goto(stack.url + "/trading/listings/new/")
    agent.select_option("#id_kind", "procurement")
    agent.select_option("#id_method", "open_tender")
    agent.fill("#id_title", "人民医院核磁共振设备采购")
    agent.fill("#id_region", "上城区")
    agent.select_option("#id_tenderer", label=tenderer.name)
    agent.fill("#id_budget_fen", "3250000")
    agent.fill("#id_deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    agent.fill("#id_lots-0-title", "核磁共振成像系统")
    agent.fill("#id_lots-0-budget_fen", "3250000")
    agent.fill("#id_lots-0-deposit_fen", "30000")
    agent.get_by_role("button", name="保存草稿").click()
    agent.get_by_role("button", name="提交发布").click()
    listing = Listing.objects.get(title="人民医院核磁共振设备采购")
    assert listing.status == "submitted"

    staff = browser.new_context(locale="zh-CN").new_page()
    logged_in(staff, stack.url, "staff1")
    staff.goto(f"{stack.url}/trading/listings/{listing.pk}/")
    staff.select_option("#id_publish-supervisor", label="陈刚")
    staff.get_by_role("button", name="发布", exact=True).click()
    listing.refresh_from_db()
    assert listing.status == "published"
    staff.goto(stack.url + "/rooms/calendar/?start=" + deadline.date().isoformat())
    staff.select_option("#id_room", label=room.name)
    staff.select_option("#id_listing", listing.code)
    staff.select_option("#id_purpose", "opening")
    staff.fill("#id_starts_at", deadline.strftime("%Y-%m-%dT%H:%M"))
    staff.fill("#id_ends_at", (deadline + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_role("button", name="预约", exact=True).click()
    expect(staff.locator(f".booking[data-listing='{listing.code}']")).to_be_visible()

    bidder = browser.new_context(locale="zh-CN").new_page()
    logged_in(bidder, stack.url, "bidder1")
    bidder.goto(stack.url + "/notices/")
    bidder.fill("input[name=q]", "核磁共振")
    bidder.get_by_role("button", name="搜索").click()
    bidder.get_by_role("link", name="人民医院核磁共振设备采购").click()
    bidder.get_by_role("button", name="报名").first.click()
    expect(bidder.locator(".messages")).to_be_visible()
    assert listing.lots.get().registrations.filter(organisation=bidder_org).exists()
    # Two more bidders, so the lot still has the rule's three when sign-up closes (GPL Art. 36).
    for _ in range(2):
        signup.registration_create(lot=listing.lots.get(), by=UserFactory(role=User.Role.BIDDER))

    # Ten days before the deadline: inside the 15-day lead time (GPR Art. 31).
    jump = deadline - timedelta(days=10)
    staff.fill("input[name=to]", jump.strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_role("button", name="向前调整时间").click()
    expect(staff.locator(".messages")).to_contain_text("平台时间已调至")

    agent.goto(f"{stack.url}/trading/listings/{listing.pk}/")
    agent.fill("#clarifications textarea", "技术参数第3.2条修改为：磁场强度不低于3.0T。")
    agent.get_by_role("button", name="向所有报名单位发布").click()
    listing.refresh_from_db()
    assert listing.deadline > deadline
    new_date = listing.deadline.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")

    bidder.goto(f"{stack.url}/trading/listings/{listing.pk}/")
    expect(bidder.locator("body")).to_contain_text(new_date)
    booking = Booking.objects.get(listing=listing)
    assert booking.starts_at == listing.deadline
    staff.goto(stack.url + "/rooms/calendar/?start=" + listing.deadline.astimezone(SHANGHAI).date().isoformat())
    expect(staff.locator(f".booking[data-listing='{listing.code}']")).to_contain_text(
        listing.deadline.astimezone(SHANGHAI).strftime("%H:%M"))
    bidder.goto(stack.url + "/accounts/inbox/")
    expect(bidder.locator("body")).to_contain_text(listing.code)
