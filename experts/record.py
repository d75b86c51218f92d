"""The inspectors' draw record (draw.md §6) from the database, its export and its check with
the standalone verifier's own code (so the platform's check and an inspector's agree)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import canonical_json
from audit import chain, keys
from audit.cosign import cosigner_name
from audit.integrity import export as audit_export
from audit.models import Cosignature
from experts import draw as engine
from experts.models import Draw
from experts.selectors import seqs

WITH_RESULT = (Draw.State.DRAWN, Draw.State.REVEALED)


class NoRecord(Exception):
    """The draw has no result, so there is no record to verify (it may be abandoned)."""


def draw_record(draw: Draw) -> dict[str, Any]:
    if draw.state not in WITH_RESULT:
        raise NoRecord(draw.state)
    frozen = engine.Freeze(draw.pool, draw.pool_snapshot_hash, draw.excluded, draw.excluded_hash, draw.candidates,
                           draw.candidates_hash)
    outcome = engine.DrawOutcome(draw.candidates_hash, b"", tuple(draw.drawn), tuple(draw.backups), draw.result)
    events = seqs(draw)
    return engine.build_record(
        draw_id=draw.draw_id, listing=draw.lot.code, purpose=draw.purpose, k=draw.k, m=draw.m,
        contact={"attempts": draw.contact_attempts, "minutes": draw.contact_minutes},
        follows=draw.follows.draw_id if draw.follows_id else None, secret=bytes.fromhex(draw.secret),
        criteria=draw.criteria, rules=draw.rules, frozen=frozen, anchor=draw.anchor, checkpoint=draw.checkpoint_note,
        witness=draw.witness, outcome=outcome, events={k: events[k] for k in engine.DRAW_KINDS})


def write_record(draw: Draw, path: Path) -> None:
    path.write_bytes(canonical_json.dumps(draw_record(draw)))  # exactly CJ: the verifier refuses anything else


def export_all(directory: Path) -> list[str]:
    """DIR/<draw_id>.json for every draw with a result, and DIR/audit/ (chain.md §6)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for draw in Draw.objects.filter(state__in=WITH_RESULT).select_related("lot", "follows").order_by("pk"):
        write_record(draw, directory / f"{draw.draw_id}.json")
        written.append(draw.draw_id)
    audit_export(directory / "audit")
    return written


def supervisor_key(draw: Draw) -> bytes | None:
    """The cosigner key whose cosignature the draw's witness relied on."""
    row = (Cosignature.objects.filter(checkpoint__size=draw.checkpoint_size, cosigner_id=draw.lot.supervisor_id)
           .select_related("key").first())
    return bytes.fromhex(row.key.public_key) if row else None


def verify(draw: Draw) -> list[str]:
    """All of §7 against a fresh export; returns the verifier's lines or raises DrawError."""
    record = draw_record(draw)
    supervisor = supervisor_key(draw)
    # The cosigner keys come from keys.json here, and the lot supervisor's own cosignature of the
    # freeze checkpoint is checked below: passing --supervisor-pk would also demand cosigned bid
    # deadlines (chain.md §6 step 3), which the opening issue adds, not this one.
    if supervisor is None or chain.verify_cosignature(chain.parse_note(record["checkpoint"]),
                                                      cosigner_name(draw.lot.supervisor), supervisor) is None:
        raise engine.DrawError("FREEZE_CHECKPOINT", "not cosigned by the lot's supervisor")
    with tempfile.TemporaryDirectory(prefix="sunbid-draw-") as tmp:
        audit_export(Path(tmp))
        others = engine.verify_with_audit(record, Path(tmp), trusted_pk=keys.public_key())
    return ["OK " + " ".join(record["drawn"])] + [other.line() for other in others]
