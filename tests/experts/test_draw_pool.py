"""draw.md §5: criteria and rules, the pool snapshot, match() and the manifest."""

from __future__ import annotations

from typing import Any

import pytest

from experts.draw import (DrawError, check_snapshot, freeze, match, pool_snapshot, rules_hash)

CRITERIA = [{"field": "specialties", "any_of": ["A0801"]}, {"field": "status", "any_of": ["active"]}]
RULES: list[dict[str, Any]] = [
    {"reason": "EMPLOYER_IS_BIDDER", "field": "employer", "any_of": ["ORG-1", "ORG-2"]},
    {"reason": "PENALTY_ACTIVE", "field": "penalties", "any_of": None},
]


def member(i: int, **fields: Any) -> dict[str, Any]:
    base = {"id": f"EXP-{i:03d}", "specialties": {"A0801"}, "status": "active",
            "employer": "ORG-9", "penalties": (), "name": "not in the snapshot"}
    return {**base, **fields}


def test_snapshot_keeps_only_members_meeting_every_criterion() -> None:
    members = [member(3), member(1, status="retired"), member(2, specialties=["B0203"])]
    assert [e["id"] for e in pool_snapshot(members, CRITERIA, RULES)] == ["EXP-003"]


def test_snapshot_entries_hold_id_and_exactly_the_named_fields_in_normal_form() -> None:
    [entry] = pool_snapshot([member(1, specialties=("B", "A0801", "B"))], CRITERIA, RULES)
    assert entry == {"id": "EXP-001", "specialties": ["A0801", "B"], "status": "active",
                     "employer": "ORG-9", "penalties": []}


def test_snapshot_is_sorted_by_utf8_bytes_of_the_id() -> None:
    # UTF-16 order (JavaScript's default) would put U+1F600's surrogates before U+FF01.
    ids = ["\U0001f600", "\uff01", "\u00e9", "Z", "a"]
    snapshot = pool_snapshot([member(0, id=i) for i in ids], CRITERIA, RULES)
    assert [e["id"] for e in snapshot] == ["Z", "a", "\u00e9", "\uff01", "\U0001f600"]


@pytest.mark.parametrize("bad", [
    [member(1), member(1)],                       # duplicate id
    [{k: v for k, v in member(1).items() if k != "employer"}],  # a named field missing
    [member(1, employer=7)],                      # not a string
    [member(1, employer="ORG\n9")],               # control character
    [member(1, penalties=["", "P"])],             # an empty value inside a list
])
def test_bad_members_are_input_invalid(bad: list[dict[str, Any]]) -> None:
    with pytest.raises(DrawError) as e:
        pool_snapshot(bad, CRITERIA, RULES)
    assert e.value.code == "INPUT_INVALID"


def test_match_reads_a_string_as_one_value_and_empty_as_none() -> None:
    entry = {"id": "X", "employer": "ORG-1", "none": "", "orgs": ["ORG-3", "ORG-1"]}
    assert match(entry, "employer", ["ORG-1"]) == ["ORG-1"]
    assert match(entry, "none", None) == []
    assert match(entry, "orgs", None) == ["ORG-1", "ORG-3"]
    assert match(entry, "orgs", ["ORG-3", "ORG-7"]) == ["ORG-3"]


def test_manifest_has_one_row_per_member_and_rule_with_the_smallest_datum() -> None:
    members = [member(2, employer="ORG-2", penalties=["P-2", "P-1"]), member(1, employer="ORG-1"),
               member(3)]
    frozen = freeze(members, CRITERIA, RULES)
    assert frozen.excluded == [
        {"id": "EXP-001", "reason": "EMPLOYER_IS_BIDDER", "datum": "ORG-1"},
        {"id": "EXP-002", "reason": "EMPLOYER_IS_BIDDER", "datum": "ORG-2"},
        {"id": "EXP-002", "reason": "PENALTY_ACTIVE", "datum": "P-1"},
    ]
    assert frozen.candidates == ["EXP-003"]


def test_rules_hash_depends_on_criteria_and_rules() -> None:
    base = rules_hash(CRITERIA, RULES)
    assert rules_hash(CRITERIA, RULES[:1]) != base
    assert rules_hash(CRITERIA[:1], RULES) != base


