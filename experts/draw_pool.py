"""Criteria, avoidance rules, the pool snapshot and the exclusion manifest (draw.md §5).

Pure: stdlib and canonical_json. A snapshot entry is `{"id"}` plus exactly the fields the
criteria and rules name, each a string (`""`: no value) or a sorted list of unique strings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import canonical_json
from experts import draw_inputs as inputs
from experts.draw_algorithm import candidates_hash, sorted_ids
from experts.draw_inputs import DrawError

__all__ = ["Freeze", "candidates", "check_criteria", "check_manifest", "check_rules",
           "check_snapshot", "excluded_hash", "freeze", "manifest", "match", "meets_criteria",
           "named_fields", "pool_snapshot", "pool_snapshot_hash", "rules_hash"]

Entry = Mapping[str, Any]
_FIELD = re.compile("[a-z][a-z0-9_]{0,31}")
_REASON = re.compile("[A-Z][A-Z0-9_]{0,31}")


def _utf8(s: str) -> bytes:
    return s.encode("utf-8")


def _sha256_cj(prefix: bytes, value: Any) -> str:
    return hashlib.sha256(prefix + canonical_json.dumps(value)).hexdigest()


def _field(value: Any) -> str:
    if not isinstance(value, str) or not _FIELD.fullmatch(value) or value == "id":
        raise DrawError("INPUT_INVALID", f"field name {value!r}")
    return value


def _values(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise DrawError("INPUT_INVALID", f"{what} {value!r}")
    return [inputs.text(v, what) for v in value]


def _object(value: Any, keys: set[str], what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or set(value) != keys:
        raise DrawError("INPUT_INVALID", f"{what} {value!r}")
    return value


def check_criteria(criteria: Any) -> list[dict[str, Any]]:
    """`[{"field", "any_of": [at least one string]}]`, NFC-normalised; INPUT_INVALID otherwise."""
    if not isinstance(criteria, list):
        raise DrawError("INPUT_INVALID", "criteria must be a list")
    out = []
    for c in criteria:
        c = _object(c, {"field", "any_of"}, "criterion")
        out.append({"field": _field(c["field"]), "any_of": _values(c["any_of"], "criterion value")})
    return out


def check_rules(rules: Any) -> list[dict[str, Any]]:
    """`[{"reason", "field", "any_of": [strings] or null}]` with unique reasons."""
    if not isinstance(rules, list):
        raise DrawError("INPUT_INVALID", "rules must be a list")
    out = []
    for r in rules:
        r = _object(r, {"reason", "field", "any_of"}, "rule")
        if not isinstance(r["reason"], str) or not _REASON.fullmatch(r["reason"]):
            raise DrawError("INPUT_INVALID", f"reason {r['reason']!r}")
        any_of = None if r["any_of"] is None else _values(r["any_of"], "rule value")
        out.append({"reason": r["reason"], "field": _field(r["field"]), "any_of": any_of})
    if len({r["reason"] for r in out}) != len(out):
        raise DrawError("INPUT_INVALID", "rule reasons are not unique")
    return out


def rules_hash(criteria: Any, rules: Any) -> str:
    """hex SHA-256("sunbid/draw/rules/v1\\n" ‖ CJ({"criteria", "rules"}))."""
    body = {"criteria": check_criteria(criteria), "rules": check_rules(rules)}
    return _sha256_cj(b"sunbid/draw/rules/v1\n", body)


def named_fields(criteria: Sequence[Entry], rules: Sequence[Entry]) -> set[str]:
    """The fields a snapshot entry carries besides `id`."""
    return {c["field"] for c in criteria} | {r["field"] for r in rules}


def _snapshot_value(value: Any, what: str) -> str | list[str]:
    """A string as is, any other collection as a sorted list of unique strings."""
    if isinstance(value, str):
        return inputs.text(value, what, allow_empty=True)
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise DrawError("INPUT_INVALID", f"{what} {value!r}")
    return sorted({inputs.text(v, what) for v in value}, key=_utf8)


def _entry(member: Entry, fields: set[str]) -> dict[str, Any]:
    missing = fields - set(member)
    if "id" not in member or missing:
        raise DrawError("INPUT_INVALID", f"pool member lacks {sorted(missing) or ['id']}")
    out: dict[str, Any] = {"id": inputs.text(member["id"], "pool id")}
    for f in fields:
        out[f] = _snapshot_value(member[f], f)
    return out


def match(entry: Entry, field: str, any_of: Sequence[str] | None) -> list[str]:
    """The entry's values of `field` in `any_of` (all of them for null), sorted by UTF-8 bytes."""
    value = entry[field]
    values = ([value] if value else []) if isinstance(value, str) else list(value)
    return sorted((v for v in values if any_of is None or v in any_of), key=_utf8)


