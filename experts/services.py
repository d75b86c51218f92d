"""A draw's life, in draw.md §3's order: create → freeze (+ its checkpoint) → witness →
result → calls → reveal, or abandon. One service per step, each in its own transaction,
each appending its event with the payload the verifier rebuilds (experts.draw).

Locking contract: every step locks the draw row first, then appends its audit event last
(the chain head lock). `DrawEvent`'s unique (draw, kind) makes the database refuse a second
create, freeze, witness, result, reveal or abandon whatever a caller does.
"""

from __future__ import annotations

import gc
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _g

from audit import clock
from audit.cosign import cosigned_by
from audit.models import Checkpoint, Event
from audit.services import actor_of, checkpoint_issue, event_append
from config.errors import NotPermitted
from config.realtime import broadcast_on_commit
from experts import draw as engine
from experts import draw_inputs
from experts import pool
from experts.errors import CheckpointNotCosigned, DrawNotForLot, DrawWrongState, RevealTooEarly, WitnessInvalid
from experts.models import Draw, DrawEvent, Pick
from trading.models import Kind, Listing, Lot, ResultReport, Status

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)
AWARDED = (Status.AWARDED, Status.CONTRACT_SIGNED, Status.ARCHIVED)
# RULES.md §3 (fixed price): winner and 2 backups; §6: the committee is at least 5.
CONTRACTOR_K, CONTRACTOR_M = 1, 2


def _locked(draw: Draw) -> Draw:
    # The snapshot and manifest are large and read only for records: left in the row here.
    return (Draw.objects.select_for_update(of=("self",)).select_related("lot__listing").defer("pool", "excluded")
            .get(pk=draw.pk))


def record_event(draw: Draw, kind: str, by: User | None, payload: dict[str, Any], *, broadcast: bool = True) -> Event:
    """Append `draw.<kind>` and its DrawEvent row; the row's constraint refuses a second one.
    Pages refetch the whole state on a frame, so a step appending many events sends one."""
    event = event_append(kind=f"draw.{kind}", actor=actor_of(by), object=f"draw:{draw.draw_id}", payload=payload)
    DrawEvent.objects.create(draw=draw, kind=kind, seq=event.seq)
    if broadcast:
        broadcast_on_commit(f"draw.{draw.pk}", {"type": "draw.changed", "kind": kind, "seq": event.seq})
    return event


def _require_state(draw: Draw, *states: str) -> None:
    if draw.state not in states:
        raise DrawWrongState(current=draw.get_state_display())


@dataclass
class DrawRequest:
    """What staff choose at create; the rules come from the center's avoidance settings."""

    lot: Lot
    purpose: str
    k: int
    m: int
    specialties: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    contact_attempts: int = 3
    contact_minutes: int = 20
    follows: Draw | None = None
    booking_id: int | None = None


def _next_draw_id(lot: Lot) -> str:
    n = Draw.objects.filter(lot=lot).count() + 1
    return f"DRAW-{lot.code}-{n}"


def _criteria_and_rules(req: DrawRequest) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    if req.purpose == Draw.Purpose.CONTRACTOR:
        if req.lot.listing.kind != Kind.FIXED_PRICE:
            raise DrawNotForLot(what=_g("Contractors are drawn only for fixed-price comparison lots"))
        return pool.CONTRACTOR_CRITERIA, [], 0
    if not req.specialties:
        raise DrawNotForLot(what=_g("Choose at least one specialty"))
    settings = pool.avoidance_settings()
    return (pool.expert_criteria(specialties=req.specialties, regions=req.regions),
            pool.expert_rules(req.lot, settings), settings.cooldown_days)


