"""Two hands at once on PostgreSQL: row locks and the (draw, kind) constraint keep one of each."""

import threading

import pytest
from django.db import connections

from accounts.models import User
from config.errors import DomainError
from experts import services
from experts.models import DrawEvent
from tests.accounts.factories import UserFactory
from tests.conftest import requires_postgresql
from tests.experts.factories import experts, lot_with_supervisor

pytestmark = [pytest.mark.django_db(transaction=True), requires_postgresql()]


def race(n, fn):
    barrier, outcomes = threading.Barrier(n), []

    def run(i):
        try:
            barrier.wait()
            outcomes.append(("ok", fn(i)))
        except DomainError as e:
            outcomes.append(("refused", e.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_concurrent_witnesses_record_exactly_one(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    staff = UserFactory(role=User.Role.STAFF)
    lot, supervisor = lot_with_supervisor()
    experts(6)
    draw = services.draw_freeze(draw=services.draw_create(by=staff, request=services.DrawRequest(
        lot=lot, purpose="expert", k=2, m=1, specialties=["A0801"])), by=staff)
    supervisor.cosign(draw.checkpoint_size)
    outcomes = race(4, lambda i: services.draw_witness_and_run(draw=draw, by=supervisor.user,
                                                               witness=f"{123456 + i}").state)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused", "refused", "refused"]
    assert [o[1] for o in outcomes if o[0] == "refused"] == ["draw_wrong_state"] * 3
    assert DrawEvent.objects.filter(draw=draw, kind="witness").count() == 1
    assert DrawEvent.objects.filter(draw=draw, kind="result").count() == 1


def test_concurrent_freezes_record_exactly_one(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    staff = UserFactory(role=User.Role.STAFF)
    lot, _ = lot_with_supervisor()
    experts(6)
    draw = services.draw_create(by=staff, request=services.DrawRequest(
        lot=lot, purpose="expert", k=2, m=1, specialties=["A0801"]))
    outcomes = race(3, lambda i: services.draw_freeze(draw=draw, by=staff).state)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused", "refused"]
    assert DrawEvent.objects.filter(draw=draw, kind="freeze").count() == 1
