"""Calling the drawn (draw.md §3 step 6): positions 1..k first, a seat freed only by the
person's own decline or conflict on the registered channel, or by the no-answer rule; the
freed seat goes to the lowest backup not yet called. No re-roll.

Each step replays the chain's call events of the draw plus the one about to be appended
with the verifier's own code (experts.draw.replay_calls), so a step the rules forbid is
refused before it is recorded, and the Pick rows mirror the replayed state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

import canonical_json
from accounts.models import Organisation, User
from accounts.notifications import notify
from audit import clock
from audit.models import Event
from experts import draw as engine
from experts.errors import CallRefused, DrawWrongState
from experts.models import Draw, Expert, Pick, Reply
from config.realtime import broadcast_on_commit
from experts.services import _locked, record_event

if TYPE_CHECKING:
    from experts.draw_calls import CallState

ANSWERS = {"accept": Pick.CallStatus.ACCEPTED, "decline": Pick.CallStatus.DECLINED,
           "conflict": Pick.CallStatus.CONFLICT}
OPEN = (Draw.State.DRAWN, Draw.State.REVEALED)


def _call_event(e: Event) -> engine.CallEvent:
    return engine.CallEvent(e.kind, clock.format_ts(e.ts), canonical_json.loads(e.payload.encode()))


def chain_calls(draw: Draw) -> list[engine.CallEvent]:
    rows = Event.objects.filter(object=f"draw:{draw.draw_id}", kind__in=engine.CALL_KINDS).order_by("seq")
    return [_call_event(e) for e in rows]


def replay(draw: Draw, extra: Sequence[engine.CallEvent] = (), *,
           chain: list[engine.CallEvent] | None = None) -> CallState:
    """Replay the draw's call events on the chain (`chain`: as already read in this transaction)."""
    return engine.replay_calls(draw_id=draw.draw_id, k=draw.k, picks=len(draw.picks),
                               contact={"attempts": draw.contact_attempts, "minutes": draw.contact_minutes},
                               events=[*(chain_calls(draw) if chain is None else chain), *extra])


def _append(draw: Draw, kind: str, payload: dict[str, Any], by: User | None, *,
            chain: list[engine.CallEvent] | None = None) -> CallState:
    """Replay with the new event first (CALL_ORDER refuses it), then record it. A `chain` read
    earlier in this transaction gets the event as recorded, so it stays what a new read returns."""
    try:
        state = replay(draw, [engine.CallEvent(f"draw.{kind}", clock.format_ts(clock.now()), payload)], chain=chain)
    except engine.DrawError as e:
        raise CallRefused(why=e.detail or e.code) from None
    event = record_event(draw, kind, by, payload, broadcast=False)  # the step sends one frame (_changed)
    if chain is not None:
        chain.append(_call_event(event))
    return state


def _changed(draw: Draw) -> None:
    broadcast_on_commit(f"draw.{draw.pk}", {"type": "draw.changed", "kind": "calls", "seq": None})


def picks_create(draw: Draw, picks: Sequence[str]) -> None:
    """Who holds each position: an expert by registry number, a contractor by credit code."""
    if draw.purpose == Draw.Purpose.EXPERT:
        experts = dict(Expert.objects.filter(code__in=picks).values_list("code", "pk"))
        rows = [Pick(draw=draw, position=p, member=m, expert_id=experts[m]) for p, m in enumerate(picks, 1)]
    else:
        orgs = dict(Organisation.objects.filter(credit_code__in=picks).values_list("credit_code", "pk"))
        rows = [Pick(draw=draw, position=p, member=m, organisation_id=orgs[m]) for p, m in enumerate(picks, 1)]
    Pick.objects.bulk_create(rows)


def recipients(pick: Pick) -> list[User]:
    """Who answers for a position: the expert's account, or the drawn firm's active bidders."""
    if pick.expert_id is not None:
        user = pick.expert.user
        return [user] if user is not None and user.is_active else []
    return list(User.objects.filter(organisation_id=pick.organisation_id, role=User.Role.BIDDER, is_active=True))


def _notify_call(draw: Draw, pick: Pick) -> None:
    lot = draw.lot
    if draw.purpose == Draw.Purpose.EXPERT:
        subject = _("Evaluation call: %(lot)s") % {"lot": lot.code}
        body = _("You were drawn as an evaluation expert for %(lot)s (%(title)s). Please confirm or decline on "
                 "the platform, or declare a conflict of interest. Keep this call confidential.") % {
            "lot": lot.code, "title": lot.title}
    else:
        subject = _("Contractor draw: %(lot)s") % {"lot": lot.code}
        body = _("Your firm was drawn as the contractor for %(lot)s (%(title)s). Please accept or decline "
                 "on the platform.") % {"lot": lot.code, "title": lot.title}
    notify(recipients(pick), subject=subject, body=body, link=f"/experts/calls/{pick.pk}/")


