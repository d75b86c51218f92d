"""Calls after the result (draw.md §3 step 6) and the fixed-price contractor draw."""

from datetime import timedelta

import pytest

from accounts.models import Message, User
from audit import clock
from audit.models import ClockOffset, Event
from experts import calls, services
from experts.errors import CallRefused
from experts.models import Pick, Reply
from experts.record import verify
from tests.accounts.factories import OrganisationFactory, UserFactory
from tests.experts.factories import expert, fixed_price_lot, lot_with_supervisor
from trading.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return UserFactory(role=User.Role.STAFF)


def drawn_expert_draw(staff_user, *, n=8, k=3, m=2):
    lot, supervisor = lot_with_supervisor()
    for _ in range(n):
        expert(user=UserFactory(role=User.Role.EXPERT))
    draw = services.draw_create(by=staff_user, request=services.DrawRequest(
        lot=lot, purpose="expert", k=k, m=m, specialties=["A0801"], contact_attempts=2, contact_minutes=10))
    draw = services.draw_freeze(draw=draw, by=staff_user)
    supervisor.cosign(draw.checkpoint_size)
    return services.draw_witness_and_run(draw=draw, by=supervisor.user, witness="777777"), supervisor


def pick(draw, position):
    return Pick.objects.select_related("expert__user").get(draw=draw, position=position)


def test_drawn_are_called_and_notified_backups_wait(staff_user):
    draw, _ = drawn_expert_draw(staff_user)
    for position in (1, 2, 3):
        p = pick(draw, position)
        assert p.status == "called" and p.attempts == 1 and p.seated
        assert Message.objects.filter(recipient=p.expert.user, link=f"/experts/calls/{p.pk}/").exists()
    for position in (4, 5):
        p = pick(draw, position)
        assert p.status == "waiting" and not Message.objects.filter(recipient=p.expert.user).exists()


def test_own_decline_calls_the_first_backup_and_verifies(staff_user):
    draw, _ = drawn_expert_draw(staff_user)
    second = pick(draw, 2)
    calls.call_reply(pick=second, by=second.expert.user, answer="decline", text="出差")
    assert pick(draw, 2).status == "declined" and not pick(draw, 2).seated
    backup = pick(draw, 4)
    assert backup.status == "called" and backup.seated
    assert pick(draw, 5).status == "waiting"
    reply = Reply.objects.get(pick=second)
    event = Event.objects.filter(kind="draw.reply").get()
    assert reply.sha256 in event.payload and "出差" not in event.payload
    assert verify(draw)[0].startswith("OK ")  # the verifier replays the calls (CALL_ORDER)


def test_conflict_frees_the_seat_accept_keeps_it(staff_user):
    draw, _ = drawn_expert_draw(staff_user)
    first = pick(draw, 1)
    calls.call_reply(pick=first, by=first.expert.user, answer="accept")
    third = pick(draw, 3)
    calls.call_reply(pick=third, by=third.expert.user, answer="conflict", text="亲属在投标单位")
    assert pick(draw, 1).seated and pick(draw, 1).status == "accepted"
    assert pick(draw, 4).seated and pick(draw, 4).status == "called"


@pytest.mark.parametrize("who", ["other_expert", "staff", "supervisor", "bidder"])
def test_only_the_person_called_can_answer(staff_user, who):
    draw, supervisor = drawn_expert_draw(staff_user)
    users = {"other_expert": pick(draw, 2).expert.user, "staff": staff_user, "supervisor": supervisor.user,
             "bidder": UserFactory(role=User.Role.BIDDER)}
    with pytest.raises(CallRefused):
        calls.call_reply(pick=pick(draw, 1), by=users[who], answer="decline")
    assert not Event.objects.filter(kind="draw.reply").exists()


def test_a_backup_not_yet_called_cannot_answer(staff_user):
    draw, _ = drawn_expert_draw(staff_user)
    backup = pick(draw, 4)
    with pytest.raises(CallRefused):
        calls.call_reply(pick=backup, by=backup.expert.user, answer="accept")


def test_no_answer_only_after_the_contact_rule(staff_user):
    draw, _ = drawn_expert_draw(staff_user)
    first = pick(draw, 1)
    with pytest.raises(CallRefused):
        calls.call_no_answer(pick=first, by=staff_user)  # one call only
    offset = ClockOffset.objects.get_or_create(pk=1)[0]
    offset.offset_us += int(timedelta(minutes=11).total_seconds() * 1e6)
    offset.save()
    clock.forget_cached_offset()
    calls.call_again(pick=first, by=staff_user)
    assert pick(draw, 1).attempts == 2
    calls.call_no_answer(pick=first, by=staff_user)
    assert pick(draw, 1).status == "no_answer" and pick(draw, 4).seated
    assert verify(draw)[0].startswith("OK ")


def test_backups_run_out_and_a_new_draw_follows(staff_user):
    draw, _ = drawn_expert_draw(staff_user, n=4, k=3, m=1)
    for position in (1, 2):
        p = pick(draw, position)
        calls.call_reply(pick=p, by=p.expert.user, answer="decline")
    state = calls.replay(draw)
    assert state.exhausted
    follower = services.draw_create(by=staff_user, request=services.DrawRequest(
        lot=draw.lot, purpose="expert", k=1, m=1, specialties=["A0801"], follows=draw))
    assert follower.follows == draw


def test_contractor_draw_reveals_at_once_and_names_are_public(staff_user):
    lot, supervisor = fixed_price_lot()
    firms = [OrganisationFactory() for _ in range(5)]
    for i, org in enumerate(firms):
        Registration.objects.create(lot=lot, organisation=org, signed_up_at=clock.now(),
                                    signed_up_by=UserFactory(role="bidder", organisation=org),
                                    status="qualified" if i < 4 else "disqualified")
    draw = services.draw_create(by=staff_user, request=services.DrawRequest(lot=lot, purpose="contractor", k=1, m=2))
    draw = services.draw_freeze(draw=draw, by=staff_user)
    assert draw.n_pool == 4 and draw.n_candidates == 4  # the qualified registrants only
    supervisor.cosign(draw.checkpoint_size)
    draw = services.draw_witness_and_run(draw=draw, by=supervisor.user, witness="402917")
    assert draw.state == "revealed"
    assert set(draw.picks) <= {o.credit_code for o in firms[:4]}
    first = pick(draw, 1)
    assert first.organisation.credit_code == draw.drawn[0] and first.status == "called"
    winner_user = User.objects.get(organisation=first.organisation)
    calls.call_reply(pick=first, by=winner_user, answer="decline")
    assert pick(draw, 2).seated
    assert verify(draw)[0] == "OK " + draw.drawn[0]


def test_contractor_draw_only_for_fixed_price_lots(staff_user):
    lot, _ = lot_with_supervisor()
    from experts.errors import DrawNotForLot

    with pytest.raises(DrawNotForLot):
        services.draw_create(by=staff_user, request=services.DrawRequest(lot=lot, purpose="contractor", k=1, m=2))
