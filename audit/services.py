"""Writes to the full-process record: appends, checkpoints, the chain's self-check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

import canonical_json
from audit import chain, clock, keys, selectors
from audit.models import Checkpoint, ClockOffset, Event, Head
from audit.errors import ClockBackwards
from config.errors import NotPermitted
from config.realtime import broadcast_on_commit

if TYPE_CHECKING:
    from accounts.models import User

SYSTEM = "system"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def actor_of(user: User | None) -> str:
    """The `actor` field of chain.md §3: `user:<id>`, or `system` for the platform itself."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM
    return f"user:{user.pk}"


# Claiming the next seq takes the head row's lock (PostgreSQL: a row lock; SQLite: the
# database write lock, taken at BEGIN IMMEDIATE) and returns the previous link and time.
_CLAIM = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, link, ts_us"
_INSERT = ("INSERT INTO audit_event (seq, ts, actor, kind, object, payload, leaf, link) "
           "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
_MOVE_HEAD = "UPDATE audit_head SET link = %s, ts_us = %s WHERE id = 1"
# PostgreSQL, when this process knows the head: one statement that moves the head only if it
# is still what we built on (the row lock, then the WHERE re-checked on the newest version),
# and inserts the event only if it did. Outside a transaction it commits by itself.
_APPEND_IF_HEAD = (
    "WITH moved AS (UPDATE audit_head SET seq = %s, link = %s, ts_us = %s "
    "WHERE id = 1 AND seq = %s AND link = %s RETURNING seq) "
    "INSERT INTO audit_event (seq, ts, actor, kind, object, payload, leaf, link) "
    "SELECT %s, %s, %s, %s, %s, %s, %s, %s FROM moved")

# The head after this process's last append: (seq, link hex, ts in µs). A guess only; the
# database decides (a rolled-back or concurrent append makes it fail and we take the lock).
_head_guess: tuple[int, str, int] | None = None


def _epoch_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _build(seq: int, prev_link: str, prev_us: int, *, actor: str, kind: str, object: str,
           payload_cj: bytes) -> Event:
    ts = max(clock.now(), EPOCH + timedelta(microseconds=prev_us))  # ts never decreases
    event = {"seq": seq, "ts": clock.format_ts(ts), "actor": actor, "kind": kind, "object": object,
             "payload": canonical_json.loads(payload_cj)}
    leaf = chain.event_leaf(event)
    link = chain.audit_link(bytes.fromhex(prev_link), leaf)
    return Event(seq=seq, ts=ts, actor=actor, kind=kind, object=object, payload=payload_cj.decode(),
                 leaf=leaf.hex(), link=link.hex())


def _values(row: Event) -> list[Any]:
    return [row.seq, connection.ops.adapt_datetimefield_value(row.ts), row.actor, row.kind, row.object,
            row.payload, row.leaf, row.link]


def _append_on_guess(**fields: Any) -> Event | None:
    guess = _head_guess
    if guess is None or connection.vendor != "postgresql":
        return None
    seq, link, ts_us = guess
    row = _build(seq + 1, link, ts_us, **fields)
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_IF_HEAD, [row.seq, row.link, _epoch_us(row.ts), seq, link, *_values(row)])
        return row if cursor.rowcount == 1 else None


def _append_locked(**fields: Any) -> Event:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM)
        claimed = cursor.fetchone()
        if claimed is None:  # a test flush emptied the table; the migration made the row otherwise
            Head.objects.get_or_create(pk=1)
            cursor.execute(_CLAIM)
            claimed = cursor.fetchone()
        row = _build(*claimed, **fields)
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH inserted AS ({_INSERT}) {_MOVE_HEAD}", [*_values(row), row.link, _epoch_us(row.ts)])
        else:
            cursor.execute(_INSERT, _values(row))
            cursor.execute(_MOVE_HEAD, [row.link, _epoch_us(row.ts)])
    return row