def meets_criteria(entry: Entry, criteria: Sequence[Entry]) -> bool:
    return all(match(entry, c["field"], c["any_of"]) for c in criteria)


def _plain_column(column: list[Any]) -> list[Any] | None:
    """`_snapshot_value` of every value of one field, when every value is a plain string or an
    exact list, tuple, set or frozenset of plain strings (draw_inputs.plain_texts); else None."""
    kinds = set(map(type, column))
    if kinds <= {str}:
        return column if inputs.plain_texts(column, allow_empty=True) else None
    if kinds <= {list, tuple, set, frozenset}:
        if not inputs.plain_texts(list(chain.from_iterable(column))):
            return None
        # Plain strings are their own normal form and sort by UTF-8 bytes as they sort as str.
        return [sorted(set(v)) if len(v) > 1 else list(v) for v in column]
    return None


def _plain_snapshot(members: list[Any], criteria: list[dict[str, Any]],
                    fields: set[str]) -> list[dict[str, Any]] | None:
    """What the general path of `pool_snapshot` returns, computed field by field over all the
    members at once, when every member is a dict and every id and value is plain. None when
    anything is not (a missing field, another type, a non-ASCII or bad string, a duplicate id):
    the general path then gives the same snapshot or raises its own error."""
    if not set(map(type, members)) <= {dict}:
        return None
    names = ["id", *sorted(fields)]
    try:
        raw = [list(map(itemgetter(name), members)) for name in names]
    except KeyError:
        return None
    if not inputs.plain_texts(raw[0]):
        return None
    columns = {"id": raw[0]}
    for name, column in zip(names[1:], raw[1:]):
        values = _plain_column(column)
        if values is None:
            return None
        columns[name] = values
    # meets_criteria: a string matches when it is one of any_of (never "": criteria values are
    # not empty), a list when one of its values is.
    keep = [True] * len(members)
    for c in criteria:
        wanted = set(c["any_of"])
        keep = [k and (v in wanted if type(v) is str else not wanted.isdisjoint(v))
                for k, v in zip(keep, columns[c["field"]])]
    pool = [dict(zip(names, row)) for row, k in zip(zip(*columns.values()), keep) if k]
    if len({e["id"] for e in pool}) != len(pool):
        return None
    pool.sort(key=itemgetter("id"))  # plain ids: str order is UTF-8 byte order
    return pool


def _snapshot(members: Iterable[Entry], criteria: Any, rules: Any) -> tuple[list[dict[str, Any]], bool]:
    """The snapshot, and whether every string in it is plain (so canonical_json has nothing to
    normalise or check in it: see `freeze`)."""
    criteria, rules = check_criteria(criteria), check_rules(rules)
    fields = named_fields(criteria, rules)
    members = list(members)
    plain = _plain_snapshot(members, criteria, fields)
    if plain is not None:
        return plain, True
    entries = [_entry(m, fields) for m in members]
    pool = [e for e in entries if meets_criteria(e, criteria)]
    sorted_ids([e["id"] for e in pool], "pool id")  # ids must be unique after NFC
    return sorted(pool, key=lambda e: _utf8(e["id"])), False


def pool_snapshot(members: Iterable[Entry], criteria: Any, rules: Any) -> list[dict[str, Any]]:
    """The snapshot of the members meeting every criterion, sorted by id (UTF-8 bytes).

    `members` are the registry's rows as read at freeze, each a mapping with `id` and at
    least the named fields (strings, or collections of strings); other keys are dropped.
    """
    return _snapshot(members, criteria, rules)[0]


