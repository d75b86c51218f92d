"""draw.md §3 step 6: replaying calls, seats and who is called next."""

from __future__ import annotations

from typing import Any

import pytest

from experts.draw import CallEvent, DrawError, next_position_to_call, replay_calls

DRAW = "DRAW-C"
CONTACT = {"attempts": 3, "minutes": 20}
OWN = "11" * 32  # the SHA-256 of the expert's own reply


def ts(minute: int) -> str:
    return f"2025-03-01T02:{minute:02d}:00.000000Z"


def call(position: int, attempt: int = 1, minute: int = 0) -> CallEvent:
    return CallEvent("draw.call", ts(minute), {"draw_id": DRAW, "position": position, "attempt": attempt})


def reply(position: int, answer: str, digest: str | None = OWN, minute: int = 0) -> CallEvent:
    payload = {"draw_id": DRAW, "position": position, "answer": answer, "reply_sha256": digest}
    return CallEvent("draw.reply", ts(minute), payload)


def no_answer(position: int, minute: int = 0) -> CallEvent:
    return CallEvent("draw.no_answer", ts(minute), {"draw_id": DRAW, "position": position})


def replay(events: list[CallEvent], k: int = 2, picks: int = 4) -> Any:
    return replay_calls(draw_id=DRAW, k=k, picks=picks, contact=CONTACT, events=events)


def rejected(events: list[CallEvent], code: str = "CALL_ORDER", **kw: Any) -> None:
    with pytest.raises(DrawError) as e:
        replay(events, **kw)
    assert e.value.code == code


def test_seats_start_with_the_drawn_and_position_one_is_called_first() -> None:
    state = replay([])
    assert state.seats == [1, 2]
    assert state.next_to_call == 1
    assert next_position_to_call(draw_id=DRAW, k=2, picks=4, contact=CONTACT, events=[call(1)]) == 2


def test_drawn_positions_are_called_in_pick_order() -> None:
    rejected([call(2)])


def test_a_backup_is_not_called_while_every_seat_is_held() -> None:
    rejected([call(1), call(2), call(3)])


@pytest.mark.parametrize("answer", ["decline", "conflict"])
def test_own_decline_frees_the_seat_for_the_lowest_uncalled_backup(answer: str) -> None:
    state = replay([call(1), call(2), reply(1, answer)])
    assert state.seats == [3, 2]
    assert state.next_to_call == 3
    state = replay([call(1), call(2), reply(1, answer), call(3), reply(2, answer)])
    assert state.seats == [3, 4]
    assert state.next_to_call == 4


def test_a_freed_seat_waits_until_lower_positions_are_called() -> None:
    # Position 1 declines before 2 is called: 2 is still called before backup 3.
    events = [call(1), reply(1, "decline")]
    assert replay(events).next_to_call == 2
    rejected(events + [call(3)])
    assert replay(events + [call(2), call(3)]).seats == [3, 2]


def test_staff_recorded_decline_does_not_free_the_seat() -> None:
    events = [call(1), call(2), reply(1, "decline", digest=None)]
    state = replay(events)
    assert state.seats == [1, 2]
    assert state.next_to_call is None
    rejected(events + [call(3)])


def test_accept_keeps_the_seat_and_forbids_a_no_answer() -> None:
    events = [call(1, 1, 0), call(1, 2, 10), call(1, 3, 20), reply(1, "accept")]
    state = replay(events)
    assert state.seats == [1, 2] and state.accepted == {1}
    rejected(events + [no_answer(1, 30)])


def test_no_answer_after_enough_calls_spanning_enough_minutes_frees_the_seat() -> None:
    events = [call(1, 1, 0), call(1, 2, 10), call(1, 3, 20), call(2), no_answer(1, 21)]
    assert replay(events).seats == [3, 2]


@pytest.mark.parametrize("events", [
    [call(1, 1, 0), call(1, 2, 10), no_answer(1, 30)],                 # two calls of three
    [call(1, 1, 0), call(1, 2, 10), call(1, 3, 19), no_answer(1, 40)],  # calls span 19 minutes
    [no_answer(1)],                                                    # never called
])
def test_no_answer_before_the_contact_rule_is_a_call_order_error(events: list[CallEvent]) -> None:
    rejected(events)


@pytest.mark.parametrize("events", [
    [reply(1, "accept")],                    # a reply before any call
    [call(1, 2)],                            # attempt 2 first
    [call(1, 1), call(1, 1)],                # attempt repeated
    [call(5)],                               # beyond the picks
    [call(1), reply(1, "decline"), call(1, 2)],  # calling a freed position
])
def test_out_of_order_events_are_call_order_errors(events: list[CallEvent]) -> None:
    rejected(events)


def test_when_backups_run_out_the_seat_stays_empty() -> None:
    events = [call(1), call(2), reply(1, "decline"), call(3), reply(3, "decline")]
    state = replay(events, picks=3)
    assert state.seats == [None, 2]
    assert state.exhausted


@pytest.mark.parametrize("event", [
    reply(1, "maybe"),
    reply(1, "accept", digest="xy"),
    CallEvent("draw.call", ts(0), {"draw_id": DRAW, "position": 1}),
    CallEvent("draw.call", ts(0), {"draw_id": "OTHER", "position": 1, "attempt": 1}),
    CallEvent("draw.call", "2025-03-01 02:00:00", {"draw_id": DRAW, "position": 1, "attempt": 1}),
    CallEvent("draw.call", ts(0), {"draw_id": DRAW, "position": "1", "attempt": 1}),
])
def test_malformed_events_are_input_invalid(event: CallEvent) -> None:
    rejected([call(1), event], code="INPUT_INVALID")
