"""draw-vectors.md D1–D4, parsed from the spec file itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from experts.draw import (Stream, candidates_hash, commit, draw, excluded_hash, freeze, manifest,
                          pool_snapshot_hash, rejection_threshold, rules_hash, seed, uniform)

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"


BLOCK = (SPECS / "draw-vectors.md").read_text(encoding="utf-8").split(
    "<!-- vectors -->")[1].split("<!-- /vectors -->")[0]


def _vectors() -> dict[str, dict[str, str]]:
    """{"D1": {"secret": …, "k, m": …}, …} from the spec's vectors block."""
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in BLOCK.splitlines():
        header = re.match(r"# Vector (D\d):", line)
        if header:
            current = out.setdefault(header.group(1), {})
        elif " = " in line and not line.startswith("```"):
            key, value = line.split(" = ", 1)
            current[key.strip()] = value.strip()
    return out


VECTORS = _vectors()


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",")]


def _ids(vector: dict[str, str]) -> list[str]:
    if vector is VECTORS["D1"]:
        return [f"EXP-{i:06d}" for i in range(1, 21)]
    return [f"CTR-{i:03d}" for i in range(30, 0, -1)]  # D2: given in reverse


def test_spec_file_holds_all_four_vectors() -> None:
    assert set(VECTORS) == {"D1", "D2", "D3", "D4"}


@pytest.mark.parametrize("name", ["D1", "D2"])
def test_draw_vector(name: str) -> None:
    v = VECTORS[name]
    secret = bytes.fromhex(v["secret"])
    k, m = (int(x) for x in _list(v["k, m"]))
    ids = _ids(v)
    assert commit(secret) == v["commit"]
    assert candidates_hash(ids) == v["candidates_hash"]
    s = seed(secret=secret, draw_id=v["draw_id"], candidates_hash=v["candidates_hash"],
             anchor=v["anchor"], witness=v["witness"])
    assert s.hex() == v["seed"]
    stream = Stream(s)
    uniforms = [uniform(len(ids) - i, stream.next_u64) for i in range(k + m)]
    assert uniforms == [int(u) for u in _list(v["uniforms"])]
    outcome = draw(secret=secret, draw_id=v["draw_id"], candidates=ids, anchor=v["anchor"],
                   witness=v["witness"], k=k, m=m)
    assert list(outcome.drawn) == _list(v["drawn"])
    assert list(outcome.backups) == _list(v["backups"])
    assert outcome.result == v["result"]
    assert outcome.candidates_hash == v["candidates_hash"]


def test_d1_is_the_research_vector() -> None:
    first_five = ["EXP-000006", "EXP-000016", "EXP-000008", "EXP-000017", "EXP-000004"]
    assert _list(VECTORS["D1"]["drawn"]) == first_five


def test_d3_pool_rules_and_manifest() -> None:
    v = VECTORS["D3"]
    criteria, rules = json.loads(v["criteria"]), json.loads(v["rules"])
    snapshot = json.loads(v["pool snapshot"])
    assert rules_hash(criteria, rules) == v["rules_hash"]
    assert pool_snapshot_hash(snapshot) == v["pool_snapshot_hash"]
    assert manifest(snapshot, rules) == json.loads(v["manifest"])
    assert excluded_hash(json.loads(v["manifest"])) == v["excluded_hash"]
    frozen = freeze(snapshot, criteria, rules)  # the snapshot's rows as registry members
    assert frozen.pool == snapshot
    assert frozen.pool_snapshot_hash == v["pool_snapshot_hash"]
    assert frozen.excluded_hash == v["excluded_hash"]
    assert frozen.candidates == _list(v["candidates"])
    assert frozen.candidates_hash == v["candidates_hash"]


D4 = [(int(n), int(t), int(limit))
      for n, t, limit in re.findall(r"^n = (\d+): t = (\d+), keep x <= (\d+)$", BLOCK, re.M)]


def test_d4_has_three_bounds() -> None:
    assert len(D4) == 3


@pytest.mark.parametrize(("n", "t", "limit"), D4)
def test_d4_uniform_bounds(n: int, t: int, limit: int) -> None:
    assert rejection_threshold(n) == t
    assert limit == 2**64 - 1 - t
    # The limit itself is kept; one above it is rejected and the next value is used.
    assert uniform(n, iter([limit]).__next__) == limit % n
    if limit < 2**64 - 1:
        assert uniform(n, iter([limit + 1, 1]).__next__) == 1
