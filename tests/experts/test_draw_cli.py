"""`python -m experts.draw verify RECORD.json`: draw.md §7 steps 4, 6 and 8 and §9's output."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import canonical_json
from experts.draw import (DrawError, build_record, candidates_hash, draw, excluded_hash, freeze,
                          pool_snapshot_hash)
from experts.draw_record import verify_freeze

REPO = Path(__file__).resolve().parents[2]
SECRET = bytes(range(32))
CRITERIA: list[dict[str, Any]] = [{"field": "status", "any_of": ["active"]}]
RULES: list[dict[str, Any]] = [{"reason": "EMPLOYER_IS_BIDDER", "field": "employer", "any_of": ["ORG-1"]},
         {"reason": "PENALTY_ACTIVE", "field": "penalties", "any_of": None}]


def members() -> list[dict[str, Any]]:
    """12 active experts (two excluded, one twice) and one retired."""
    out = [{"id": f"EXP-{i:03d}", "status": "active", "employer": "ORG-9", "penalties": []}
           for i in range(1, 13)]
    out[2]["employer"] = "ORG-1"
    out[5].update(employer="ORG-1", penalties=["P-1"])
    return out + [{"id": "EXP-100", "status": "retired", "employer": "ORG-9", "penalties": []}]


def make_record(*, draw_id: str = "DRAW-1", anchor: str = "cd" * 32, checkpoint: str = "",
                events: dict[str, int | None] | None = None, follows: str | None = None,
                listing: str = "ZB-2025-0001", secret: bytes = SECRET) -> dict[str, Any]:
    """A consistent record of a draw of 3 + 2 backups among the members above."""
    frozen = freeze(members(), CRITERIA, RULES)
    outcome = draw(secret=secret, draw_id=draw_id, candidates=frozen.candidates, anchor=anchor,
                   witness="123456", k=3, m=2)
    return build_record(
        draw_id=draw_id, listing=listing, purpose="expert", k=3, m=2,
        contact={"attempts": 3, "minutes": 20}, follows=follows, secret=secret, criteria=CRITERIA,
        rules=RULES, frozen=frozen, anchor=anchor, checkpoint=checkpoint, witness="123456",
        outcome=outcome,
        events=events or {"create": 1, "freeze": 2, "witness": 4, "result": 5, "reveal": None})


def write(path: Path, record: dict[str, Any]) -> Path:
    path.write_bytes(canonical_json.dumps(record))
    return path


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "experts.draw", "verify", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)


def test_a_consistent_record_verifies_and_prints_the_drawn(tmp_path: Path) -> None:
    record = make_record()
    out = run_cli(write(tmp_path / "r.json", record))
    assert (out.returncode, out.stdout) == (0, "OK " + " ".join(record["drawn"]) + "\n")
    assert len(record["drawn"]) == 3 and len(record["backups"]) == 2


def _rehash_pool(r: dict[str, Any]) -> None:
    r["pool_snapshot_hash"] = pool_snapshot_hash(r["pool"])


def _rehash_excluded(r: dict[str, Any]) -> None:
    r["excluded_hash"] = excluded_hash(r["excluded"])


def _retire_first(r: dict[str, Any]) -> None:
    r["pool"][0]["status"] = "retired"
    _rehash_pool(r)


def _forget_an_exclusion(r: dict[str, Any]) -> None:
    del r["excluded"][0]
    _rehash_excluded(r)


def _keep_an_excluded(r: dict[str, Any]) -> None:
    r["candidates"] = sorted(r["candidates"] + [r["excluded"][0]["id"]])
    r["candidates_hash"] = candidates_hash(r["candidates"])


def _swap_drawn_and_backup(r: dict[str, Any]) -> None:
    r["drawn"][0], r["backups"][0] = r["backups"][0], r["drawn"][0]


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda r: r.__setitem__(key, value)


BREAKS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("COMMIT_MISMATCH", _set("commit", "00" * 32)),
    ("RULES_MISMATCH", _set("rules_hash", "00" * 32)),
    ("RULES_MISMATCH", lambda r: r["rules"].pop()),
    ("POOL_MISMATCH", _set("pool_snapshot_hash", "00" * 32)),
    ("POOL_MISMATCH", _retire_first),
    ("EXCLUDED_MISMATCH", _set("excluded_hash", "00" * 32)),
    ("EXCLUSION_REPLAY", _forget_an_exclusion),
    ("CANDIDATES_MISMATCH", _set("candidates_hash", "00" * 32)),
    ("CANDIDATES_MISMATCH", _keep_an_excluded),
    ("INSUFFICIENT_CANDIDATES", _set("k", 11)),
    ("RESULT_MISMATCH", _swap_drawn_and_backup),
    ("RESULT_MISMATCH", _set("result", "00" * 32)),
    ("RESULT_MISMATCH", _set("witness", "654321")),
    ("RESULT_MISMATCH", _set("m", 3)),
    ("INPUT_INVALID", _set("witness", "12345")),
    ("INPUT_INVALID", _set("draw_id", "DRAW\n1")),
    ("INPUT_INVALID", _set("v", "sunbid-draw/2")),
    ("INPUT_INVALID", lambda r: r.pop("anchor")),
    ("INPUT_INVALID", _set("secret", "AB" * 32)),
]


@pytest.mark.parametrize(("code", "change"), BREAKS)
def test_a_broken_record_fails_with_its_code(tmp_path: Path, code: str,
                                             change: Callable[[dict[str, Any]], None]) -> None:
    record = make_record()
    change(record)
    out = run_cli(write(tmp_path / "r.json", record))
    assert (out.returncode, out.stdout) == (1, f"ERROR {code}\n")


def test_step_6_itself_stops_a_draw_with_too_few_candidates() -> None:
    # With the export, step 7 (anchor) runs between 6 and 8: step 6 must not leave this to 8.
    record = make_record()
    record["k"] = len(record["candidates"]) + 1
    with pytest.raises(DrawError) as e:
        verify_freeze(record)
    assert e.value.code == "INSUFFICIENT_CANDIDATES"


def test_a_record_that_is_not_canonical_json_is_input_invalid(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(canonical_json.dumps(make_record()) + b"\n")
    out = run_cli(path)
    assert (out.returncode, out.stdout) == (1, "ERROR INPUT_INVALID\n")
