"""`python -m audit.verify` on generated exports: the OK case and each kind of tampering
(chain.md §6–§8), plus in-process properties of the row walk."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import canonical_json
from audit import chain, export_format, verify
from tests.audit.test_chain import C1, C3, CHAIN, S3
from tests.audit.test_chain import _note as spec_note

REPO = Path(__file__).resolve().parents[2]
ORIGIN = "sunbid:test/audit"
SUPERVISOR_NAME = "sunbid:test/supervisor"
PLATFORM = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"sunbid test platform key").digest())
SUPERVISOR = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"sunbid test supervisor key").digest())
OTHER = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"someone else's key").digest())
START = datetime(2025, 3, 1, 1, 0, tzinfo=timezone.utc)
DEADLINE_SEQ = 6


def _pk(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _ts(seconds: int) -> str:
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


DEADLINE_T = int((START + timedelta(seconds=DEADLINE_SEQ)).timestamp())


def _events(n: int = 12, special: dict[int, tuple[str, dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    special = {DEADLINE_SEQ: ("listing.deadline", {"listing": "ZB-2025-0001", "deadline": _ts(DEADLINE_SEQ)}),
               **(special or {})}
    events = []
    for seq in range(1, n + 1):
        kind, payload = special.get(seq, ("bid.viewed", {"bid_id": f"BID-{seq:04d}", "n": seq}))
        events.append({"seq": seq, "ts": _ts(seq), "actor": f"user:{seq % 3}", "kind": kind,
                       "object": "listing:ZB-2025-0001", "payload": payload})
    return events


def _chained(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored rows: each event with its leaf and link, as the platform computes them."""
    rows, link = [], chain.ZERO
    for event in events:
        leaf = chain.event_leaf(event)
        link = chain.audit_link(link, leaf)
        rows.append({**event, "leaf": leaf.hex(), "link": link.hex()})
    return rows


def _note(rows: list[dict[str, Any]], size: int, *keys: Ed25519PrivateKey, link: bytes | None = None) -> str:
    leaves = [bytes.fromhex(r["leaf"]) for r in rows[:size]]
    link = link if link is not None else bytes.fromhex(rows[size - 1]["link"]) if size else chain.ZERO
    note = chain.sign_note(chain.checkpoint_text(ORIGIN, size, chain.merkle_root(leaves), link),
                           ORIGIN, (keys or (PLATFORM,))[0])
    for key in keys[1:]:
        note = chain.add_signature(note, ORIGIN, key)
    return note


def _cosigned(note: str, t: int = DEADLINE_T + 10) -> str:
    return chain.cosign(note, SUPERVISOR_NAME, SUPERVISOR, t)


@dataclass
class Export:
    path: Path
    rows: list[dict[str, Any]]

    @property
    def audit(self) -> Path:
        return self.path / export_format.AUDIT_FILE

    def lines(self) -> list[bytes]:
        return self.audit.read_bytes().splitlines(keepends=True)

    def set_lines(self, lines: list[bytes]) -> None:
        self.audit.write_bytes(b"".join(lines))

    def note_file(self, size: int) -> Path:
        (path,) = (self.path / export_format.CHECKPOINT_DIR).glob(f"{size}-*.note")
        return path


def _write(path: Path, rows: list[dict[str, Any]], notes: list[str]) -> Export:
    export_format.write_export(
        path, rows, notes, keys=[export_format.key_entry(ORIGIN, _pk(PLATFORM), chain.NOTE_SIGNATURE)],
        cosigners=[export_format.key_entry(SUPERVISOR_NAME, _pk(SUPERVISOR), chain.COSIGNATURE)])
    return Export(path, rows)


def _standard_notes(rows: list[dict[str, Any]]) -> list[str]:
    return [_note(rows, 4), _cosigned(_note(rows, DEADLINE_SEQ)), _note(rows, 8), _note(rows, 12)]


@pytest.fixture
def export(tmp_path: Path) -> Export:
    rows = _chained(_events())
    return _write(tmp_path / "export", rows, _standard_notes(rows))


