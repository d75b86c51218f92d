from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction

import canonical_json
from audit import chain, clock, keys
from audit.errors import ClockBackwards
from audit.models import Event
from audit.services import checkpoint_due, checkpoint_issue, clock_advance, event_append, event_as_dict
from config.errors import NotPermitted
from tests.conftest import requires_postgresql

pytestmark = pytest.mark.django_db


def append(n: int, kind: str = "test.event") -> list[Event]:
    return [event_append(kind=kind, actor="system", object=f"thing:{i}", payload={"i": i}) for i in range(n)]


def test_appends_are_gapless_and_linked():
    events = append(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    link = chain.ZERO
    for event in events:
        leaf = chain.event_leaf(event_as_dict(event))
        assert event.leaf == leaf.hex()
        link = chain.audit_link(link, leaf)
        assert event.link == link.hex()


def test_payload_is_stored_as_canonical_json_after_nfc():
    event = event_append(kind="test.nfc", actor="system", payload={"title": "Cafe\u0301", "b": 1, "a": 2})
    assert event.payload == canonical_json.dumps({"a": 2, "b": 1, "title": "Café"}).decode()


def test_a_rolled_back_change_leaves_no_event():
    with pytest.raises(RuntimeError), transaction.atomic():
        event_append(kind="test.rollback", actor="system", payload={})
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()
    assert event_append(kind="test.after", actor="system", payload={}).seq == 1


def test_a_secret_shaped_value_is_refused_by_canonical_json_not_stored():
    with pytest.raises(canonical_json.CanonicalJSONError):
        event_append(kind="test.float", actor="system", payload={"price": 1.5})
    assert not Event.objects.exists()


def test_timestamps_never_decrease_even_if_the_system_clock_does():
    with time_machine.travel(clock.now() + timedelta(hours=1), tick=False):
        later = event_append(kind="test.a", actor="system", payload={})
    earlier_clock = event_append(kind="test.b", actor="system", payload={})
    assert earlier_clock.ts >= later.ts


def test_checkpoint_signs_the_root_and_link_with_the_platform_key():
    append(3)
    checkpoint = checkpoint_issue()
    note = chain.parse_note(checkpoint.note)
    assert note.size == 3 and note.origin == keys.origin()
    leaves = [bytes.fromhex(e.leaf) for e in Event.objects.order_by("seq")]
    assert note.root == chain.merkle_root(leaves)
    assert note.link.hex() == Event.objects.get(seq=3).link
    assert chain.verify_note(note, keys.origin(), keys.public_key())
    assert checkpoint_issue().pk == checkpoint.pk  # idempotent at one size


def test_checkpoint_due_after_five_minutes_or_when_nothing_signed_yet(settings):
    append(2)
    assert checkpoint_due().size == 2
    append(1)
    assert checkpoint_due() is None  # one event, no time passed
    with time_machine.travel(clock.now() + timedelta(seconds=settings.AUDIT_CHECKPOINT_SECONDS + 1)):
        assert checkpoint_due().size == 3


def test_checkpoint_due_after_the_event_threshold(settings):
    settings.AUDIT_CHECKPOINT_EVENTS = 4
    append(1)
    checkpoint_due()
    append(3)
    assert checkpoint_due() is None
    append(1)
    assert checkpoint_due().size == 5


@pytest.mark.parametrize("role,allowed", [("staff", True), ("bidder", False), ("agent", False),
                                          ("supervisor", False), ("inspector", False), ("expert", False)])
def test_only_staff_move_the_demo_clock(make_user, role, allowed):
    user = make_user(role)
    target = clock.now() + timedelta(days=2)
    if allowed:
        clock_advance(by=user, to=target)
        assert clock.now() >= target
        assert Event.objects.filter(kind="clock.advance").exists()
    else:
        with pytest.raises(NotPermitted):
            clock_advance(by=user, to=target)
        assert clock.now() < target


def test_clock_never_moves_back(staff):
    with pytest.raises(ClockBackwards):
        clock_advance(by=staff, to=clock.now() - timedelta(minutes=1))


def test_production_settings_have_no_offset(staff, settings):
    clock_advance(by=staff, to=clock.now() + timedelta(days=3))
    settings.SUNBID_DEMO_CLOCK = False
    assert clock.offset() == timedelta(0)
    with pytest.raises(NotPermitted):
        clock_advance(by=staff, to=clock.now() + timedelta(days=5))


@requires_postgresql()
def test_postgresql_trigger_refuses_update_and_delete():
    append(2)
    from django.db.utils import DatabaseError

    for statement in ("UPDATE audit_event SET kind = 'forged' WHERE seq = 1", "DELETE FROM audit_event WHERE seq = 2"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Event.objects.count() == 2 and Event.objects.get(seq=1).kind == "test.event"
