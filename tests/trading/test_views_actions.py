"""The listing page's actions, per role and object, and what a refused form gives back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Message
from audit import clock
from tests.trading.test_views_support import (ROLES, at_stage, bidder, draft_listing,  # noqa: F401
                                              published_listing, publicized, report_file, sign_up)
from trading import services, signup
from trading.models import (Candidate, Clarification, Deposit, Document, Listing, Objection, Question, Registration,
                            ResultReport, Status)

pytestmark = pytest.mark.django_db


def url(name: str, obj) -> str:
    return reverse(f"trading:{name}", args=[obj.pk])


def page(client, response) -> str:
    """The page the user ends on, following the redirect back to the listing."""
    if response.status_code == 302:
        response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    return response.content.decode()


# The agent ------------------------------------------------------------------------------

@pytest.mark.parametrize("who,expected", [("owner", 302), ("other_agent", 404), ("staff", 302), ("bidder", 404),
                                          ("supervisor", 404)])
def test_document_upload_on_a_draft_per_role(client, make_user, who, expected):
    agent = make_user("agent")
    listing = draft_listing(agent)
    client.force_login(agent if who == "owner" else make_user("agent" if who == "other_agent" else who))
    response = client.post(url("document_add", listing),
                           {"title": "招标文件", "file": SimpleUploadedFile("t.pdf", b"%PDF-1.7")})
    assert response.status_code == expected
    assert Document.objects.filter(listing=listing).exists() == (expected == 302)


def test_a_bidder_cannot_upload_to_a_published_listing(client, make_user):
    listing = published_listing(make_user("agent"))
    client.force_login(bidder())
    response = client.post(url("document_add", listing),
                           {"title": "招标文件", "file": SimpleUploadedFile("t.pdf", b"%PDF-1.7")})
    assert response.status_code == 403 and not Document.objects.exists()


@pytest.mark.parametrize("language,needle", [("zh-hans", "被拒绝"), ("en", "was refused")])
def test_a_refused_document_keeps_the_title(client, make_user, language, needle):
    agent = make_user("agent")
    listing = draft_listing(agent)
    client.force_login(agent)
    response = client.post(url("document_add", listing),
                           {"title": "第二册图纸", "file": SimpleUploadedFile("virus.exe", b"MZ")},
                           HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 200 and needle in body and 'value="第二册图纸"' in body
    assert not Document.objects.exists()


@pytest.mark.parametrize("who,expected", [("owner", 302), ("other_agent", 404), ("staff", 403), ("bidder", 404)])
def test_submit_per_role(client, make_user, who, expected):
    agent = make_user("agent")
    listing = draft_listing(agent)
    client.force_login(agent if who == "owner" else make_user("agent" if who == "other_agent" else who))
    assert client.post(url("listing_submit", listing)).status_code == expected
    listing.refresh_from_db()
    assert (listing.status == Status.SUBMITTED) == (expected == 302)


def test_a_short_deadline_is_refused_at_submission_with_its_article(client, make_user):
    agent = make_user("agent")
    listing = draft_listing(agent)
    at_stage(listing, Status.DRAFT, deadline=clock.now() + timedelta(days=10))
    client.force_login(agent)
    body = page(client, client.post(url("listing_submit", listing), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "《政府采购法》第三十五条" in body and "不少于20日" in body
    listing.refresh_from_db()
    assert listing.status == Status.DRAFT


@pytest.mark.parametrize("who,expected", [("owner", 302), ("other_agent", 403), ("staff", 403), ("bidder", 403)])
def test_clarification_per_role(client, make_user, who, expected):
    agent = make_user("agent")
    listing = published_listing(agent)
    client.force_login(agent if who == "owner" else make_user("agent" if who == "other_agent" else who))
    response = client.post(url("clarification_publish", listing), {"text": "图纸更正", "affects_bids": "on"})
    assert response.status_code == expected
    assert Clarification.objects.filter(listing=listing).exists() == (expected == 302)


@pytest.mark.parametrize("language,needle", [("zh-hans", "不能进行此操作"), ("en", "cannot be done while")])
def test_a_clarification_on_a_failed_listing_is_refused_and_kept(client, make_user, language, needle):
    agent = make_user("agent")
    listing = at_stage(published_listing(agent), Status.FAILED)
    client.force_login(agent)
    response = client.post(url("clarification_publish", listing), {"text": "迟到的澄清内容"},
                           HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 200 and needle in body and "迟到的澄清内容" in body
    assert not Clarification.objects.exists()


def test_a_late_clarification_tells_the_agent_the_new_deadline(client, make_user):
    agent = make_user("agent")
    listing = published_listing(agent)
    at_stage(listing, Status.PUBLISHED, deadline=clock.now() + timedelta(days=10))
    client.force_login(agent)
    body = page(client, client.post(url("clarification_publish", listing), {"text": "技术参数修改", "affects_bids": "on"},
                                    HTTP_ACCEPT_LANGUAGE="zh-hans"))
    listing.refresh_from_db()
    assert listing.deadline > clock.now() + timedelta(days=14)
    assert "投标截止时间由" in body


@pytest.mark.parametrize("who,expected", [("owner", 302), ("other_agent", 403), ("staff", 403), ("bidder", 403)])
def test_answer_per_role(client, make_user, who, expected):
    agent = make_user("agent")
    listing = published_listing(agent)
    question = services.question_ask(listing=listing, by=bidder(), text="可否联合体投标？")
    client.force_login(agent if who == "owner" else make_user("agent" if who == "other_agent" else who))
    response = client.post(url("question_answer", question), {f"answer{question.pk}-answer": "不接受联合体。"})
    assert response.status_code == expected
    question.refresh_from_db()
    assert (question.answer == "不接受联合体。") == (expected == 302)


def test_a_blank_answer_is_refused_in_chinese(client, make_user):
    agent = make_user("agent")
    listing = published_listing(agent)
    question = services.question_ask(listing=listing, by=bidder(), text="可否联合体投标？")
    client.force_login(agent)
    response = client.post(url("question_answer", question), {f"answer{question.pk}-answer": ""},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()


@pytest.mark.parametrize("role,expected", [("bidder", 302), ("agent", 403), ("staff", 403), ("expert", 403)])
def test_asking_per_role(client, make_user, role, expected):
    listing = published_listing(make_user("agent"))
    client.force_login(bidder() if role == "bidder" else make_user(role))
    assert client.post(url("question_ask", listing), {"text": "工期多少天？"}).status_code == expected
    assert Question.objects.filter(listing=listing).exists() == (expected == 302)


def test_a_question_on_a_closed_listing_is_refused_and_kept(client, make_user):
    listing = at_stage(published_listing(make_user("agent")), Status.EVALUATION)
    client.force_login(bidder())
    response = client.post(url("question_ask", listing), {"text": "评标办法是什么？"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert response.status_code == 200 and "不能进行此操作" in body and "评标办法是什么？" in body


# Center staff ---------------------------------------------------------------------------

@pytest.mark.parametrize("action,to", [("listing_suspend", Status.SUSPENDED), ("listing_fail", Status.FAILED),
                                       ("listing_cancel", Status.CANCELLED)])
@pytest.mark.parametrize("role", ROLES)
def test_set_aside_per_role(client, make_user, action, to, role):
    agent = make_user("agent")
    listing = published_listing(agent)
    key = action.removeprefix("listing_")
    client.force_login(make_user(role))
    response = client.post(url(action, listing), {f"{key}-reason": "投诉处理中"})
    assert response.status_code == (302 if role == "staff" else 403)
    listing.refresh_from_db()
    assert (listing.status == to) == (role == "staff")


def test_the_agent_cancels_its_own_draft_but_not_a_published_listing(client, make_user):
    agent = make_user("agent")
    own_draft, live = draft_listing(agent), published_listing(agent)
    client.force_login(agent)
    assert client.post(url("listing_cancel", own_draft), {"cancel-reason": "项目取消"}).status_code == 302
    client.post(url("listing_cancel", live), {"cancel-reason": "项目取消"})
    own_draft.refresh_from_db()
    live.refresh_from_db()
    assert own_draft.status == Status.CANCELLED and live.status == Status.PUBLISHED


@pytest.mark.parametrize("language,needle", [("zh-hans", "该字段是必填项"), ("en", "This field is required")])
def test_suspending_needs_a_reason(client, make_user, language, needle):
    listing = published_listing(make_user("agent"))
    client.force_login(make_user("staff"))
    response = client.post(url("listing_suspend", listing), {"suspend-reason": ""}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and needle in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == Status.PUBLISHED


def test_a_refused_suspension_keeps_the_reason(client, make_user):
    listing = at_stage(published_listing(make_user("agent")), Status.ARCHIVED)
    client.force_login(make_user("staff"))
    response = client.post(url("listing_suspend", listing), {"suspend-reason": "监督部门要求暂停"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert response.status_code == 200 and "不能进行此操作" in body and "监督部门要求暂停" in body


def test_staff_suspend_and_resume(client, make_user):
    listing = published_listing(make_user("agent"))
    client.force_login(make_user("staff"))
    client.post(url("listing_suspend", listing), {"suspend-reason": "投诉处理中"})
    client.post(url("listing_resume", listing), {"resume-reason": ""})
    listing.refresh_from_db()
    assert listing.status == Status.PUBLISHED


@pytest.mark.parametrize("role", ROLES)
def test_advance_from_opening_per_role(client, make_user, role):
    listing = at_stage(published_listing(make_user("agent")), Status.OPENING)
    client.force_login(make_user(role))
    response = client.post(url("listing_advance", listing), {"to": Status.EVALUATION})
    assert response.status_code == (302 if role == "staff" else 403)
    listing.refresh_from_db()
    assert (listing.status == Status.EVALUATION) == (role == "staff")


def test_staff_cannot_end_a_timed_stage(client, make_user):
    listing = published_listing(make_user("agent"))
    client.force_login(make_user("staff"))
    body = page(client, client.post(url("listing_advance", listing), {"to": Status.BIDDING},
                                    HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "不能进行此操作" in body
    listing.refresh_from_db()
    assert listing.status == Status.PUBLISHED


def test_the_detail_page_offers_the_manual_step(client, make_user):
    listing = at_stage(published_listing(make_user("agent")), Status.OPENING)
    client.force_login(make_user("staff"))
    body = client.get(url("listing_detail", listing), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert url("listing_advance", listing) in body and "评标" in body


# Bidders: sign-up and deposits ----------------------------------------------------------

@pytest.mark.parametrize("role,expected", [("bidder", 302), ("agent", 403), ("staff", 403), ("supervisor", 403),
                                           ("expert", 403), ("inspector", 403)])
def test_sign_up_per_role(client, make_user, role, expected):
    listing = published_listing(make_user("agent"))
    client.force_login(bidder() if role == "bidder" else make_user(role))
    assert client.post(url("registration_create", listing.lots.get())).status_code == expected
    assert Registration.objects.exists() == (expected == 302)


def test_sign_up_for_a_draft_lot_does_not_exist(client, make_user):
    listing = draft_listing(make_user("agent"))
    client.force_login(bidder())
    assert client.post(url("registration_create", listing.lots.get())).status_code == 404


def test_signing_up_twice_is_explained(client, make_user):
    listing = published_listing(make_user("agent"))
    user = bidder()
    sign_up(listing, user)
    client.force_login(user)
    body = page(client, client.post(url("registration_create", listing.lots.get()), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "已报名该标段" in body
    assert Registration.objects.count() == 1


def test_a_bidder_withdraws_its_sign_up(client, make_user):
    listing = published_listing(make_user("agent"))
    user = bidder()
    registration = sign_up(listing, user)
    client.force_login(bidder())
    assert client.post(url("registration_withdraw", registration)).status_code == 404  # not theirs
    client.force_login(user)
    client.post(url("registration_withdraw", registration))
    registration.refresh_from_db()
    assert registration.status == Registration.RegistrationStatus.WITHDRAWN


def test_a_bidder_declares_its_deposit_in_yuan(client, make_user):
    listing = published_listing(make_user("agent"))
    user = bidder()
    registration = sign_up(listing, user)
    client.force_login(user)
    prefix = f"deposit{registration.pk}"
    client.post(url("deposit_declare", registration), {f"{prefix}-amount_fen": "1000.00",
                                                       f"{prefix}-reference": "BANK-001"})
    deposit = Deposit.objects.get()
    assert (deposit.amount_fen, deposit.reference) == (100_000, "BANK-001")


@pytest.mark.parametrize("language,needle", [("zh-hans", "《政府采购法实施条例》第三十三条"),
                                             ("en", "Government Procurement Regulation Art. 33")])
def test_a_deposit_above_the_cap_is_refused_with_its_article(client, make_user, language, needle):
    listing = published_listing(make_user("agent"))  # budget 1,000,000 yuan: the cap is 20,000
    user = bidder()
    registration = sign_up(listing, user)
    client.force_login(user)
    prefix = f"deposit{registration.pk}"
    response = client.post(url("deposit_declare", registration),
                           {f"{prefix}-amount_fen": "30000", f"{prefix}-reference": "BANK-777"},
                           HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 200 and needle in body and 'value="BANK-777"' in body
    assert not Deposit.objects.exists()


def test_another_bidders_registration_does_not_exist(client, make_user):
    listing = published_listing(make_user("agent"))
    registration = sign_up(listing)
    client.force_login(bidder())
    prefix = f"deposit{registration.pk}"
    response = client.post(url("deposit_declare", registration),
                           {f"{prefix}-amount_fen": "1000", f"{prefix}-reference": "X"})
    assert response.status_code == 404 and not Deposit.objects.exists()


@pytest.mark.parametrize("role,expected", [("staff", 302), ("supervisor", 403), ("bidder", 404), ("agent", 404)])
def test_deposit_confirmation_per_role(client, make_user, role, expected):
    listing = published_listing(make_user("agent"))
    owner = bidder()
    registration = sign_up(listing, owner)
    deposit = signup.deposit_declare(registration=registration, by=owner, amount_fen=100_000, reference="B1")
    client.force_login(make_user(role) if role != "bidder" else bidder())
    assert client.post(url("deposit_confirm", deposit)).status_code == expected
    deposit.refresh_from_db()
    assert (deposit.status == Deposit.DepositStatus.CONFIRMED) == (expected == 302)


def test_staff_marks_a_deposit_refunded(client, make_user):
    listing = published_listing(make_user("agent"))
    owner = bidder()
    deposit = signup.deposit_declare(registration=sign_up(listing, owner), by=owner, amount_fen=100_000,
                                     reference="B1")
    client.force_login(make_user("staff"))
    client.post(url("deposit_confirm", deposit))
    client.post(url("deposit_refunded", deposit))
    deposit.refresh_from_db()
    assert deposit.status == Deposit.DepositStatus.REFUNDED


# Results: candidates, objections, award, contract, archive ----------------------------------

@pytest.fixture
def evaluated(make_user):
    agent, staff = make_user("agent"), make_user("staff")
    listing = published_listing(agent)
    first, second = bidder("一号投标人"), bidder("二号投标人")
    sign_up(listing, first)
    sign_up(listing, second)
    return at_stage(listing, Status.EVALUATION), agent, staff, first, second


def candidates_post(first, second, **overrides):
    data = {"organisation_1": first.organisation.pk, "price_1": "900000", "organisation_2": second.organisation.pk,
            "price_2": "950000.50", "organisation_3": "", "price_3": "", "report": report_file()}
    data.update(overrides)
    return data


@pytest.mark.parametrize("role,expected", [("staff", 200), ("agent", 403), ("supervisor", 403), ("bidder", 403)])
def test_candidates_page_per_role(client, make_user, evaluated, role, expected):
    listing = evaluated[0]
    client.force_login(make_user(role))
    assert client.get(url("candidates_record", listing.lots.get())).status_code == expected


def test_staff_record_ranked_candidates_and_publicity_starts(client, evaluated):
    listing, _agent, staff, first, second = evaluated
    client.force_login(staff)
    response = client.post(url("candidates_record", listing.lots.get()), candidates_post(first, second))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == Status.PUBLICIZED
    assert [(c.rank, c.organisation, c.price_fen) for c in Candidate.objects.all()] == [
        (1, first.organisation, 90_000_000), (2, second.organisation, 95_000_050)]
    client.logout()  # the publicized candidates are public
    assert "二号投标人" in client.get(url("listing_detail", listing)).content.decode()


def test_one_organisation_cannot_hold_two_ranks(client, evaluated):
    listing, _agent, staff, first, second = evaluated
    client.force_login(staff)
    response = client.post(url("candidates_record", listing.lots.get()),
                           candidates_post(first, second, organisation_2=first.organisation.pk),
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert response.status_code == 200 and "同一单位只能列一个名次" in body
    assert 'value="950000.50"' in body and not Candidate.objects.exists()


def test_only_registrants_can_be_candidates(client, evaluated):
    listing, _agent, staff, first, second = evaluated
    outsider = bidder("局外人公司")
    client.force_login(staff)
    response = client.post(url("candidates_record", listing.lots.get()),
                           candidates_post(first, second, organisation_1=outsider.organisation.pk))
    assert response.status_code == 200 and not Candidate.objects.exists()
    assert "局外人公司" not in response.content.decode()


@pytest.fixture
def in_publicity(evaluated):
    listing, agent, staff, first, second = evaluated
    return publicized(listing, staff, first.organisation, second.organisation), agent, staff, first, second


def test_a_registered_bidder_objects_during_publicity(client, in_publicity):
    listing, _agent, _staff, _first, second = in_publicity
    lot = listing.lots.get()
    client.force_login(second)
    assert f'name="objection{lot.pk}-text"' in client.get(url("listing_detail", listing)).content.decode()
    client.post(url("objection_raise", lot), {f"objection{lot.pk}-text": "第一名业绩造假"})
    assert Objection.objects.get().text == "第一名业绩造假"


def test_an_outsider_objection_is_refused_and_kept(client, in_publicity):
    listing = in_publicity[0]
    lot = listing.lots.get()
    client.force_login(bidder())
    response = client.post(url("objection_raise", lot), {f"objection{lot.pk}-text": "我也有异议"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert response.status_code == 200 and "无权" in body and "我也有异议" in body
    assert not Objection.objects.exists()


@pytest.mark.parametrize("who,expected", [("staff", 302), ("owner", 302), ("other_agent", 403), ("bidder", 403)])
def test_objection_reply_per_role(client, make_user, in_publicity, who, expected):
    listing, agent, staff, _first, second = in_publicity
    from trading import results

    objection = results.objection_raise(lot=listing.lots.get(), by=second, text="第一名业绩造假")
    user = {"staff": staff, "owner": agent, "other_agent": make_user("agent"), "bidder": second}[who]
    client.force_login(user)
    response = client.post(url("objection_reply", objection), {f"reply{objection.pk}-reply": "经核查业绩属实"})
    assert response.status_code == expected
    objection.refresh_from_db()
    assert (objection.reply == "经核查业绩属实") == (expected == 302)
    if expected == 302:
        assert Message.objects.filter(recipient=second, subject__contains=listing.code).exists()


def test_award_waits_for_the_publicity_then_goes_out(client, in_publicity):
    listing, _agent, staff, first, _second = in_publicity
    client.force_login(staff)
    body = page(client, client.post(url("listing_award", listing), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "《招标投标法实施条例》第五十四条" in body
    ResultReport.objects.update(publicity_ends_at=clock.now() - timedelta(minutes=1))
    client.post(url("listing_award", listing))
    listing.refresh_from_db()
    assert listing.status == Status.AWARDED
    assert Message.objects.filter(recipient=first).exists()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "staff"])
def test_only_staff_award_sign_and_archive(client, make_user, in_publicity, role):
    listing = in_publicity[0]
    ResultReport.objects.update(publicity_ends_at=clock.now() - timedelta(minutes=1))
    client.force_login(make_user(role))
    for action in ("listing_award", "contract_signed", "listing_archive"):
        assert client.post(url(action, listing)).status_code == 403
    listing.refresh_from_db()
    assert listing.status == Status.PUBLICIZED


def test_contract_signed_then_archived(client, in_publicity):
    listing, _agent, staff, _first, _second = in_publicity
    ResultReport.objects.update(publicity_ends_at=clock.now() - timedelta(minutes=1))
    client.force_login(staff)
    client.post(url("listing_award", listing))
    client.post(url("contract_signed", listing))
    listing.refresh_from_db()
    assert listing.status == Status.CONTRACT_SIGNED
    client.post(url("listing_archive", listing))
    listing.refresh_from_db()
    assert listing.status == Status.ARCHIVED
    assert Listing.objects.filter(status=Status.ARCHIVED).count() == 1