@pytest.mark.parametrize(("criteria", "rules"), [
    ([{"field": "id", "any_of": ["X"]}], []),                 # `id` is not a field
    ([{"field": "Status", "any_of": ["X"]}], []),             # field pattern
    ([{"field": "s" * 33, "any_of": ["X"]}], []),             # field too long
    ([{"field": "status", "any_of": []}], []),                # a criterion needs a value
    ([{"field": "status", "any_of": None}], []),              # … and may not be null
    ([{"field": "status", "any_of": ["X"], "extra": 1}], []),  # exactly two keys
    ([], [{"reason": "cooldown", "field": "x", "any_of": None}]),  # reason pattern
    ([], [{"reason": "R", "field": "x", "any_of": None}] * 2),  # reasons unique
    ([], [{"reason": "R", "field": "x"}]),                    # any_of required
    ("not a list", []),
])
def test_bad_criteria_or_rules_are_input_invalid(criteria: Any, rules: Any) -> None:
    with pytest.raises(DrawError) as e:
        rules_hash(criteria, rules)
    assert e.value.code == "INPUT_INVALID"


@pytest.mark.parametrize("change", [
    lambda s: s.reverse(),                                   # not sorted by id
    lambda s: s[0].update(extra="x"),                        # a field no criterion or rule names
    lambda s: s[0].update(penalties=["P-2", "P-1"]),         # list not sorted
    lambda s: s[0].update(penalties=["P-1", "P-1"]),         # list not unique
])
def test_check_snapshot_refuses_what_is_not_in_snapshot_form(change: Any) -> None:
    snapshot = pool_snapshot([member(1), member(2)], CRITERIA, RULES)
    check_snapshot(snapshot, CRITERIA, RULES)
    change(snapshot)
    with pytest.raises(DrawError) as e:
        check_snapshot(snapshot, CRITERIA, RULES)
    assert e.value.code == "INPUT_INVALID"


def _general(members: list[dict[str, Any]], criteria: Any, rules: Any) -> list[dict[str, Any]]:
    """pool_snapshot's general path, entry by entry (what the column-wise fast path must equal)."""
    from experts import draw_pool

    criteria, rules = draw_pool.check_criteria(criteria), draw_pool.check_rules(rules)
    fields = draw_pool.named_fields(criteria, rules)
    entries = [draw_pool._entry(m, fields) for m in members]
    pool = [e for e in entries if draw_pool.meets_criteria(e, criteria)]
    return sorted(pool, key=lambda e: e["id"].encode())


@pytest.mark.parametrize("members", [
    [member(i, employer=f"ORG-{i % 3}", penalties=[f"P-{i % 2}", "P-0"] if i % 4 else (),
            specialties=("A0801", "B") if i % 5 else ["B"]) for i in range(40, 0, -1)],
    [member(i, status="retired" if i % 2 else "active", employer="") for i in range(9)],
    [member(1, employer="ORG \"x\" \\ y"), member(2, specialties=frozenset({"A0801"}))],
    [member(1, employer="\u9633\u5149"), member(2)],        # non-ASCII: the general path
    [member(1, employer="e\u0301"), member(2)],              # not NFC: normalised by the general path
    [member(1, penalties=[b"P"])],                           # not a string: general path's error
])
def test_fast_snapshot_equals_the_general_path_byte_for_byte(members: list[dict[str, Any]]) -> None:
    import canonical_json
    from experts.draw import pool_snapshot_hash

    try:
        expected = _general(members, CRITERIA, RULES)
    except DrawError as e:
        with pytest.raises(DrawError) as got:
            freeze(members, CRITERIA, RULES)
        assert got.value.code == e.code
        return
    frozen = freeze(members, CRITERIA, RULES)
    assert frozen.pool == expected and pool_snapshot(members, CRITERIA, RULES) == expected
    assert canonical_json.dumps(frozen.pool) == canonical_json.dumps(expected)
    assert frozen.pool_snapshot_hash == pool_snapshot_hash(expected)


def test_plain_members_take_the_fast_path_and_others_the_general_one() -> None:
    from experts import draw_pool

    assert draw_pool._snapshot([member(2), member(1, employer="")], CRITERIA, RULES)[1] is True
    assert draw_pool._snapshot([member(1, employer="\u9633\u5149")], CRITERIA, RULES)[1] is False
