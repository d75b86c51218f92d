"""Export the record in chain.md §6's layout and check it with the standalone verifier,
so the platform's own check and an inspector's are the same code."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from audit import chain, clock, export_format, keys, verify
from audit.cosign import cosigner_key_entries
from audit.models import ChainCheck, Checkpoint, Event, Head
from audit.services import actor_of, event_as_dict, event_append
from config.errors import NotPermitted

if TYPE_CHECKING:
    from accounts.models import User


def _rows(size: int) -> Iterator[dict[str, Any]]:
    for event in Event.objects.filter(seq__lte=size).order_by("seq").iterator(chunk_size=5000):
        row = event_as_dict(event)
        row["leaf"], row["link"] = event.leaf, event.link
        yield row


def export(directory: Path) -> int:
    """Write the export of every committed event and checkpoint; return its size."""
    with transaction.atomic():
        # One snapshot: rows and checkpoints of the same moment (REPEATABLE READ on PostgreSQL
        # is not needed: rows are append-only, so fixing the size fixes the rows).
        size = Head.objects.get_or_create(pk=1)[0].seq
        notes = list(Checkpoint.objects.filter(size__lte=size).order_by("size").values_list("note", flat=True))
    platform = export_format.key_entry(keys.origin(), keys.public_key(), chain.NOTE_SIGNATURE)
    cosigners = [export_format.key_entry(name, pk, chain.COSIGNATURE) for name, pk in cosigner_key_entries()]
    return export_format.write_export(directory, _rows(size), notes, [platform], cosigners)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    size: int
    code: str = ""
    seq: int | None = None


def verify_directory(directory: Path, trusted_pk: bytes | None = None) -> Outcome:
    """Run the standalone verifier's checks on an export; `size` is the rows it walked."""
    try:
        trust = verify.trust_from(directory, trusted_pk, None)
        size = verify.verify_export(directory, trust, workers=1)
    except verify.Failure as failure:
        return Outcome(ok=False, size=failure.seq, code=failure.code, seq=failure.seq)
    return Outcome(ok=True, size=size)


def verify_database() -> Outcome:
    with tempfile.TemporaryDirectory(prefix="sunbid-audit-") as tmp:
        export(Path(tmp))
        return verify_directory(Path(tmp), trusted_pk=keys.public_key())


def chain_check_run(*, by: User | None) -> ChainCheck:
    """Verify the whole record now, keep the outcome for the audit browser, and record the look."""
    if by is not None and not by.has_perm("audit.verify_chain"):
        raise NotPermitted()
    outcome = verify_database()
    check = ChainCheck.objects.create(checked_at=clock.now(), size=outcome.size, ok=outcome.ok,
                                      code=outcome.code, seq=outcome.seq)
    event_append(kind="audit.verified", actor=actor_of(by), object="",
                 payload={"size": outcome.size, "ok": outcome.ok, "code": outcome.code})
    return check
