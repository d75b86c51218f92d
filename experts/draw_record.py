"""The draw's event payloads (draw.md §3), its record (§6) and the record-only checks of §7.

Pure: stdlib and canonical_json. Services build payloads with the same functions the
verifier compares the chain against, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from experts import draw_inputs as inputs
from experts.draw_algorithm import DrawOutcome, candidates_hash, commit, draw
from experts.draw_calls import check_contact
from experts.draw_inputs import DrawError
from experts.draw_pool import (Freeze, candidates, check_criteria, check_manifest, check_rules,
                               check_snapshot, excluded_hash, manifest, meets_criteria,
                               pool_snapshot_hash, rules_hash)

__all__ = ["DRAW_KINDS", "VERSION", "build_record", "check_record", "create_payload",
           "freeze_payload", "record_freeze", "result_payload", "reveal_payload",
           "verify_commit", "verify_freeze", "verify_record", "verify_result", "witness_payload"]

VERSION = "sunbid-draw/1"
PURPOSES = frozenset({"expert", "contractor"})
# The record's `events` keys, in the order the chain must hold them.
DRAW_KINDS = ("create", "freeze", "witness", "result", "reveal")
_KEYS = {"v", "draw_id", "listing", "purpose", "k", "m", "contact", "follows", "commit", "secret",
         "criteria", "rules", "rules_hash", "pool", "pool_snapshot_hash", "excluded",
         "excluded_hash", "candidates", "candidates_hash", "anchor", "checkpoint", "witness",
         "drawn", "backups", "result", "events"}


def create_payload(*, draw_id: str, listing: str, purpose: str, k: int, m: int, commit: str,
                   rules_hash: str, contact: Mapping[str, int], follows: str | None) -> dict[str, Any]:
    return {"draw_id": draw_id, "listing": listing, "purpose": purpose, "k": k, "m": m,
            "commit": commit, "rules_hash": rules_hash, "contact": dict(contact), "follows": follows}


def freeze_payload(draw_id: str, frozen: Freeze) -> dict[str, Any]:
    """Hashes and counts only: the snapshot and manifest name people (§1)."""
    return {"draw_id": draw_id, "pool_snapshot_hash": frozen.pool_snapshot_hash,
            "n_pool": len(frozen.pool), "excluded_hash": frozen.excluded_hash,
            "n_excluded": len(frozen.excluded), "candidates_hash": frozen.candidates_hash,
            "n_candidates": len(frozen.candidates)}


def witness_payload(draw_id: str, witness: str, checkpoint_size: int) -> dict[str, Any]:
    return {"draw_id": draw_id, "witness": witness, "checkpoint_size": checkpoint_size}


def result_payload(draw_id: str, result: str, picks: int) -> dict[str, Any]:
    return {"draw_id": draw_id, "result": result, "picks": picks}


def reveal_payload(draw_id: str, secret: bytes) -> dict[str, Any]:
    return {"draw_id": draw_id, "secret": secret.hex()}


def build_record(*, draw_id: str, listing: str, purpose: str, k: int, m: int,
                 contact: Mapping[str, int], follows: str | None, secret: bytes,
                 criteria: Sequence[Mapping[str, Any]], rules: Sequence[Mapping[str, Any]],
                 frozen: Freeze, anchor: str, checkpoint: str, witness: str,
                 outcome: DrawOutcome, events: Mapping[str, int | None]) -> dict[str, Any]:
    """The inspectors' record (§6); `events` maps create … reveal to seqs (reveal None before it)."""
    return {
        "v": VERSION, "draw_id": draw_id, "listing": listing, "purpose": purpose, "k": k, "m": m,
        "contact": dict(contact), "follows": follows, "commit": commit(secret),
        "secret": secret.hex(), "criteria": list(criteria), "rules": list(rules),
        "rules_hash": rules_hash(criteria, rules), "pool": frozen.pool,
        "pool_snapshot_hash": frozen.pool_snapshot_hash, "excluded": frozen.excluded,
        "excluded_hash": frozen.excluded_hash, "candidates": frozen.candidates,
        "candidates_hash": frozen.candidates_hash, "anchor": anchor, "checkpoint": checkpoint,
        "witness": witness, "drawn": list(outcome.drawn), "backups": list(outcome.backups),
        "result": outcome.result, "events": {kind: events.get(kind) for kind in DRAW_KINDS},
    }


def _id_list(value: Any, what: str) -> None:
    if not isinstance(value, list):
        raise DrawError("INPUT_INVALID", f"{what} must be a list")
    for item in value:
        inputs.text(item, what)


