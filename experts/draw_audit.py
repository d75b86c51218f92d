"""draw.md §7 with the audit export: every step, the chain's included (chain.md §6).

Pure: stdlib, `cryptography`, canonical_json and the audit chain and verifier modules.
Step 1 is `audit.verify`'s own check of the export; the draw's steps then read the rows.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit import chain, export_format, verify
from experts.draw_calls import CALL_KINDS, CallEvent, replay_calls
from experts.draw_inputs import DrawError
from experts.draw_record import (DRAW_KINDS, check_record, create_payload, freeze_payload,
                                 record_freeze, result_payload, reveal_payload, verify_commit,
                                 verify_freeze, verify_result, witness_payload)

__all__ = ["OtherDraw", "verify_with_audit"]

Row = dict[str, Any]
_ABANDON = "draw.abandon"
# A draw's state is named by the latest of its lifecycle events the chain holds.
_STATES = {"draw.create": "created", "draw.freeze": "frozen", "draw.witness": "witnessed",
           "draw.result": "drawn", "draw.reveal": "revealed", _ABANDON: "abandoned"}


@dataclass(frozen=True)
class OtherDraw:
    """Another draw of the same listing and purpose (§7 step 10)."""

    draw_id: str
    state: str
    follows: str | None

    def line(self) -> str:
        return f"DRAW {self.draw_id} {self.state}" + (f" follows {self.follows}" if self.follows else "")


@dataclass
class DrawEvents:
    """One draw's rows in chain order, by kind."""

    by_kind: dict[str, list[Row]] = field(default_factory=dict)
    calls: list[Row] = field(default_factory=list)

    def one(self, kind: str) -> Row:
        return self.by_kind[f"draw.{kind}"][0]


@dataclass
class _Export:
    rows: list[Row]
    trust: verify.Trust
    cosigners: list[bytes]  # whose cosignature counts as the supervisor's


def _say_which_keys(trust: verify.Trust, platform: bool, supervisor: bool) -> None:
    """§9: keys taken from keys.json came with the export they check, so say so (on stderr,
    as audit.verify does, leaving stdout to the result)."""
    if platform:
        kid = chain.key_id(trust.origin or "", trust.keys[0][0], chain.NOTE_SIGNATURE).hex()
        print(f"experts.draw: no --trusted-pk, so trusting platform key {kid} of keys.json, which "
              "came with the export; pass the key from the notice to rule out a forgery",
              file=sys.stderr)
    if supervisor:
        print("experts.draw: no --supervisor-pk, so accepting the cosignature of any cosigner in "
              "keys.json; pass the supervisor's key, obtained outside the platform, to rule out a "
              "forgery", file=sys.stderr)


def _step1_export(directory: Path, trusted_pk: bytes | None, supervisor_pk: bytes | None) -> _Export:
    """The audit verifier's check of the export, then its rows (already proven well-formed)."""
    try:
        trust = verify.trust_from(directory, trusted_pk, supervisor_pk)
        _say_which_keys(trust, trusted_pk is None, supervisor_pk is None)
        verify.verify_export(directory, trust)
        blob = export_format.read_audit(directory)
        cosigners = ([supervisor_pk] if supervisor_pk is not None
                     else [c.pk for c in export_format.read_keys(directory).cosigners])
    except verify.Failure as failure:
        raise DrawError(failure.code, f"seq={failure.seq}") from None
    except export_format.ExportError as e:
        raise DrawError("INPUT_INVALID", str(e)) from None
    rows = [json.loads(line) for line in blob.split(b"\n")[:-1]]
    return _Export(rows, trust, cosigners)


def _draw_events(rows: Sequence[Row], draw_id: str) -> DrawEvents:
    mine = DrawEvents()
    for row in rows:
        if row["object"] != f"draw:{draw_id}":
            continue
        if row["kind"] in CALL_KINDS:
            mine.calls.append(row)
        else:
            mine.by_kind.setdefault(row["kind"], []).append(row)
    return mine


def _step2_order(record: Mapping[str, Any], mine: DrawEvents) -> None:
    # An abandoned draw usually lacks a result too; its abandonment is the finding.
    if _ABANDON in mine.by_kind:
        raise DrawError("ABANDONED")
    seqs = []
    for kind in DRAW_KINDS:
        found = [row["seq"] for row in mine.by_kind.get(f"draw.{kind}", [])]
        stated = record["events"][kind]
        if found != ([] if stated is None else [stated]):
            raise DrawError("ORDER", f"draw.{kind} at {found}, the record says {stated}")
        seqs += found
    if seqs != sorted(seqs) or any(row["seq"] < record["events"]["result"] for row in mine.calls):
        raise DrawError("ORDER", "events out of order")