def _run(export: Export, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "audit.verify", str(export.path), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


TRUSTED = ("--trusted-pk", _pk(PLATFORM).hex())
WITH_SUPERVISOR = (*TRUSTED, "--supervisor-pk", _pk(SUPERVISOR).hex())


# --- the OK case ---------------------------------------------------------------------------

def test_ok_with_keys_json_says_so(export: Export) -> None:
    rc, out, err = _run(export)
    assert (rc, out) == (0, "OK size=12\n")
    assert "keys.json" in err


def test_ok_with_trusted_keys(export: Export) -> None:
    rc, out, err = _run(export, *WITH_SUPERVISOR)
    assert (rc, out, err) == (0, "OK size=12\n", "")


def test_spec_vectors_c1_to_c3_verify(tmp_path: Path) -> None:
    # The three events of C1 with the cosigned deadline checkpoint of C3, keys from S3/C3.
    rows = _chained([json.loads(C1[f"event {n}"]) for n in (1, 2, 3)])
    assert [r["link"] for r in rows] == [C1[f"link {n}"] for n in (1, 2, 3)]
    export = _write(tmp_path, rows, [spec_note(CHAIN["C3"], "cosigned note")])
    args = ("--trusted-pk", S3["platform public key"], "--supervisor-pk", C3["supervisor public key"])
    assert _run(export, *args) == (0, "OK size=3\n", "")


def test_empty_export_is_size_zero(tmp_path: Path) -> None:
    assert _run(_write(tmp_path, [], []), *TRUSTED)[:2] == (0, "OK size=0\n")


def test_not_an_export_exits_2(tmp_path: Path) -> None:
    rc, out, err = _run(Export(tmp_path, []), *TRUSTED)
    assert (rc, out) == (2, "")
    assert "audit.jsonl" in err


def test_write_export_lays_out_section_6(tmp_path: Path) -> None:
    rows = _chained(_events())
    written = export_format.write_export(tmp_path, iter(rows), [_note(rows, 4)], [], [])
    assert written == 12
    assert (tmp_path / "audit.jsonl").read_bytes() == b"".join(canonical_json.dumps(r) + b"\n" for r in rows)
    root8 = chain.merkle_root([bytes.fromhex(r["leaf"]) for r in rows[:4]]).hex()[:8]
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == [f"4-{root8}.note"]


def test_keys_json_with_a_wrong_kid_exits_2(export: Export) -> None:
    keys = export.path / export_format.KEYS_FILE
    keys.write_text(keys.read_text().replace(chain.key_id(ORIGIN, _pk(PLATFORM), 1).hex(), "00000000"))
    rc, out, err = _run(export)
    assert (rc, out) == (2, "")
    assert "kid 00000000" in err


def test_import_pulls_in_no_django() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, audit.verify; assert 'django' not in sys.modules"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# --- rows ----------------------------------------------------------------------------------

def _edit_row(export: Export, seq: int, **changes: Any) -> None:
    lines = export.lines()
    row = canonical_json.loads(lines[seq - 1][:-1])
    lines[seq - 1] = canonical_json.dumps({**row, **changes}) + b"\n"
    export.set_lines(lines)


def test_payload_changed(export: Export) -> None:
    _edit_row(export, 5, payload={"bid_id": "BID-9999", "n": 5})
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR LEAF_MISMATCH seq=5\n")


def test_row_deleted(export: Export) -> None:
    lines = export.lines()
    export.set_lines(lines[:4] + lines[5:])
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR SEQ_GAP seq=5\n")


def test_rows_swapped(export: Export) -> None:
    lines = export.lines()
    lines[4], lines[5] = lines[5], lines[4]
    export.set_lines(lines)
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR SEQ_GAP seq=5\n")


def test_link_edited(export: Export) -> None:
    _edit_row(export, 5, link="00" * 32)
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR LINK_MISMATCH seq=5\n")


def test_time_runs_backwards(tmp_path: Path) -> None:
    events = _events()
    events[4]["ts"] = _ts(3)  # seq 5 earlier than seq 4, hashed consistently
    rows = _chained(events)
    assert _run(_write(tmp_path, rows, []), *TRUSTED)[:2] == (1, "ERROR TIME_ORDER seq=5\n")


@pytest.mark.parametrize(("breakage", "seq"), [
    (lambda line: line[:-1], 12),                                   # last row lacks 0x0A
    (lambda line: line.replace(b'{"actor"', b'{ "actor"'), 7),       # whitespace
    (lambda line: line.replace(b'"ts"', b'"extra":1,"ts"'), 7),      # a field too many
    (lambda line: line.replace(b'"seq":7', b'"seq":"7"'), 7),        # seq as a string
    (lambda line: line.replace(b'.000000Z', b'Z'), 7),               # ts format
])
def test_row_invalid(export: Export, breakage: Any, seq: int) -> None:
    lines = export.lines()
    lines[seq - 1] = breakage(lines[seq - 1])
    export.set_lines(lines)
    assert _run(export, *TRUSTED)[:2] == (1, f"ERROR ROW_INVALID seq={seq}\n")


def test_uppercase_leaf_is_invalid_not_mismatched(export: Export) -> None:
    _edit_row(export, 3, leaf=export.rows[2]["leaf"].upper())
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR ROW_INVALID seq=3\n")


# --- checkpoints ---------------------------------------------------------------------------

def test_chain_rebuilt_after_an_edit(tmp_path: Path) -> None:
    events = _events()
    signed = _standard_notes(_chained(events))
    events[4]["payload"] = {"bid_id": "BID-9999", "n": 5}  # then every leaf and link recomputed
    export = _write(tmp_path, _chained(events), signed)
    assert _run(export, *TRUSTED)[:2] == (1, f"ERROR CHECKPOINT_ROOT seq={DEADLINE_SEQ}\n")


def test_checkpoint_line_changed(export: Export) -> None:
    path = export.note_file(8)
    lines = path.read_text().split("\n")
    lines[3] = "A" * 43 + "="  # another link line under the old signature
    path.write_text("\n".join(lines))
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_SIGNATURE seq=8\n")


def test_forged_note_signed_with_another_key(export: Export) -> None:
    export.note_file(8).write_text(_note(export.rows, 8, OTHER))
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_SIGNATURE seq=8\n")
    assert _run(export)[:2] == (1, "ERROR CHECKPOINT_SIGNATURE seq=8\n")


def test_untrusted_platform_key(export: Export) -> None:
    rc, out, _ = _run(export, "--trusted-pk", _pk(OTHER).hex())
    assert (rc, out) == (1, "ERROR CHECKPOINT_SIGNATURE seq=4\n")


def test_checkpoint_beyond_the_export(export: Export) -> None:
    export.set_lines(export.lines()[:10])
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_BEYOND seq=12\n")


def test_file_name_wrong(export: Export) -> None:
    path = export.note_file(8)
    path.rename(path.with_name("8-00000000.note"))
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_FORMAT seq=8\n")


def test_signed_note_with_wrong_origin(export: Export) -> None:
    path = export.note_file(8)
    text = chain.split_note(path.read_text())[0].replace(ORIGIN, "sunbid:other/audit", 1)
    path.write_text(chain.sign_note(text, ORIGIN, PLATFORM))
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_FORMAT seq=8\n")


def test_signed_note_with_wrong_link(export: Export) -> None:
    path = export.note_file(8)
    path.write_text(_note(export.rows, 8, link=bytes(32)))
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_LINK seq=8\n")


def test_fork_at_one_size(export: Export) -> None:
    other_rows = _chained(_events(special={7: ("bid.viewed", {"bid_id": "FORK"})}))
    _write(export.path, export.rows, [_note(other_rows, 8)])  # a second note of size 8
    assert _run(export, *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_ROOT seq=8\n")


def test_broken_cosignature(export: Export) -> None:
    path = export.note_file(DEADLINE_SEQ)
    note = path.read_text()
    sign = note.rstrip("\n").rsplit(" ", 1)[1]
    flipped = sign[:20] + ("A" if sign[20] != "A" else "B") + sign[21:]
    path.write_text(note.replace(sign, flipped))
    assert _run(export, *WITH_SUPERVISOR)[:2] == (1, f"ERROR COSIGNATURE seq={DEADLINE_SEQ}\n")
    assert _run(export)[:2] == (1, f"ERROR COSIGNATURE seq={DEADLINE_SEQ}\n")  # keys.json's cosigner


# --- deadlines -----------------------------------------------------------------------------

@pytest.mark.parametrize("cosign_at", [None, DEADLINE_T - 1, DEADLINE_T + 601])
def test_deadline_without_its_cosignature(tmp_path: Path, cosign_at: int | None) -> None:
    rows = _chained(_events())
    deadline_note = _note(rows, DEADLINE_SEQ) if cosign_at is None else _cosigned(_note(rows, DEADLINE_SEQ), cosign_at)
    export = _write(tmp_path, rows, [_note(rows, 4), deadline_note, _note(rows, 12)])
    assert _run(export, *WITH_SUPERVISOR)[:2] == (1, f"ERROR DEADLINE_CHECKPOINT seq={DEADLINE_SEQ}\n")
    assert _run(export, *TRUSTED)[:2] == (0, "OK size=12\n")  # nothing to check without the key


@pytest.mark.parametrize("cosign_at", [DEADLINE_T, DEADLINE_T + 600])
def test_deadline_window_is_inclusive(tmp_path: Path, cosign_at: int) -> None:
    rows = _chained(_events())
    export = _write(tmp_path, rows, [_cosigned(_note(rows, 8), cosign_at)])
    assert _run(export, *WITH_SUPERVISOR)[:2] == (0, "OK size=12\n")


# --- key rotation --------------------------------------------------------------------------

NEW = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"sunbid test platform key 2").digest())