@transaction.atomic
def draw_create(*, by: User, request: DrawRequest) -> Draw:
    """Step 1: a secret from the CSPRNG, only its commitment on the chain."""
    if not by.has_perm("experts.run_draw"):
        raise NotPermitted()
    lot = Lot.objects.select_for_update(of=("self",)).select_related("listing__tenderer", "listing__agent").get(pk=request.lot.pk)
    request.lot = lot
    if request.purpose not in Draw.Purpose.values or request.k < 1 or request.m < 0:
        raise DrawNotForLot(what=_g("Give the number to draw (at least 1) and of backups"))
    if lot.status == Lot.LotStatus.FAILED or lot.listing.status in (Status.DRAFT, Status.SUBMITTED, Status.CANCELLED):
        raise DrawNotForLot(what=_g("The lot is not open for a draw"))
    if request.follows is not None and (request.follows.lot_id != lot.pk or request.follows.purpose != request.purpose):
        raise DrawNotForLot(what=_g("A new draw can only follow a draw of the same lot and purpose"))
    criteria, rules, cooldown = _criteria_and_rules(request)
    secret = secrets.token_bytes(32)
    contact = {"attempts": request.contact_attempts, "minutes": request.contact_minutes}
    draw = Draw.objects.create(
        draw_id=_next_draw_id(lot), lot=lot, purpose=request.purpose, k=request.k, m=request.m,
        contact_attempts=request.contact_attempts, contact_minutes=request.contact_minutes, cooldown_days=cooldown,
        follows=request.follows, booking_id=request.booking_id, secret=secret.hex(), commit=engine.commit(secret),
        criteria=criteria, rules=rules, rules_hash=engine.rules_hash(criteria, rules), created_by=by,
        created_at=clock.now())
    record_event(draw, "create", by, engine.create_payload(
        draw_id=draw.draw_id, listing=lot.code, purpose=draw.purpose, k=draw.k, m=draw.m, commit=draw.commit,
        rules_hash=draw.rules_hash, contact=contact, follows=request.follows.draw_id if request.follows else None))
    return draw


def _abandon(draw: Draw, reason: str, by: User | None) -> None:
    draw.state, draw.abandon_reason = Draw.State.ABANDONED, reason[:64]
    draw.save(update_fields=["state", "abandon_reason"])
    record_event(draw, "abandon", by, {"draw_id": draw.draw_id, "reason": draw.abandon_reason})


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while a freeze builds and then drops its pool:
    tens of thousands of acyclic dicts and lists that reference counting frees as the freeze
    returns. Left running, the collector promotes them as they outlive its young collections,
    and the promotions then set off a scan of the whole heap (about 60 ms per draw in
    `python -m bench draw`) that finds nothing to free. Nothing is skipped: cycles made in the
    meantime are collected afterwards. Process-wide, so another thread's collection also waits
    for the freeze; a pause nested in another thread's leaves the collector on at the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def draw_freeze(*, draw: Draw, by: User) -> Draw:
    """Step 2, then step 3's checkpoint: the pool, manifest and candidates fixed and hashed, the
    anchor taken from the freeze event's link, and a checkpoint covering it signed once that
    has committed. Too few candidates abandon the draw (INSUFFICIENT_CANDIDATES)."""
    with _collector_paused():
        return _draw_freeze(draw=draw, by=by)


def _draw_freeze(*, draw: Draw, by: User) -> Draw:
    with transaction.atomic():
        draw = _locked(draw)
        if not by.has_perm("experts.run_draw"):
            raise NotPermitted()
        _require_state(draw, Draw.State.CREATED)
        frozen = engine.freeze(pool.members_at_freeze(draw, clock.now()), draw.criteria, draw.rules)
        draw.pool, draw.pool_snapshot_hash = frozen.pool, frozen.pool_snapshot_hash
        draw.excluded, draw.excluded_hash = frozen.excluded, frozen.excluded_hash
        draw.candidates, draw.candidates_hash = frozen.candidates, frozen.candidates_hash
        draw.n_pool, draw.n_excluded, draw.n_candidates = len(frozen.pool), len(frozen.excluded), len(frozen.candidates)
        draw.state = Draw.State.FROZEN
        event = record_event(draw, "freeze", by, engine.freeze_payload(draw.draw_id, frozen))
        draw.anchor = event.link
        draw.save(update_fields=["pool", "pool_snapshot_hash", "excluded", "excluded_hash", "candidates",
                                 "candidates_hash", "n_pool", "n_excluded", "n_candidates", "state", "anchor"])
        if draw.n_candidates < draw.k:
            _abandon(draw, "INSUFFICIENT_CANDIDATES", by)
            return draw
    return draw_checkpoint(draw=draw)