def _supervisor_cosigned(note: chain.Note, cosigners: Sequence[bytes]) -> bool:
    """A cosigner's line that fails is a failure even beside a valid one (chain.md §6)."""
    times = [t for pk in cosigners for t in chain.cosigner_times(note.text, note.signatures, pk)]
    return bool(times) and None not in times


def _step3_checkpoint(record: Mapping[str, Any], export: _Export, mine: DrawEvents) -> int:
    """The freeze checkpoint: signed, cosigned, this export's tree, between freeze and witness."""
    try:
        note = chain.parse_note(record["checkpoint"])
    except chain.ChainError:
        raise DrawError("FREEZE_CHECKPOINT", "not a checkpoint note") from None
    origin = export.trust.origin or note.origin
    signed = note.origin == origin and any(
        chain.signed_by(note.text, note.signatures, origin, pk) for pk in export.trust.keys_for(note.size))
    if not signed or not _supervisor_cosigned(note, export.cosigners):
        raise DrawError("FREEZE_CHECKPOINT", "signature or cosignature")
    rows = export.rows
    if not 0 < note.size <= len(rows):
        raise DrawError("FREEZE_CHECKPOINT", "size beyond the export")
    leaves = [bytes.fromhex(row["leaf"]) for row in rows[:note.size]]
    if chain.merkle_root(leaves) != note.root or rows[note.size - 1]["link"] != note.link.hex():
        raise DrawError("FREEZE_CHECKPOINT", "not this export's tree")
    if not mine.one("freeze")["seq"] <= note.size < mine.one("witness")["seq"]:
        raise DrawError("FREEZE_CHECKPOINT", "not between freeze and witness")
    return note.size


def _expected_payloads(record: Mapping[str, Any], checkpoint_size: int) -> dict[str, dict[str, Any]]:
    draw_id = record["draw_id"]
    expected = {
        "create": create_payload(
            draw_id=draw_id, listing=record["listing"], purpose=record["purpose"], k=record["k"],
            m=record["m"], commit=record["commit"], rules_hash=record["rules_hash"],
            contact=record["contact"], follows=record["follows"]),
        "freeze": freeze_payload(draw_id, record_freeze(record)),
        "witness": witness_payload(draw_id, record["witness"], checkpoint_size),
        "result": result_payload(draw_id, record["result"],
                                 len(record["drawn"]) + len(record["backups"])),
    }
    if record["events"]["reveal"] is not None:
        expected["reveal"] = reveal_payload(draw_id, bytes.fromhex(record["secret"]))
    return expected


def _step5_payloads(record: Mapping[str, Any], mine: DrawEvents, checkpoint_size: int) -> None:
    for kind, payload in _expected_payloads(record, checkpoint_size).items():
        if mine.one(kind)["payload"] != payload:
            raise DrawError("EVENT_MISMATCH", f"draw.{kind}")


def _step7_anchor(record: Mapping[str, Any], mine: DrawEvents) -> None:
    if record["anchor"] != mine.one("freeze")["link"]:
        raise DrawError("ANCHOR_MISMATCH")


def _step9_calls(record: Mapping[str, Any], mine: DrawEvents) -> None:
    events = [CallEvent(row["kind"], row["ts"], row["payload"]) for row in mine.calls]
    replay_calls(draw_id=record["draw_id"], k=record["k"],
                 picks=len(record["drawn"]) + len(record["backups"]),
                 contact=record["contact"], events=events)


def _step10_others(record: Mapping[str, Any], rows: Sequence[Row]) -> list[OtherDraw]:
    """Every other draw created for the same listing and purpose, in order of creation."""
    creates = [row for row in rows if row["kind"] == "draw.create"
               and row["object"].startswith("draw:") and row["object"] != f"draw:{record['draw_id']}"
               and row["payload"].get("listing") == record["listing"]
               and row["payload"].get("purpose") == record["purpose"]]
    latest = {row["object"]: _STATES[row["kind"]] for row in rows if row["kind"] in _STATES}
    return [OtherDraw(row["object"].removeprefix("draw:"), latest[row["object"]],
                      row["payload"].get("follows")) for row in creates]


def verify_with_audit(record: Any, directory: Path, *, trusted_pk: bytes | None = None,
                      supervisor_pk: bytes | None = None) -> list[OtherDraw]:
    """All of §7 in order; returns step 10's other draws, or raises DrawError at the first failure.

    Without `trusted_pk` the export's keys.json names the platform key; without
    `supervisor_pk` any cosigner it lists counts. Both say so on stderr.
    """
    check_record(record)
    export = _step1_export(directory, trusted_pk, supervisor_pk)
    mine = _draw_events(export.rows, record["draw_id"])
    _step2_order(record, mine)
    size = _step3_checkpoint(record, export, mine)
    verify_commit(record)
    _step5_payloads(record, mine, size)
    verify_freeze(record)
    _step7_anchor(record, mine)
    verify_result(record)
    _step9_calls(record, mine)
    return _step10_others(record, export.rows)
