"""A bidder registers in Chinese, staff approve, the bidder logs in and sees the decision."""

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts import services
from accounts.models import Organisation, User
from audit import clock
from audit.models import Checkpoint, Event
from tests.accounts.factories import valid_credit_code
from tests.e2e.conftest import PASSWORD, log_in

pytestmark = pytest.mark.e2e


def test_bidder_registers_staff_approve_bidder_logs_in(stack, browser):
    services.account_create(by=None, role=User.Role.STAFF, username="staff1", email="s@example.cn",
                            first_name="王敏", password=PASSWORD)
    code = valid_credit_code()

    bidder = browser.new_context(locale="zh-CN").new_page()
    bidder.goto(stack.url + "/accounts/register/")
    expect(bidder.locator("h1")).to_have_text("注册单位")
    bidder.fill("#id_organisation_name", "阳光建设工程有限公司")
    bidder.fill("#id_credit_code", code[:-1] + ("0" if code[-1] != "0" else "1"))  # a typo first
    bidder.fill("#id_first_name", "张伟")
    bidder.fill("#id_phone", "13800000000")
    bidder.fill("#id_email", "zw@example.cn")
    bidder.fill("#id_username", "zhangwei")
    bidder.fill("#id_password1", PASSWORD)
    bidder.fill("#id_password2", PASSWORD)
    bidder.get_by_role("button", name="提交注册").click()
    expect(bidder.locator("#id_credit_code_error")).to_contain_text("不是有效的统一社会信用代码")
    assert not Organisation.objects.exists()
    expect(bidder.locator("#id_organisation_name")).to_have_value("阳光建设工程有限公司")  # nothing lost
    bidder.fill("#id_credit_code", code)
    bidder.fill("#id_password1", PASSWORD)
    bidder.fill("#id_password2", PASSWORD)
    bidder.get_by_role("button", name="提交注册").click()
    expect(bidder.locator("h1")).to_have_text("注册已提交")

    staff = browser.new_context(locale="zh-CN").new_page()
    log_in(staff, stack.url, "staff1")
    staff.get_by_role("link", name="注册审核").first.click()
    row = staff.locator(f"tr[data-organisation='{code}']")
    expect(row).to_contain_text("阳光建设工程有限公司")
    row.get_by_role("button", name="审核通过").click()
    expect(staff.locator(".messages")).to_contain_text("已审核通过")

    log_in(bidder, stack.url, "zhangwei")
    expect(bidder.locator("#registration-status")).to_contain_text("已审核")
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"account.registered", "account.verified", "account.login"} <= kinds


def test_staff_jump_the_demo_clock_and_an_open_page_follows(stack, browser):
    services.account_create(by=None, role=User.Role.STAFF, username="staff2", email="s2@example.cn",
                            first_name="王敏", password=PASSWORD)
    watcher = browser.new_context(locale="zh-CN").new_page()
    watcher.goto(stack.url + "/accounts/login/")
    today = clock.now().astimezone(clock.SHANGHAI).strftime("%Y-%m-%d")
    expect(watcher.locator("#platform-time")).to_contain_text(today)  # the browser shows platform time

    staff = browser.new_context(locale="zh-CN").new_page()
    log_in(staff, stack.url, "staff2")
    target = clock.now() + timedelta(days=3)
    staff.fill("input[name=to]", target.astimezone(clock.SHANGHAI).strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_role("button", name="向前调整时间").click()
    expect(staff.locator(".messages")).to_contain_text("平台时间已调至")

    # The watcher never reloads: the jump reaches it over the channel layer.
    expected_day = target.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d")
    expect(watcher.locator("#platform-time")).to_contain_text(expected_day, timeout=10_000)


def test_the_celery_worker_signs_checkpoints(stack):
    from audit.services import event_append
    from audit.tasks import checkpoint_issue_task

    event = event_append(kind="test.event", actor="system", payload={})
    checkpoint_issue_task.delay()
    # Beat may sign one too (every minute); the worker's must cover the event.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Checkpoint.objects.filter(size__gte=event.seq).exists():
        time.sleep(0.3)
    assert Checkpoint.objects.filter(size__gte=event.seq).exists()