def _rotation_rows() -> list[dict[str, Any]]:
    payload = {"old_kid": chain.key_id(ORIGIN, _pk(PLATFORM), chain.NOTE_SIGNATURE).hex(),
               "new_kid": chain.key_id(ORIGIN, _pk(NEW), chain.NOTE_SIGNATURE).hex(),
               "new_pk": _pk(NEW).hex()}
    return _chained(_events(special={7: ("platform.key_rotated", payload)}))


def test_key_rotation_accepted(tmp_path: Path) -> None:
    rows = _rotation_rows()
    notes = [_note(rows, 4), _note(rows, 8, PLATFORM, NEW), _note(rows, 10, NEW), _note(rows, 12, NEW)]
    assert _run(_write(tmp_path, rows, notes), *TRUSTED)[:2] == (0, "OK size=12\n")


def test_rotated_key_needs_the_old_keys_signature_first(tmp_path: Path) -> None:
    rows = _rotation_rows()
    notes = [_note(rows, 4), _note(rows, 8, NEW), _note(rows, 12, NEW)]
    assert _run(_write(tmp_path, rows, notes), *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_SIGNATURE seq=8\n")


def test_new_key_without_a_rotation_event(tmp_path: Path) -> None:
    rows = _chained(_events())
    notes = [_note(rows, 8, PLATFORM, NEW), _note(rows, 12, NEW)]
    assert _run(_write(tmp_path, rows, notes), *TRUSTED)[:2] == (1, "ERROR CHECKPOINT_SIGNATURE seq=12\n")


# --- the row walk, in process ----------------------------------------------------------------

def _blob(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(canonical_json.dumps(row) + b"\n" for row in rows)


def _first_failure(blob: bytes, **kwargs: int) -> tuple[str, int] | None:
    try:
        verify.check_rows(blob, **kwargs)
    except verify.Failure as failure:
        return failure.code, failure.seq
    return None


ROWS = _chained(_events(30, special={9: ("listing.publish", {"title": "阳光小学改造工程 Café"})}))
BLOB = _blob(ROWS)
OFFSETS = [0]
for _row in ROWS:
    OFFSETS.append(OFFSETS[-1] + len(canonical_json.dumps(_row)) + 1)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(BLOB) - 1), st.integers(1, 255), st.integers(1, 6))
