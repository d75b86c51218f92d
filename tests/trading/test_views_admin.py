"""The due dashboard, the working-day calendar and rule settings pages, and the inbox."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import Message
from accounts.notifications import notify
from audit import clock
from audit.models import Event
from tests.trading.test_views_support import ROLES, published_listing  # noqa: F401
from trading import rule_values
from trading.models import CalendarDay, CalendarYear, DueItem, RuleSetting
from trading.rules import TENDER_BIDDING_PERIOD, TENDER_OBJECTION_REPLY

pytestmark = pytest.mark.django_db

PAGES = {"trading:due": {"staff", "supervisor"}, "trading:calendar": {"staff"},
         "trading:rule_settings": {"staff"}, "accounts:inbox": set(ROLES)}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(client, make_user, page, role):
    client.force_login(make_user(role))
    assert client.get(reverse(page)).status_code == (200 if role in PAGES[page] else 403)


@pytest.mark.parametrize("page", PAGES)
def test_pages_need_a_login(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_due_board_sorts_overdue_soon_and_later_with_the_rule(client, make_user):
    listing = published_listing(make_user("agent"))
    now = clock.now()
    DueItem.objects.create(listing=listing, what="objection:1", rule=TENDER_OBJECTION_REPLY.name,
                           due_at=now - timedelta(hours=1))
    DueItem.objects.create(listing=listing, what="contract:LOT-SOON", rule="", due_at=now + timedelta(days=1))
    DueItem.objects.create(listing=listing, what="contract:LOT-LATER", rule="", due_at=now + timedelta(days=9))
    DueItem.objects.create(listing=listing, what="contract:LOT-DONE", rule="", due_at=now - timedelta(days=1),
                           done_at=now)
    client.force_login(make_user("supervisor"))
    body = client.get(reverse("trading:due"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    overdue, rest = body.split("两日内到期")
    soon, later = rest.split("以后到期")
    assert "答复异议" in overdue and "《招标投标法实施条例》第五十四条" in overdue
    assert "LOT-SOON" in soon and "LOT-LATER" in later
    assert "LOT-DONE" not in body


def test_staff_add_a_day_and_the_record_has_it(client, make_user):
    client.force_login(make_user("staff"))
    client.post(reverse("trading:calendar"), {"which": "day", "day-day": "2027-01-01", "day-working": "0",
                                              "day-notice": "国办发明电〔2026〕1号"})
    entry = CalendarDay.objects.get()
    assert (entry.day, entry.working) == (date(2027, 1, 1), False)
    event = Event.objects.get(kind="calendar.changed")
    assert event.object == "calendar:2027-01-01"
    body = client.get(reverse("trading:calendar")).content.decode()
    assert "2027-01-01" in body and "国办发明电〔2026〕1号" in body


def test_correcting_a_day_keeps_one_entry(client, make_user):
    client.force_login(make_user("staff"))
    for working in ("0", "1"):
        client.post(reverse("trading:calendar"), {"which": "day", "day-day": "2027-02-06", "day-working": working,
                                                  "day-notice": "国办发明电〔2026〕1号"})
    assert CalendarDay.objects.get().working is True
    assert Event.objects.filter(kind="calendar.changed").count() == 2


def test_staff_mark_a_missing_year_as_entered(client, make_user):
    client.force_login(make_user("staff"))
    client.post(reverse("trading:calendar"), {"which": "year", "year-year": "2027", "year-notice": "国办发明电〔2026〕1号"})
    assert CalendarYear.objects.get().year == 2027
    assert Event.objects.filter(kind="calendar.changed", object="calendar:2027").exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "节假日数据包已包含"), ("en", "already has the State Council")])
def test_a_year_the_package_has_is_refused_and_the_form_kept(client, make_user, language, needle):
    client.force_login(make_user("staff"))
    response = client.post(reverse("trading:calendar"), {"which": "year", "year-year": "2026",
                                                         "year-notice": "国办发明电〔2025〕7号"},
                           HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 200 and needle in body and 'value="国办发明电〔2025〕7号"' in body
    assert not CalendarYear.objects.exists() and not Event.objects.filter(kind="calendar.changed").exists()


def test_a_day_without_its_notice_is_refused(client, make_user):
    client.force_login(make_user("staff"))
    response = client.post(reverse("trading:calendar"), {"which": "day", "day-day": "2027-01-01", "day-working": "0",
                                                         "day-notice": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    assert 'value="2027-01-01"' in response.content.decode()
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "staff"])
def test_nobody_else_edits_the_calendar_or_rules(client, make_user, role):
    client.force_login(make_user(role))
    client.post(reverse("trading:calendar"), {"which": "day", "day-day": "2027-01-01", "day-working": "0",
                                              "day-notice": "x"})
    client.post(reverse("trading:rule_settings"), {"rule": TENDER_BIDDING_PERIOD.name, "value": "25"})
    assert not CalendarDay.objects.exists() and not RuleSetting.objects.exists()


def test_rules_page_lists_every_rule_with_its_kind(client, make_user):
    client.force_login(make_user("staff"))
    body = client.get(reverse("trading:rule_settings"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    from trading.rules import ALL_RULES

    for name in ALL_RULES:
        assert f'data-rule="{name}"' in body
    assert "硬性（法定）" in body and "中心设置" in body and "《招标投标法》第二十四条" in body


def test_staff_tighten_a_hard_rule(client, make_user):
    client.force_login(make_user("staff"))
    client.post(reverse("trading:rule_settings"), {"rule": TENDER_BIDDING_PERIOD.name, "value": "25"})
    assert rule_values.value(TENDER_BIDDING_PERIOD) == 25
    assert Event.objects.filter(kind="rule.changed", object=f"rule:{TENDER_BIDDING_PERIOD.name}").exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "《招标投标法》第二十四条"), ("en", "Tendering Law Art. 24")])
def test_loosening_a_hard_rule_is_refused_naming_it(client, make_user, language, needle):
    client.force_login(make_user("staff"))
    response = client.post(reverse("trading:rule_settings"), {"rule": TENDER_BIDDING_PERIOD.name, "value": "15"},
                           HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 200 and needle in body and 'value="15"' in body
    assert ("只能从严" if language == "zh-hans" else "never looser") in body
    assert not RuleSetting.objects.exists() and not Event.objects.filter(kind="rule.changed").exists()


def test_a_center_setting_may_be_loosened(client, make_user):
    client.force_login(make_user("staff"))
    client.post(reverse("trading:rule_settings"), {"rule": TENDER_OBJECTION_REPLY.name, "value": "5"})
    assert rule_values.value(TENDER_OBJECTION_REPLY) == 5


def test_inbox_shows_own_messages_unread_first_and_marks_read(client, make_user):
    user, other = make_user("bidder"), make_user("bidder")
    notify([user], subject="旧消息", body="已读过", link="/trading/listings/1/")
    notify([user], subject="新消息", body="请查看", link="/trading/listings/2/")
    notify([other], subject="别人的消息", body="不可见")
    old = Message.objects.get(subject="旧消息")
    client.force_login(user)
    client.post(reverse("accounts:inbox"), {"message": old.pk})
    body = client.get(reverse("accounts:inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    unread, read = body.split('<h2>已读</h2>')
    assert "新消息" in unread and "旧消息" in read
    assert "别人的消息" not in body


def test_nobody_marks_another_users_message(client, make_user):
    user, other = make_user("bidder"), make_user("bidder")
    (message,) = notify([other], subject="别人的消息", body="x")
    client.force_login(user)
    client.post(reverse("accounts:inbox"), {"message": message.pk})
    message.refresh_from_db()
    assert message.read_at is None
