"""The draw room, the public page, the projector, the calls, per role; secrecy of names."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from experts import services
from experts.models import Draw, Pick
from tests.accounts.factories import UserFactory
from tests.experts.factories import expert, lot_with_supervisor

pytestmark = pytest.mark.django_db
NAME = "王建国"


@pytest.fixture
def staff_user():
    return UserFactory(role=User.Role.STAFF)


@pytest.fixture
def drawn(staff_user):
    lot, supervisor = lot_with_supervisor()
    for i in range(6):
        expert(name=f"{NAME}{i}", user=UserFactory(role=User.Role.EXPERT))
    draw = services.draw_create(by=staff_user, request=services.DrawRequest(
        lot=lot, purpose="expert", k=2, m=2, specialties=["A0801"]))
    draw = services.draw_freeze(draw=draw, by=staff_user)
    supervisor.cosign(draw.checkpoint_size)
    draw = services.draw_witness_and_run(draw=draw, by=supervisor.user, witness="123456")
    return draw, supervisor


def page_for(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


ROLES = ["staff", "supervisor", "other_supervisor", "inspector", "bidder", "agent", "expert", "anonymous"]


def user_of(role, draw, supervisor, staff_user):
    return {"staff": staff_user, "supervisor": supervisor.user, "anonymous": None,
            "other_supervisor": UserFactory(role=User.Role.SUPERVISOR)}.get(role) or UserFactory(role=role)


@pytest.mark.parametrize("role", ROLES)
def test_names_secret_until_award_everywhere_but_for_inspectors(client, drawn, staff_user, role):
    draw, supervisor = drawn
    user = user_of(role, draw, supervisor, staff_user)
    drawn_codes = draw.drawn
    urls = [reverse("experts:public", args=[draw.draw_id]), reverse("experts:public_json", args=[draw.draw_id]),
            reverse("experts:screen", args=[draw.draw_id]), reverse("experts:room", args=[draw.pk]),
            reverse("experts:room", args=[draw.pk]) + "?fragment=1"]
    for url in urls:
        body = page_for(client, user, url).content.decode()
        leaked = NAME in body or any(code in body for code in drawn_codes)
        assert leaked == (role == "inspector" and "rooms" in url), (role, url)


@pytest.mark.parametrize("role,status", [("staff", 200), ("supervisor", 200), ("inspector", 200),
                                         ("other_supervisor", 404), ("bidder", 404), ("agent", 404),
                                         ("expert", 404)])
def test_room_is_for_staff_the_lots_supervisor_and_inspectors(client, drawn, staff_user, role, status):
    draw, supervisor = drawn
    response = page_for(client, user_of(role, draw, supervisor, staff_user), reverse("experts:room", args=[draw.pk]))
    assert response.status_code == status


def test_after_award_staff_see_names_public_does_not_for_tenders(client, drawn, staff_user):
    draw, supervisor = drawn
    draw.lot.listing.status = "awarded"
    draw.lot.listing.save(update_fields=["status"])
    client.force_login(staff_user)
    assert NAME in client.get(reverse("experts:room", args=[draw.pk])).content.decode()
    client.logout()
    assert NAME not in client.get(reverse("experts:public", args=[draw.draw_id])).content.decode()


def test_procurement_award_publishes_names_and_candidates(client, staff_user):
    lot, supervisor = lot_with_supervisor(kind="procurement")
    for i in range(5):
        expert(name=f"{NAME}{i}")
    draw = services.draw_create(by=staff_user, request=services.DrawRequest(
        lot=lot, purpose="expert", k=3, m=1, specialties=["A0801"]))
    draw = services.draw_freeze(draw=draw, by=staff_user)
    supervisor.cosign(draw.checkpoint_size)
    draw = services.draw_witness_and_run(draw=draw, by=supervisor.user, witness="123456")
    data = json.loads(client.get(reverse("experts:public_json", args=[draw.draw_id])).content)
    assert "drawn" not in data and "candidates" not in data and data["secret"] is None
    lot.listing.status = "awarded"
    lot.listing.save(update_fields=["status"])
    services.draw_reveal(draw=draw, by=staff_user)
    data = json.loads(client.get(reverse("experts:public_json", args=[draw.draw_id])).content)
    assert data["drawn"] == draw.drawn and data["candidates"] == draw.candidates and data["secret"] == draw.secret


def test_witness_form_opens_only_after_cosigning(client, staff_user):
    lot, supervisor = lot_with_supervisor()
    for _ in range(4):
        expert()
    draw = services.draw_create(by=staff_user, request=services.DrawRequest(
        lot=lot, purpose="expert", k=2, m=1, specialties=["A0801"]))
    client.force_login(staff_user)
    client.post(reverse("experts:freeze", args=[draw.pk]))
    draw.refresh_from_db()
    assert draw.state == "frozen" and draw.checkpoint_size
    client.force_login(supervisor.user)
    room = client.get(reverse("experts:room", args=[draw.pk])).content.decode()
    assert 'id="cosign-link"' in room and 'id="witness-form"' not in room
    response = client.post(reverse("experts:witness", args=[draw.pk]), {"witness": "123456"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "监督人员联署" in response.content.decode()
    draw.refresh_from_db()
    assert draw.state == "frozen"
    supervisor.cosign(draw.checkpoint_size)
    room = client.get(reverse("experts:room", args=[draw.pk])).content.decode()
    assert 'id="witness-form"' in room
    response = client.post(reverse("experts:witness", args=[draw.pk]), {"witness": "12 34"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "6 to 64 digits" in response.content.decode()
    client.post(reverse("experts:witness", args=[draw.pk]), {"witness": "654321"})
    draw.refresh_from_db()
    assert draw.state == "drawn"


def test_expert_answers_own_call_only(client, drawn):
    draw, _ = drawn
    first = Pick.objects.select_related("expert__user").get(draw=draw, position=1)
    second = Pick.objects.select_related("expert__user").get(draw=draw, position=2)
    client.force_login(second.expert.user)
    assert client.get(reverse("experts:call", args=[first.pk])).status_code == 404
    client.force_login(first.expert.user)
    assert draw.lot.code in client.get(reverse("experts:my_calls")).content.decode()
    client.post(reverse("experts:call", args=[first.pk]), {"answer": "decline", "text": "生病"})
    assert Pick.objects.get(pk=first.pk).status == "declined"
    assert Pick.objects.get(draw=draw, position=3).status == "called"


def test_inspector_downloads_the_record(client, drawn, tmp_path):
    from experts.draw import verify_record

    draw, _ = drawn
    client.force_login(UserFactory(role=User.Role.INSPECTOR))
    response = client.get(reverse("experts:record", args=[draw.pk]))
    record = json.loads(response.content)
    verify_record(record)
    assert record["drawn"] == draw.drawn
    client.force_login(UserFactory(role=User.Role.STAFF))
    assert client.get(reverse("experts:record", args=[draw.pk])).status_code == 403


def test_admin_shows_no_names_or_secret_of_draws(admin_client, drawn):
    draw, _ = drawn
    body = admin_client.get(reverse("admin:experts_draw_change", args=[draw.pk])).content.decode()
    assert draw.secret not in body and not any(code in body for code in draw.drawn)
    assert Draw.objects.count() == 1


def test_staff_change_avoidance_settings_in_the_admin_on_the_record(client, staff_user):
    from audit.models import Event
    from experts.pool import avoidance_settings

    avoidance_settings()
    client.force_login(UserFactory(role=User.Role.STAFF, is_staff=True))
    response = client.post(reverse("admin:experts_avoidancesettings_change", args=[1]), {
        "employer_is_bidder": "on", "employer_is_tenderer": "on", "former_employer_years": "5", "relatives": "on",
        "penalties": "on", "cooldown_days": "0"})
    assert response.status_code == 302
    settings = avoidance_settings()
    assert settings.former_employer_years == 5 and settings.cooldown_days == 0 and settings.changed_at
    event = Event.objects.get(kind="experts.avoidancesettings_changed")
    assert "former_employer_years" in event.payload
