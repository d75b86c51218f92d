"""Replaying a draw's calls (draw.md §3 step 6): who holds each seat, who is called next.

Pure: stdlib only. The verifier replays the chain's `draw.call`, `draw.reply` and
`draw.no_answer` events; services replay the same events plus the one they are about to
append, so a call the rules forbid is refused before it is recorded.

How we read step 6:
- Position p is the p-th pick (1 = first drawn). Seat i starts with position i (i ≤ k).
- First calls go in pick order: a position's first call comes after every lower position's
  first call, and only to a position holding a seat.
- A seat frees on the holder's own `decline` or `conflict` reply, or on `draw.no_answer`
  after ≥ contact.attempts calls whose first and last lie ≥ contact.minutes apart. It then
  goes to the lowest backup position that has not yet held a seat.
- A reply with `reply_sha256` null was recorded by staff, not received from the expert on
  the registered channel: it is kept on the record but changes nothing.
- Any event for a position without a seat, a reply before a call, a premature no-answer,
  or an attempt number out of sequence is CALL_ORDER.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from experts import draw_inputs as inputs
from experts.draw_inputs import DrawError

__all__ = ["CALL_KINDS", "CallEvent", "CallState", "check_contact", "next_position_to_call",
           "replay_calls"]

CALL_KINDS = frozenset({"draw.call", "draw.reply", "draw.no_answer"})
_ANSWERS = frozenset({"accept", "decline", "conflict"})
_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_PAYLOAD_KEYS = {
    "draw.call": {"draw_id", "position", "attempt"},
    "draw.reply": {"draw_id", "position", "answer", "reply_sha256"},
    "draw.no_answer": {"draw_id", "position"},
}


@dataclass(frozen=True)
class CallEvent:
    """One call event as the chain holds it: its kind, server time and payload."""

    kind: str
    ts: str
    payload: Mapping[str, Any]


@dataclass
class CallState:
    """The seats after a replay. `seats[i]` is seat i+1's holder, None once backups ran out."""

    seats: list[int | None]
    picks: int
    next_backup: int
    calls: dict[int, list[datetime]] = field(default_factory=dict)  # each position's call times
    accepted: set[int] = field(default_factory=set)  # seat holders who accepted in their own reply

    @property
    def next_to_call(self) -> int | None:
        """The lowest seat holder never called yet: the next first call to make."""
        waiting = [p for p in self.seats if p is not None and p not in self.calls]
        return min(waiting, default=None)

    @property
    def exhausted(self) -> bool:
        """A seat is empty: a new draw must `follow` this one (no re-roll)."""
        return None in self.seats


def check_contact(contact: Any) -> dict[str, int]:
    """`{"attempts" ≥ 1, "minutes" ≥ 0}`, the no-answer rule of draw.create."""
    if not isinstance(contact, Mapping) or set(contact) != {"attempts", "minutes"}:
        raise DrawError("INPUT_INVALID", f"contact {contact!r}")
    return {"attempts": inputs.count(contact["attempts"], "contact attempts"),
            "minutes": inputs.nonnegative(contact["minutes"], "contact minutes")}


def _time(ts: Any) -> datetime:
    if not isinstance(ts, str) or not _TS.fullmatch(ts):
        raise DrawError("INPUT_INVALID", f"ts {ts!r}")
    try:
        return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        raise DrawError("INPUT_INVALID", f"ts {ts!r}") from None


def _order(detail: str) -> DrawError:
    return DrawError("CALL_ORDER", detail)


def _free(state: CallState, position: int) -> None:
    seat = state.seats.index(position)
    state.seats[seat] = state.next_backup if state.next_backup <= state.picks else None
    state.next_backup += 1
    state.accepted.discard(position)


def _call(state: CallState, p: int, attempt: Any, when: datetime) -> None:
    if p not in state.calls and p != state.next_to_call:
        raise _order(f"position {p} called before a lower position")
    done = state.calls.setdefault(p, [])
    if inputs.count(attempt, "attempt") != len(done) + 1:
        raise _order(f"position {p}: attempt {attempt} after {len(done)} calls")
    done.append(when)


def _reply(state: CallState, p: int, payload: Mapping[str, Any]) -> None:
    answer, digest = payload["answer"], payload["reply_sha256"]
    if answer not in _ANSWERS:
        raise DrawError("INPUT_INVALID", f"answer {answer!r}")
    if digest is not None:
        inputs.hex32(digest, "reply_sha256")
    if p not in state.calls:
        raise _order(f"position {p} replied before being called")
    if digest is None:
        return  # recorded by staff: does not count (§3 step 6)
    if answer == "accept":
        state.accepted.add(p)
    else:
        _free(state, p)


def _no_answer(state: CallState, p: int, contact: Mapping[str, int]) -> None:
    done = state.calls.get(p, [])
    if p in state.accepted:
        raise _order(f"no-answer for position {p}, which accepted")
    if len(done) < contact["attempts"] or done[-1] - done[0] < timedelta(minutes=contact["minutes"]):
        raise _order(f"no-answer for position {p} before the contact rule was met")
    _free(state, p)


def _apply(state: CallState, event: CallEvent, draw_id: str, contact: Mapping[str, int]) -> None:
    keys = _PAYLOAD_KEYS.get(event.kind)
    payload = event.payload
    if keys is None or not isinstance(payload, Mapping) or set(payload) != keys:
        raise DrawError("INPUT_INVALID", f"{event.kind} payload {payload!r}")
    when = _time(event.ts)
    p = inputs.count(payload["position"], "position")
    if payload["draw_id"] != draw_id:
        raise DrawError("INPUT_INVALID", f"{event.kind} for draw {payload['draw_id']!r}")
    if p not in state.seats:
        raise _order(f"{event.kind} for position {p}, which holds no seat")
    if event.kind == "draw.call":
        _call(state, p, payload["attempt"], when)
    elif event.kind == "draw.reply":
        _reply(state, p, payload)
    else:
        _no_answer(state, p, contact)


def replay_calls(*, draw_id: str, k: int, picks: int, contact: Any,
                 events: Iterable[CallEvent]) -> CallState:
    """Replay the call events in chain order; raise DrawError(CALL_ORDER) at the first breach."""
    k, picks = inputs.count(k, "k"), inputs.count(picks, "picks")
    if picks < k:
        raise DrawError("INPUT_INVALID", f"{picks} picks for k={k}")
    rule = check_contact(contact)
    state = CallState(list(range(1, k + 1)), picks, k + 1)
    for event in events:
        _apply(state, event, draw_id, rule)
    return state


def next_position_to_call(*, draw_id: str, k: int, picks: int, contact: Any,
                          events: Iterable[CallEvent]) -> int | None:
    """The position whose first call is due, or None while every seat holder has been called."""
    return replay_calls(draw_id=draw_id, k=k, picks=picks, contact=contact, events=events).next_to_call