def test_a_flipped_byte_is_found_at_its_row(position: int, mask: int, pieces: int) -> None:
    tampered = bytearray(BLOB)
    tampered[position] ^= mask
    seq = next(n for n in range(1, len(ROWS) + 1) if position < OFFSETS[n])
    failure = _first_failure(bytes(tampered), workers=1, pieces=pieces)
    assert failure is not None and failure[1] == seq


ALL_SIZES = range(len(ROWS) + 1)
EXPECTED_ROOTS = chain.merkle_roots([bytes.fromhex(r["leaf"]) for r in ROWS], ALL_SIZES)


@pytest.mark.parametrize("pieces", range(1, 8))
def test_untampered_rows_pass_in_any_number_of_pieces(pieces: int) -> None:
    rows = verify.check_rows(BLOB, ALL_SIZES, workers=1, pieces=pieces)
    assert rows.size == len(ROWS)
    assert rows.roots == EXPECTED_ROOTS
    assert rows.links == {0: chain.ZERO, **{r["seq"]: bytes.fromhex(r["link"]) for r in ROWS}}
    assert [seq for seq, _, _ in rows.tracked] == [DEADLINE_SEQ]


def test_worker_processes_find_the_same_failure() -> None:
    tampered = BLOB.replace(b'"n":25', b'"n":52')
    assert _first_failure(tampered, workers=2, pieces=3) == ("LEAF_MISMATCH", 25)
    rows = verify.check_rows(BLOB, ALL_SIZES, workers=2, pieces=3)
    assert (rows.size, rows.roots) == (len(ROWS), EXPECTED_ROOTS)