def _check_events(events: Any) -> None:
    if not isinstance(events, Mapping) or set(events) != set(DRAW_KINDS):
        raise DrawError("INPUT_INVALID", f"events {events!r}")
    for kind in DRAW_KINDS[:-1]:
        inputs.count(events[kind], f"{kind} seq")
    if events["reveal"] is not None:
        inputs.count(events["reveal"], "reveal seq")


def check_record(record: Any) -> None:
    """INPUT_INVALID unless every field of the record has the type and form §2 and §6 give it."""
    if not isinstance(record, Mapping) or set(record) != _KEYS or record["v"] != VERSION:
        raise DrawError("INPUT_INVALID", "not a sunbid-draw/1 record")
    inputs.text(record["draw_id"], "draw_id")
    inputs.text(record["listing"], "listing")
    if record["purpose"] not in PURPOSES:
        raise DrawError("INPUT_INVALID", f"purpose {record['purpose']!r}")
    inputs.count(record["k"], "k")
    inputs.nonnegative(record["m"], "m")
    check_contact(record["contact"])
    if record["follows"] is not None:
        inputs.text(record["follows"], "follows")
    for key in ("commit", "secret", "rules_hash", "pool_snapshot_hash", "excluded_hash",
                "candidates_hash", "anchor", "result"):
        inputs.hex32(record[key], key)
    if not isinstance(record["checkpoint"], str):
        raise DrawError("INPUT_INVALID", "checkpoint must be the note's text")
    inputs.witness(record["witness"])
    for key in ("candidates", "drawn", "backups"):
        _id_list(record[key], key)
    # Step 6 checks their members; earlier steps count them, so lists they must be.
    if not all(isinstance(record[key], list) for key in ("criteria", "rules", "pool", "excluded")):
        raise DrawError("INPUT_INVALID", "criteria, rules, pool and excluded are lists")
    _check_events(record["events"])


def record_freeze(record: Mapping[str, Any]) -> Freeze:
    """The record's freeze as stated (not recomputed), for comparing with the chain."""
    return Freeze(record["pool"], record["pool_snapshot_hash"], record["excluded"],
                  record["excluded_hash"], record["candidates"], record["candidates_hash"])


def verify_commit(record: Mapping[str, Any]) -> None:
    """§7 step 4: the revealed secret is the committed one."""
    if commit(bytes.fromhex(record["secret"])) != record["commit"]:
        raise DrawError("COMMIT_MISMATCH")


def verify_freeze(record: Mapping[str, Any]) -> None:
    """§7 step 6: rules, pool, manifest and candidates against their hashes and each other."""
    criteria, rules = check_criteria(record["criteria"]), check_rules(record["rules"])
    if rules_hash(criteria, rules) != record["rules_hash"]:
        raise DrawError("RULES_MISMATCH")
    pool = record["pool"]
    check_snapshot(pool, criteria, rules)
    if pool_snapshot_hash(pool) != record["pool_snapshot_hash"]:
        raise DrawError("POOL_MISMATCH", "pool_snapshot_hash")
    if not all(meets_criteria(e, criteria) for e in pool):
        raise DrawError("POOL_MISMATCH", "a member fails the criteria")
    check_manifest(record["excluded"])
    if excluded_hash(record["excluded"]) != record["excluded_hash"]:
        raise DrawError("EXCLUDED_MISMATCH")
    if manifest(pool, rules) != record["excluded"]:
        raise DrawError("EXCLUSION_REPLAY")
    ids = record["candidates"]
    if ids != candidates(pool, record["excluded"]) or candidates_hash(ids) != record["candidates_hash"]:
        raise DrawError("CANDIDATES_MISMATCH")
    if len(ids) < record["k"]:
        raise DrawError("INSUFFICIENT_CANDIDATES")


def verify_result(record: Mapping[str, Any]) -> None:
    """§7 step 8: the drawn, the backups and `result` are what §4 computes."""
    outcome = draw(secret=bytes.fromhex(record["secret"]), draw_id=record["draw_id"],
                   candidates=record["candidates"], anchor=record["anchor"],
                   witness=record["witness"], k=record["k"], m=record["m"])
    stated = (tuple(record["drawn"]), tuple(record["backups"]), record["result"])
    if (outcome.drawn, outcome.backups, outcome.result) != stated:
        raise DrawError("RESULT_MISMATCH")


def verify_record(record: Any) -> None:
    """§7 steps 4, 6 and 8, which need only the record; raise DrawError at the first failure."""
    check_record(record)
    verify_commit(record)
    verify_freeze(record)
    verify_result(record)