def draw_checkpoint(*, draw: Draw) -> Draw:
    """A checkpoint covering the freeze, issued after it committed; the supervisor cosigns it."""
    checkpoint = checkpoint_issue()
    with transaction.atomic():
        draw = _locked(draw)
        freeze_seq = DrawEvent.objects.get(draw=draw, kind="freeze").seq
        if draw.state == Draw.State.FROZEN and checkpoint.size >= freeze_seq and draw.checkpoint_size is None:
            draw.checkpoint_size = checkpoint.size
            draw.save(update_fields=["checkpoint_size"])
            broadcast_on_commit(f"draw.{draw.pk}", {"type": "draw.changed", "kind": "checkpoint"})
    return draw


def freeze_checkpoint(draw: Draw) -> Checkpoint | None:
    return Checkpoint.objects.filter(size=draw.checkpoint_size).first() if draw.checkpoint_size else None


def freeze_cosigned(draw: Draw) -> bool:
    checkpoint = freeze_checkpoint(draw)
    supervisor = draw.lot.supervisor
    return bool(checkpoint and supervisor and cosigned_by(checkpoint, supervisor))


@transaction.atomic
def draw_witness(*, draw: Draw, by: User, witness: str) -> Draw:
    """Step 4: the supervisor's dice digits, only under the cosigned freeze checkpoint. Nothing
    else happens in this transaction: the value is committed before anything uses it."""
    draw = _locked(draw)
    if not by.has_perm("experts.witness_draw", draw):
        raise NotPermitted()
    witness = witness.strip()
    try:
        draw_inputs.witness(witness)
    except engine.DrawError:
        raise WitnessInvalid() from None
    _require_state(draw, Draw.State.FROZEN)
    checkpoint = freeze_checkpoint(draw)
    if checkpoint is None or not cosigned_by(Checkpoint.objects.select_for_update().get(pk=checkpoint.pk), by):
        raise CheckpointNotCosigned()
    checkpoint.refresh_from_db()
    draw.witness, draw.checkpoint_note = witness, checkpoint.note
    draw.state, draw.witnessed_at = Draw.State.WITNESSED, clock.now()
    draw.save(update_fields=["witness", "checkpoint_note", "state", "witnessed_at"])
    record_event(draw, "witness", by, engine.witness_payload(draw.draw_id, witness, checkpoint.size))
    return draw


def draw_result(*, draw: Draw, by: User | None) -> Draw:
    """Step 5: compute §4 and record the result, then call positions 1..k. Any failure abandons
    the draw with its reason in a transaction of its own: a witnessed draw is never re-run."""
    from experts import calls

    try:
        with transaction.atomic():
            draw = _locked(draw)
            _require_state(draw, Draw.State.WITNESSED)
            outcome = engine.draw(secret=bytes.fromhex(draw.secret), draw_id=draw.draw_id,
                                  candidates=draw.candidates, anchor=draw.anchor, witness=draw.witness,
                                  k=draw.k, m=draw.m)
            draw.drawn, draw.backups, draw.result = list(outcome.drawn), list(outcome.backups), outcome.result
            draw.state = Draw.State.DRAWN
            draw.save(update_fields=["drawn", "backups", "result", "state"])
            record_event(draw, "result", by, engine.result_payload(draw.draw_id, outcome.result, len(outcome.picks)))
            calls.picks_create(draw, outcome.picks)
            calls.first_calls(draw)
            if draw.purpose == Draw.Purpose.CONTRACTOR:
                _reveal(draw, by, broadcast=False)  # contractor draws: at once (draw.md §3 step 7)
            return draw
    except DrawWrongState:
        raise
    except Exception as e:  # noqa: BLE001 - every failure after the witness abandons (draw.md §3 step 5)
        reason = e.code if isinstance(e, engine.DrawError) else f"ERROR_{type(e).__name__.upper()}"
        log.exception("draw %s failed after its witness; abandoning it", draw.draw_id)
        return draw_abandon(draw=draw, by=by, reason=reason)