FIRST = BLOB[:OFFSETS[1] - 1]  # row 1 without its 0x0A


@given(st.integers(0, len(FIRST)), st.text(' ,:{}[]"\\u0123456789abcdef.eE-+/ntr', min_size=1, max_size=4))
def test_fast_path_accepts_only_what_canonical_json_accepts(position: int, inserted: str) -> None:
    line = FIRST[:position] + inserted.encode() + FIRST[position:]
    row = verify._ascii_row(line)
    if row is not None:
        assert canonical_json.loads(line) == row


@pytest.mark.parametrize("variant", [
    FIRST.replace(b'{"actor"', b'{ "actor"'),                        # whitespace
    FIRST.replace(b'"user:1"', b'"user\\u003a1"'),                    # escaped ASCII
    FIRST.replace(b'"user:1"', b'"user\\/1"'),                        # escaped solidus
    FIRST.replace(b'"n":1', b'"n":1.0'),                              # fraction
    FIRST.replace(b'"n":1', b'"n":1e0'),                              # exponent
    FIRST.replace(b'"n":1', b'"n":-0'),                               # -0
    FIRST.replace(b'"n":1', b'"n":9007199254740992'),                 # above 2^53 − 1
    FIRST.replace(b'{"bid_id"', b'{"n":1,"bid_id"'),                  # duplicate key
    FIRST.replace(b'"bid_id":"BID-0001","n":1', b'"n":1,"bid_id":"BID-0001"'),  # key order
    FIRST.replace(b'"n":1', b'"n":' + b"[" * 15 + b"]" * 15),          # depth 17
    FIRST.replace(b'"user:1"', b'1'),                                 # a number for a string
    FIRST.replace(b'"user:1"', b'["user:1"]'),                        # an array for a string
    FIRST.replace(b'"seq":1', b'"seq":{}'),                           # an object for seq
    FIRST.replace(b'"payload":{"bid_id":"BID-0001","n":1}', b'"payload":[]'),  # array payload
    FIRST.replace(b'"actor"', b'"actor2"'),                           # another field name
])
def test_non_canonical_rows_leave_the_fast_path_and_fail(variant: bytes) -> None:
    assert variant != FIRST
    assert verify._ascii_row(variant) is None
    assert _first_failure(variant + b"\n" + BLOB[OFFSETS[1]:], workers=1) == ("ROW_INVALID", 1)


@pytest.mark.parametrize(("ts", "valid"), [
    ("2024-02-29T01:00:00.000000Z", True), ("2025-02-29T01:00:00.000000Z", False),
    ("2025-04-31T01:00:00.000000Z", False), ("2025-12-31T23:59:59.999999Z", True),
    ("2025-03-01T24:00:00.000000Z", False), ("2025-03-01T01:00:00.000000+00:00", False),
])
def test_ts_must_name_a_real_moment(ts: str, valid: bool) -> None:
    events = _events(2)
    events[0]["ts"], events[1]["ts"] = "2024-01-01T00:00:00.000000Z", ts
    expected = None if valid else ("ROW_INVALID", 2)
    assert _first_failure(_blob(_chained(events)), workers=1) == expected