def _sync(draw: Draw, state: CallState) -> None:
    """Mirror the replayed state on the Pick rows: the changed ones, in one statement (a row
    whose status is not changed gets back the status just read; the caller holds the draw's
    lock, which every writer of a pick's status takes first)."""
    seated = {p for p in state.seats if p is not None}
    changed, names = [], set()
    for pick in Pick.objects.filter(draw=draw):
        calls = state.calls.get(pick.position, [])
        fields = {"seated": pick.position in seated, "attempts": len(calls),
                  "first_called_at": calls[0] if calls else None, "last_called_at": calls[-1] if calls else None}
        if calls and pick.status == Pick.CallStatus.WAITING:
            fields["status"] = Pick.CallStatus.CALLED
        if any(getattr(pick, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(pick, k, v)
            changed.append(pick)
            names |= fields.keys()
    if changed:
        Pick.objects.bulk_update(changed, sorted(names))


def _call(draw: Draw, position: int, by: User | None, *, pick: Pick | None = None,
          chain: list[engine.CallEvent] | None = None) -> CallState:
    if pick is None:
        pick = Pick.objects.select_related("expert__user").get(draw=draw, position=position)
    state = _append(draw, "call", {"draw_id": draw.draw_id, "position": position, "attempt": pick.attempts + 1}, by,
                    chain=chain)
    pick.attempts += 1
    _notify_call(draw, pick)
    return state


def _call_waiting(draw: Draw, by: User | None) -> None:
    """Make the first call of every seat holder not yet called, lowest position first.

    The chain's call events and the picks are read once: the draw's row lock, held by the
    caller, keeps every other step of this draw out until the transaction ends, and each
    call made here is added to what was read (see _append)."""
    chain = chain_calls(draw)
    state = replay(draw, chain=chain)
    if state.next_to_call is not None:
        picks = {p.position: p for p in Pick.objects.select_related("expert__user").filter(draw=draw)}
        while state.next_to_call is not None:
            state = _call(draw, state.next_to_call, by, pick=picks.get(state.next_to_call), chain=chain)
    _sync(draw, state)


def first_calls(draw: Draw) -> None:
    """Right after the result: call positions 1..k (in the result's transaction)."""
    _call_waiting(draw, None)


def _pick_for(pick: Pick) -> tuple[Draw, Pick]:
    draw = _locked(pick.draw)
    if draw.state not in OPEN:
        raise DrawWrongState(current=draw.get_state_display())
    return draw, Pick.objects.select_related("expert__user", "draw").get(pk=pick.pk)


def received_text(draw: Draw, pick: Pick, answer: str, text: str) -> bytes:
    """The reply as received: what its SHA-256 on the chain is taken over."""
    return canonical_json.dumps({"answer": answer, "draw_id": draw.draw_id, "position": pick.position,
                                 "text": text})


@transaction.atomic
def call_reply(*, pick: Pick, by: User, answer: str, text: str = "") -> Pick:
    """The drawn person's own reply on the platform (the registered channel); a decline or a
    declared conflict frees the seat for the next backup, who is called at once."""
    draw, pick = _pick_for(pick)
    if answer not in ANSWERS or not by.has_perm("experts.reply_call") or by not in recipients(pick):
        raise CallRefused(why=_("only the person called can answer, with accept, decline or conflict"))
    received = received_text(draw, pick, answer, text)
    digest = hashlib.sha256(received).hexdigest()
    _append(draw, "reply", {"draw_id": draw.draw_id, "position": pick.position, "answer": answer,
                            "reply_sha256": digest}, by)
    Reply.objects.create(pick=pick, answer=answer, text=text, received=received.decode(), sha256=digest,
                         received_at=clock.now())
    Pick.objects.filter(pk=pick.pk).update(status=ANSWERS[answer])
    _call_waiting(draw, by)
    _changed(draw)
    return Pick.objects.get(pk=pick.pk)


@transaction.atomic
def call_again(*, pick: Pick, by: User) -> Pick:
    """Staff call a seat holder who has not answered once more (the next attempt)."""
    draw, pick = _pick_for(pick)
    if not by.has_perm("experts.run_draw"):
        raise CallRefused(why=_("only center staff make calls"))
    if pick.status in (Pick.CallStatus.ACCEPTED, Pick.CallStatus.DECLINED, Pick.CallStatus.CONFLICT):
        raise CallRefused(why=_("this position has already answered"))
    _sync(draw, _call(draw, pick.position, by))
    _changed(draw)
    return Pick.objects.get(pk=pick.pk)


@transaction.atomic
def call_no_answer(*, pick: Pick, by: User) -> Pick:
    """After the contact rule's attempts and minutes: the seat goes to the next backup."""
    draw, pick = _pick_for(pick)
    if not by.has_perm("experts.run_draw"):
        raise CallRefused(why=_("only center staff record a no-answer"))
    _append(draw, "no_answer", {"draw_id": draw.draw_id, "position": pick.position}, by)
    Pick.objects.filter(pk=pick.pk).update(status=Pick.CallStatus.NO_ANSWER)
    _call_waiting(draw, by)
    _changed(draw)
    return Pick.objects.get(pk=pick.pk)
