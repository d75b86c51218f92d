"""Reads of the full-process record."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from audit import chain
from audit.models import Checkpoint, Event


def events_filtered(*, kind: str = "", object: str = "", actor: str = "", since: datetime | None = None,
                    until: datetime | None = None) -> QuerySet[Event]:
    events = Event.objects.order_by("-seq")
    if kind:
        events = events.filter(kind__startswith=kind)
    if object:
        events = events.filter(object=object)
    if actor:
        events = events.filter(actor=actor)
    if since:
        events = events.filter(ts__gte=since)
    if until:
        events = events.filter(ts__lt=until)
    return events


def leaves(size: int) -> list[bytes]:
    return [bytes.fromhex(h) for h in
            Event.objects.filter(seq__lte=size).order_by("seq").values_list("leaf", flat=True)]


def inclusion_proof(*, seq: int, size: int) -> dict[str, object]:
    """RFC 9162 §2.1.3 proof that event `seq` is in the tree of checkpoint `size`."""
    checkpoint = Checkpoint.objects.get(size=size)
    if not 1 <= seq <= size:
        raise ValueError("seq outside the checkpoint")
    all_leaves = leaves(size)
    return {"seq": seq, "size": size, "leaf": all_leaves[seq - 1].hex(), "root": checkpoint.root,
            "proof": [h.hex() for h in chain.inclusion_proof(all_leaves, seq - 1)]}


def consistency_proof(*, old: int, new: int) -> dict[str, object]:
    """RFC 9162 §2.1.4 proof that checkpoint `old` is a prefix of checkpoint `new`."""
    old_cp, new_cp = Checkpoint.objects.get(size=old), Checkpoint.objects.get(size=new)
    if not 0 < old <= new:
        raise ValueError("old must be between 1 and new")
    return {"old": old, "new": new, "old_root": old_cp.root, "new_root": new_cp.root,
            "proof": [h.hex() for h in chain.consistency_proof(leaves(new), old)]}