def check_snapshot(snapshot: Any, criteria: Sequence[Entry], rules: Sequence[Entry]) -> None:
    """INPUT_INVALID unless `snapshot` has exactly §5's shape (as read from a record)."""
    if not isinstance(snapshot, list):
        raise DrawError("INPUT_INVALID", "pool must be a list")
    fields = named_fields(criteria, rules)
    for e in snapshot:
        _object(e, fields | {"id"}, "pool entry")
        if _entry(e, fields) != e:
            raise DrawError("INPUT_INVALID", f"pool entry {e.get('id')!r} is not in snapshot form")
    ids = [e["id"] for e in snapshot]
    if ids != sorted_ids(ids, "pool id"):
        raise DrawError("INPUT_INVALID", "pool is not sorted by unique id")


def pool_snapshot_hash(snapshot: Sequence[Entry]) -> str:
    """hex SHA-256("sunbid/draw/pool/v1\\n" ‖ CJ(snapshot))."""
    return _sha256_cj(b"sunbid/draw/pool/v1\n", list(snapshot))


def manifest(snapshot: Sequence[Entry], rules: Sequence[Entry]) -> list[dict[str, str]]:
    """One `{id, reason, datum}` per member and rule with a non-empty match; datum = its least."""
    rows = []
    for r in rules:
        field, any_of = r["field"], r["any_of"]
        # Narrow to the entries that may match (one pass in C-level loops), then match() each.
        try:
            if any_of is None:
                maybe = [e for e in snapshot if e[field]]
            else:
                wanted = set(any_of)
                maybe = [e for e in snapshot if (e[field] in wanted if type(e[field]) is str
                                                 else type(e[field]) is not list or not wanted.isdisjoint(e[field]))]
        except TypeError:  # an unhashable value: no narrowing
            maybe = list(snapshot)
        for e in maybe:
            hit = match(e, field, any_of)
            if hit:
                rows.append({"id": e["id"], "reason": r["reason"], "datum": hit[0]})
    return sorted(rows, key=lambda row: (_utf8(row["id"]), _utf8(row["reason"]), _utf8(row["datum"])))


def check_manifest(rows: Any) -> None:
    """INPUT_INVALID unless `rows` is a list of `{id, reason, datum}` text rows."""
    if not isinstance(rows, list):
        raise DrawError("INPUT_INVALID", "manifest must be a list")
    for row in rows:
        _object(row, {"id", "reason", "datum"}, "manifest row")
        for key in ("id", "reason", "datum"):
            inputs.text(row[key], f"manifest {key}")


def excluded_hash(rows: Sequence[Entry]) -> str:
    """hex SHA-256("sunbid/draw/excluded/v1\\n" ‖ CJ(manifest))."""
    return _sha256_cj(b"sunbid/draw/excluded/v1\n", list(rows))


def candidates(snapshot: Sequence[Entry], rows: Sequence[Entry]) -> list[str]:
    """Pool ids not in the manifest, in snapshot (sorted) order."""
    excluded = {row["id"] for row in rows}
    return [e["id"] for e in snapshot if e["id"] not in excluded]


@dataclass(frozen=True)
class Freeze:
    """Everything fixed at `draw.freeze`: the snapshot, manifest and candidates with hashes."""

    pool: list[dict[str, Any]]
    pool_snapshot_hash: str
    excluded: list[dict[str, str]]
    excluded_hash: str
    candidates: list[str]
    candidates_hash: str


def freeze(members: Iterable[Entry], criteria: Any, rules: Any) -> Freeze:
    """Apply the criteria and rules to the registry's members as read now."""
    snapshot, plain = _snapshot(members, criteria, rules)
    if plain:
        # Every string is plain (ASCII, checked by draw_inputs.text's rules) and the shape is
        # §5's, so the value is already canonical_json-normal: encoding it is all dumps would do.
        pool_hash = hashlib.sha256(b"sunbid/draw/pool/v1\n" + canonical_json.encode_checked(snapshot)).hexdigest()
    else:
        pool_hash = pool_snapshot_hash(snapshot)
    rows = manifest(snapshot, check_rules(rules))
    ids = candidates(snapshot, rows)
    return Freeze(snapshot, pool_hash, rows, excluded_hash(rows), ids, candidates_hash(ids))
