"""Writes to the full-process record: appends, checkpoints, the chain's self-check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import canonical_json
from audit import chain, clock, keys, selectors
from audit.models import Checkpoint, ClockOffset, Event, Head
from audit.errors import ClockBackwards
from config.errors import NotPermitted
from config.realtime import broadcast_on_commit

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.models import User

SYSTEM = "system"


def actor_of(user: User | None) -> str:
    """The `actor` field of chain.md §3: `user:<id>`, or `system` for the platform itself."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM
    return f"user:{user.pk}"


def event_append(*, kind: str, actor: str, object: str = "", payload: dict[str, Any]) -> Event:
    """Append one event in the caller's transaction (or its own).

    Locking contract: takes the head row FOR UPDATE, so call it last in a service, after
    the service's own locks; every append in the system serialises on that row. The
    payload holds ids and hashes, never a secret (chain.md §3).
    """
    with transaction.atomic():
        # get_or_create: a test flush empties the table; the migration made the row otherwise.
        head, _ = Head.objects.select_for_update().get_or_create(pk=1)
        ts = clock.now()
        if head.ts is not None and ts < head.ts:
            ts = head.ts  # another process's clock cache may lag a jump: ts never decreases
        payload_cj = canonical_json.dumps(payload)
        event = {"seq": head.seq + 1, "ts": clock.format_ts(ts), "actor": actor, "kind": kind,
                 "object": object, "payload": canonical_json.loads(payload_cj)}
        leaf = chain.event_leaf(event)
        link = chain.audit_link(bytes.fromhex(head.link), leaf)
        row = Event.objects.create(seq=event["seq"], ts=ts, actor=actor, kind=kind, object=object,
                                   payload=payload_cj.decode(), leaf=leaf.hex(), link=link.hex())
        head.seq, head.link, head.ts = row.seq, row.link, ts
        head.save(update_fields=["seq", "link", "ts"])
    if row.seq % settings.AUDIT_CHECKPOINT_EVENTS == 0:
        from audit.tasks import checkpoint_due_task

        transaction.on_commit(checkpoint_due_task.delay)
    return row


def event_as_dict(event: Event) -> dict[str, Any]:
    """The event exactly as chain.md §3 hashes it."""
    return {"seq": event.seq, "ts": clock.format_ts(event.ts), "actor": event.actor,
            "kind": event.kind, "object": event.object,
            "payload": canonical_json.loads(event.payload.encode())}


def checkpoint_issue() -> Checkpoint:
    """Sign a tree head over every event committed so far (idempotent per size)."""
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
    broadcast_on_commit("audit", {"type": "audit.checkpoint", "size": checkpoint.size})
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
    clock.forget_cached_offset()
    current = clock.now()
    if to <= current:
        raise ClockBackwards(now=timezone.localtime(current).strftime("%Y-%m-%d %H:%M:%S"))
    row.offset_us += int((to - current).total_seconds() * 1_000_000)
    row.save(update_fields=["offset_us"])
    clock.forget_cached_offset()
    event_append(kind="clock.advance", actor=actor_of(by), object="",
                 payload={"from": clock.format_ts(current), "to": clock.format_ts(to)})
    broadcast_on_commit("clock", {"type": "clock.changed", "offset_ms": row.offset_us // 1000})
    return to
