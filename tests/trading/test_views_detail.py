"""The listing page: who may see it, what each reader sees, and what nobody but staff and
supervisors ever sees (who signed up, and how many: TL Art. 22)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit import clock
from tests.trading.factories import publish
from tests.trading.test_views_support import (ROLES, at_stage, bidder, draft_listing, login,  # noqa: F401
                                              published_listing, sign_up, working_days_ahead)
from trading import services
from trading.models import Status

pytestmark = pytest.mark.django_db

SECRET_NAME = "甲方秘密投标有限公司"


def detail(listing) -> str:
    return reverse("trading:listing_detail", args=[listing.pk])


# Drafts: their agent and staff. Published: everyone, logged in or not.
@pytest.mark.parametrize("role,draft_status,published_status", [
    ("owner", 200, 200), ("other_agent", 404, 200), ("staff", 200, 200), ("supervisor", 404, 200),
    ("inspector", 404, 200), ("bidder", 404, 200), ("expert", 404, 200), ("anonymous", 404, 200)])
def test_detail_per_role(client, make_user, role, draft_status, published_status):
    agent = make_user("agent")
    unpublished, live = draft_listing(agent), published_listing(agent)
    user = {"owner": agent, "other_agent": make_user("agent"), "anonymous": None}.get(role) or (
        make_user(role) if role in ROLES else None)
    login(client, user)
    assert client.get(detail(unpublished)).status_code == draft_status
    assert client.get(detail(live)).status_code == published_status


def test_missing_listing_is_404(client, make_user):
    client.force_login(make_user("staff"))
    assert client.get(reverse("trading:listing_detail", args=[999])).status_code == 404


@pytest.fixture
def signed_up_listing(make_user):
    """A published listing two bidders signed up for, one of them 甲方 (the secret)."""
    agent = make_user("agent")
    listing = published_listing(agent)
    sign_up(listing, bidder(SECRET_NAME))
    other = bidder("乙方投标有限公司")
    sign_up(listing, other)
    return listing, agent, other


@pytest.mark.parametrize("viewer", ["other_bidder", "agent", "expert", "anonymous", "unsigned_bidder"])
def test_nobody_else_learns_who_signed_up_or_how_many(client, make_user, signed_up_listing, viewer):
    listing, agent, other = signed_up_listing
    users = {"other_bidder": lambda: other, "agent": lambda: agent, "anonymous": lambda: None,
             "unsigned_bidder": bidder, "expert": lambda: make_user("expert")}
    login(client, users[viewer]())
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert SECRET_NAME not in body
    assert 'id="registrations"' not in body
    assert "家报名" not in body          # the staff's count line
    assert "投标人报名" not in body      # sign-up events in the history
    if viewer == "agent":
        assert 'id="history"' in body  # the agent has a history, without the sign-ups
        assert "<th>#</th>" not in body  # nor the sequence numbers whose gaps would count them


@pytest.mark.parametrize("role", ["staff", "supervisor"])
def test_staff_and_supervisors_see_the_sign_ups(client, make_user, signed_up_listing, role):
    listing, _agent, _other = signed_up_listing
    client.force_login(make_user(role))
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert SECRET_NAME in body and "乙方投标有限公司" in body
    assert "共 2 家报名" in body
    assert "投标人报名" in body and "<th>#</th>" in body


def test_a_bidder_sees_its_own_sign_up_and_deposit_form(client, signed_up_listing):
    listing, _agent, other = signed_up_listing
    client.force_login(other)
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已报名" in body and 'name="deposit' in body
    assert 'action="/trading/lots/' not in body  # no second sign-up button


def test_a_bidder_who_has_not_signed_up_gets_the_button(client, signed_up_listing):
    listing, _agent, _other = signed_up_listing
    client.force_login(bidder())
    body = client.get(detail(listing)).content.decode()
    assert reverse("trading:registration_create", args=[listing.lots.get().pk]) in body


def test_an_unverified_bidder_is_told_why_it_cannot_sign_up(client, make_user, signed_up_listing):
    listing, _agent, _other = signed_up_listing
    user = bidder()
    user.organisation.status = "pending"
    user.organisation.save()
    client.force_login(user)
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "尚未通过交易中心核验" in body
    assert reverse("trading:registration_create", args=[listing.lots.get().pk]) not in body


def test_every_computed_date_names_its_rule(client, make_user):
    listing = published_listing(make_user("agent"))
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "报名截止" in body and "《政府采购法实施条例》第三十一条: 不少于5个工作日" in body
    assert "《政府采购法》第三十五条: 不少于20日" in body
    english = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Government Procurement Regulation Art. 31: at least 5 working days" in english


def test_a_center_setting_is_labelled_as_one(client, make_user):
    listing = published_listing(make_user("agent"), kind="fixed_price", method="fixed_price_draw",
                                budget_fen=100_000_000)
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "中心设置，默认值5" in body


def test_a_failed_listing_shows_its_reason_to_everyone(client, make_user):
    listing = published_listing(make_user("agent"))
    services.listing_fail(listing=listing, by=make_user("staff"), reason="有效报名不足三家")
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "流标原因" in body and "有效报名不足三家" in body


def test_a_resumed_listing_no_longer_shows_the_suspension_reason(client, make_user):
    listing = published_listing(make_user("agent"))
    staff = make_user("staff")
    services.listing_suspend(listing=listing, by=staff, reason="收到投诉暂停")
    assert "收到投诉暂停" in client.get(detail(listing)).content.decode()
    services.listing_resume(listing=listing, by=staff)
    assert "收到投诉暂停" not in client.get(detail(listing)).content.decode()


def test_public_answers_never_say_who_asked(client, make_user):
    agent = make_user("agent")
    listing = published_listing(agent)
    asker = bidder("提问人建设有限公司")
    question = services.question_ask(listing=listing, by=asker, text="工期能否延长？")
    services.question_answer(question=question, by=agent, answer="不能延长。")
    for viewer in (None, agent, make_user("staff"), bidder()):
        client.logout()
        login(client, viewer)
        body = client.get(detail(listing)).content.decode()
        assert "工期能否延长" in body and "不能延长。" in body
        assert "提问人建设有限公司" not in body


def test_documents_download_for_anyone_who_sees_the_listing(client, make_user):
    agent = make_user("agent")
    listing = draft_listing(agent)
    document = services.document_add(listing=listing, by=agent, title="招标文件",
                                     upload=SimpleUploadedFile("tender.pdf", b"%PDF-1.7 tender"))
    url = reverse("trading:document_download", args=[document.pk])
    assert client.get(url).status_code == 404  # the draft is not public yet
    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 tender"
    services.listing_submit(listing=listing, by=agent)
    publish(listing=listing, by=make_user("staff"))
    client.logout()
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role,sees", [("staff", True), ("supervisor", True), ("inspector", True), ("owner", True),
                                       ("other_agent", False), ("bidder", False), ("anonymous", False)])
def test_history_only_for_those_allowed(client, make_user, role, sees):
    agent = make_user("agent")
    listing = published_listing(agent)
    user = {"owner": agent, "other_agent": make_user("agent"), "anonymous": None}.get(role) or (
        make_user(role) if role not in ("owner", "other_agent", "anonymous") else None)
    login(client, user)
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ('id="history"' in body) == sees
    if sees:
        assert "已发布" in body and "listing:" + listing.code in body


def test_clarification_shows_when_the_deadline_moved(client, make_user):
    agent = make_user("agent")
    listing = published_listing(agent)
    # Ten days before the deadline: a clarification needs 15 (GPR Art. 31), so the deadline moves.
    at_stage(listing, Status.PUBLISHED, deadline=clock.now() + timedelta(days=working_days_ahead(10)))
    services.clarification_publish(listing=listing, by=agent, text="第三章技术参数修改")
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "第三章技术参数修改" in body and "投标截止时间由" in body


def test_a_clarification_that_leaves_the_deadline_says_nothing_about_moving(client, make_user):
    agent = make_user("agent")
    listing = published_listing(agent)
    services.clarification_publish(listing=listing, by=agent, text="联系人电话更正")
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "联系人电话更正" in body and "投标截止时间由" not in body


# Independent of how many lots, sign-ups, documents and questions there are.
# The sealing declarations add two: the listing keys, and the custodians of the first.
BUDGET = {"anonymous": 9, "bidder": 16, "staff": 17, "agent": 16}


@pytest.mark.parametrize("role", BUDGET)
def test_detail_query_budget(client, make_user, django_assert_max_num_queries, role):
    from trading.services import LotInput

    agent = make_user("agent")
    staff = make_user("staff")
    listing = published_listing(agent, staff=staff, lots=[LotInput(title=f"标段{i}", budget_fen=10_000_000,
                                                                   deposit_fen=1000) for i in range(5)])
    for lot in listing.lots.all():
        for _ in range(3):
            sign_up(listing, bidder(), lot=lot)
    for i in range(5):
        services.document_add(listing=listing, by=agent, title=f"附件{i}",
                              upload=SimpleUploadedFile(f"a{i}.pdf", b"%PDF"))
        question = services.question_ask(listing=listing, by=bidder(), text=f"问题{i}")
        services.question_answer(question=question, by=agent, answer=f"答复{i}")
        services.question_ask(listing=listing, by=bidder(), text=f"待答问题{i}")
    login(client, {"anonymous": None, "agent": agent, "staff": staff, "bidder": bidder()}[role])
    with django_assert_max_num_queries(BUDGET[role]):
        response = client.get(detail(listing))
    assert response.status_code == 200


def test_the_status_badge_names_the_stage(client, make_user):
    listing = at_stage(published_listing(make_user("agent")), Status.PUBLICIZED)
    body = client.get(detail(listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<span class="badge ok">中标候选人公示</span>' in body