def draw_witness_and_run(*, draw: Draw, by: User, witness: str) -> Draw:
    draw = draw_witness(draw=draw, by=by, witness=witness)
    return draw_result(draw=draw, by=by)


@transaction.atomic
def draw_abandon(*, draw: Draw, by: User | None, reason: str) -> Draw:
    """End a draw that can no longer be completed; it is never re-run, a new one follows it."""
    draw = _locked(draw)
    if by is not None and not by.has_perm("experts.run_draw") and not by.has_perm("experts.witness_draw", draw):
        raise NotPermitted()
    _require_state(draw, Draw.State.CREATED, Draw.State.FROZEN, Draw.State.WITNESSED)
    _abandon(draw, reason, by)
    return draw


def award_published(lot: Lot) -> bool:
    listing = Listing.objects.only("status").get(pk=lot.listing_id)
    return listing.status in AWARDED or ResultReport.objects.filter(lot=lot, awarded_at__isnull=False).exists()


def _reveal(draw: Draw, by: User | None, *, broadcast: bool = True) -> None:
    draw.state, draw.revealed_at = Draw.State.REVEALED, clock.now()
    draw.save(update_fields=["state", "revealed_at"])
    record_event(draw, "reveal", by, engine.reveal_payload(draw.draw_id, bytes.fromhex(draw.secret)),
                 broadcast=broadcast)


@transaction.atomic
def draw_reveal(*, draw: Draw, by: User | None) -> Draw:
    """Step 7 for expert draws: the secret, once the award is published."""
    draw = _locked(draw)
    if by is not None and not by.has_perm("experts.run_draw"):
        raise NotPermitted()
    _require_state(draw, Draw.State.DRAWN)
    if not award_published(draw.lot):
        raise RevealTooEarly()
    _reveal(draw, by)
    return draw


# A witnessed draw whose result has not followed within this long was interrupted (a crash
# between the two transactions): it is abandoned, never run again.
INTERRUPTED_AFTER_SECONDS = 120


def draws_due() -> dict[str, int]:
    """Beat's sweep: reveal expert draws whose award is out; abandon interrupted ones."""
    revealed = abandoned = 0
    for draw in Draw.objects.filter(state=Draw.State.DRAWN, purpose=Draw.Purpose.EXPERT).select_related("lot"):
        if award_published(draw.lot):
            draw_reveal(draw=draw, by=None)
            revealed += 1
    stale = clock.now().timestamp() - INTERRUPTED_AFTER_SECONDS
    for draw in Draw.objects.filter(state=Draw.State.WITNESSED):
        if draw.witnessed_at and draw.witnessed_at.timestamp() < stale:
            draw_abandon(draw=draw, by=None, reason="INTERRUPTED")
            abandoned += 1
    return {"revealed": revealed, "abandoned": abandoned}


def draw_seq(draw: Draw, kind: str) -> int | None:
    return DrawEvent.objects.filter(draw=draw, kind=kind).values_list("seq", flat=True).first()


__all__ = ["DrawRequest", "Pick", "award_published", "draw_abandon", "draw_checkpoint", "draw_create",
           "draw_freeze", "draw_result", "draw_reveal", "draw_seq", "draw_witness", "draw_witness_and_run",
           "draws_due", "freeze_checkpoint", "freeze_cosigned", "record_event"]