def event_append(*, kind: str, actor: str, object: str = "", payload: dict[str, Any]) -> Event:
    """Append one event in the caller's transaction (or on its own, committed at once).

    Locking contract: locks the head row, so call it last in a service, after the
    service's own locks; every append in the system serialises on that row until the
    transaction ends. The payload holds ids and hashes, never a secret (chain.md §3).
    This is on every write path: one statement when this process knows the head (PostgreSQL),
    else claim the next seq and write it, three round trips and the commit.
    """
    global _head_guess
    fields = {"actor": actor, "kind": kind, "object": object, "payload_cj": canonical_json.dumps(payload)}
    row = _append_on_guess(**fields) or _append_locked(**fields)
    _head_guess = (row.seq, row.link, _epoch_us(row.ts))
    row._state.adding = False
    if row.seq % settings.AUDIT_CHECKPOINT_EVENTS == 0:
        from audit.tasks import checkpoint_due_task

        transaction.on_commit(checkpoint_due_task.delay)
    return row


def event_as_dict(event: Event) -> dict[str, Any]:
    """The event exactly as chain.md §3 hashes it."""
    return {"seq": event.seq, "ts": clock.format_ts(event.ts), "actor": event.actor,
            "kind": event.kind, "object": event.object,
            "payload": canonical_json.loads(event.payload.encode())}


def durable_commit() -> None:
    """Make the surrounding transaction's commit wait for the WAL flush (PostgreSQL).

    Call it in any transaction whose result leaves the platform: its commit also flushes
    every earlier asynchronous commit, so nothing handed out can be lost in a crash.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = on")


@transaction.atomic
def checkpoint_issue() -> Checkpoint:
    """Sign a tree head over every event committed so far (idempotent per size)."""
    durable_commit()
    head, _ = Head.objects.get_or_create(pk=1)
    existing = Checkpoint.objects.filter(size=head.seq).first()
    if existing is not None:
        return existing
    root = chain.merkle_root(selectors.leaves(head.seq))
    text = chain.checkpoint_text(keys.origin(), head.seq, root, bytes.fromhex(head.link))
    note = chain.sign_note(text, keys.origin(), keys.private_key())
    checkpoint, _ = Checkpoint.objects.get_or_create(
        size=head.seq, defaults={"root": root.hex(), "link": head.link, "note": note,
                                 "created_at": clock.now()})
    return checkpoint


def checkpoint_due() -> Checkpoint | None:
    """Issue a checkpoint when 5 minutes or 1,000 events have passed since the last one."""
    head, _ = Head.objects.get_or_create(pk=1)
    last = Checkpoint.objects.order_by("-size").first()
    if last is not None and last.size == head.seq:
        return None
    if last is None or head.seq - last.size >= settings.AUDIT_CHECKPOINT_EVENTS or (
        (clock.now() - last.created_at).total_seconds() >= settings.AUDIT_CHECKPOINT_SECONDS
    ):
        return checkpoint_issue()
    return None


@transaction.atomic
def clock_advance(*, by: User, to: datetime) -> datetime:
    """Move the demo/test platform clock forward to `to` (never back: deadlines already kept stay kept)."""
    if not settings.SUNBID_DEMO_CLOCK:
        raise NotPermitted()
    if not by.has_perm("audit.advance_clock"):
        raise NotPermitted()
    row, _ = ClockOffset.objects.select_for_update().get_or_create(pk=1)
    current = timezone.now() + timedelta(microseconds=row.offset_us)  # the locked row, not a cache
    if to <= current:
        raise ClockBackwards(now=timezone.localtime(current).strftime("%Y-%m-%d %H:%M:%S"))
    row.offset_us += int((to - current).total_seconds() * 1_000_000)
    row.save(update_fields=["offset_us"])
    # This thread reads the new offset at once (inside its transaction); the other threads of
    # the process get it on commit, and a stale read of theirs cannot put the old one back.
    clock.forget_cached_offset()
    offset_us = row.offset_us
    transaction.on_commit(lambda: clock.note_offset(offset_us))
    event_append(kind="clock.advance", actor=actor_of(by), object="",
                 payload={"from": clock.format_ts(current), "to": clock.format_ts(to)})
    broadcast_on_commit("clock", {"type": "clock.changed", "offset_ms": row.offset_us // 1000})
    return to
