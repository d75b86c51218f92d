"""The opening page and its endpoints, per role: who may attend, what each sees before and
after the result, and the bidders' and custodians' submissions through HTTP."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.trading.test_views_support import bidder
from trading.models import KeySubmission, Opening, RecordResponse

from .opening_support import scene

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def traveller():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state(client: Client, lot) -> dict:
    response = client.get(reverse("trading:opening_state", args=[lot.pk]))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("role, allowed", [("staff", True), ("supervisor", True), ("inspector", True),
                                           ("expert", False), ("other_bidder", False), ("other_agent", False)])
def test_who_may_attend(traveller, role, allowed):
    s = scene(traveller)
    user = bidder() if role == "other_bidder" else UserFactory(role=User.Role.AGENT if role == "other_agent" else role)
    response = client_for(user).get(reverse("trading:opening", args=[s.lot.pk]))
    assert response.status_code == (200 if allowed else 403)
    assert client_for(s.bidders[0].user).get(reverse("trading:opening", args=[s.lot.pk])).status_code == 200
    assert Client().get(reverse("trading:opening", args=[s.lot.pk])).status_code == 302  # to the login


def test_no_price_or_code_before_the_result_and_the_table_after(traveller):
    s = scene(traveller, prices=[11_111_111, 22_222_222, 33_333_333])
    s.to_keys()
    staff = client_for(s.staff)
    before = state(staff, s.lot)
    assert before["state"] == "keys" and "prices" not in before
    assert all("code" not in e and "outcome" not in e for e in before["envelopes"])
    s.parts_in()
    s.to_shares()
    s.unlock()
    after = state(staff, s.lot)
    assert sorted(p["price"] for p in after["prices"]) == ["111,111.11 元", "222,222.22 元", "333,333.33 元"]
    assert after["record"]["sha256"] == s.opening.record_sha256
    pdf = staff.get(after["record"]["url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_bidder_submits_its_part_over_http_and_gets_the_receipt(traveller):
    s = scene(traveller)
    s.to_keys()
    who = s.bidders[0]
    client = client_for(who.user)
    mine = state(client, s.lot)["bidder"]
    assert [e["kind"] for e in mine["envelopes"]] == ["form"] and mine["receipts"]
    submission, stanza = s.part(who)
    response = client.post(reverse("trading:opening_key", args=[s.lot.pk]), json.dumps(
        {"lock_seq": s.opening.lock_seq, "submission": submission, "stanza": stanza}), content_type="application/json")
    assert response.status_code == 202 and response.json()["state"] == "pending"
    s.step()
    decided = client.get(reverse("trading:opening_key_status", args=[s.lot.pk, response.json()["id"]])).json()
    assert decided["state"] == "accepted" and decided["receipt"]["type"] == "key"
    other = client_for(s.bidders[1].user)  # nobody reads another's submission
    assert other.get(reverse("trading:opening_key_status", args=[s.lot.pk, response.json()["id"]])).status_code == 403
    stale = client.post(reverse("trading:opening_key", args=[s.lot.pk]), json.dumps(
        {"lock_seq": s.opening.lock_seq - 1, "submission": submission, "stanza": stanza}),
        content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "lock_changed"
    assert KeySubmission.objects.count() == 1


def test_a_custodian_who_holds_no_share_cannot_submit_one(traveller):
    s = scene(traveller)
    s.to_keys()
    s.to_shares()
    intruder = client_for(UserFactory(role=User.Role.STAFF))
    response = intruder.post(reverse("trading:opening_share", args=[s.lot.pk]), json.dumps(
        {"lock_seq": s.opening.lock_seq, "kind": "form", "x": 2, "stanza": {}}), content_type="application/json")
    assert response.status_code == 403


def test_bidders_confirm_or_object_and_staff_answer(traveller):
    s = scene(traveller)
    s.to_keys()
    s.parts_in()
    s.to_shares()
    s.unlock()
    first, second = client_for(s.bidders[0].user), client_for(s.bidders[1].user)
    assert first.post(reverse("trading:opening_confirm", args=[s.lot.pk])).status_code == 200
    empty = second.post(reverse("trading:opening_object", args=[s.lot.pk]), json.dumps({"text": " "}),
                        content_type="application/json")
    assert empty.status_code == 400 and empty.json()["code"] == "text_invalid"
    raised = second.post(reverse("trading:opening_object", args=[s.lot.pk]),
                         json.dumps({"text": "第二名报价读错了"}), content_type="application/json")
    objection = raised.json()["id"]
    assert client_for(s.bidders[0].user).post(
        reverse("trading:opening_answer", args=[s.lot.pk, objection]), json.dumps({"text": "x"}),
        content_type="application/json").status_code == 403
    answered = client_for(s.staff).post(reverse("trading:opening_answer", args=[s.lot.pk, objection]),
                                        json.dumps({"text": "已当场核对，报价无误"}), content_type="application/json")
    assert answered.status_code == 200
    seen = state(second, s.lot)["responses"]
    assert [(r["kind"], r["answer"]) for r in seen] == [("confirm", ""), ("object", "已当场核对，报价无误")]
    s.shift(minutes=s.lot.listing.confirmation_window_minutes, seconds=1)
    assert s.until(Opening.State.CLOSED).state == Opening.State.CLOSED
    late = first.post(reverse("trading:opening_object", args=[s.lot.pk]), json.dumps({"text": "晚了"}),
                      content_type="application/json")
    assert late.status_code == 409 and RecordResponse.objects.count() == 2
