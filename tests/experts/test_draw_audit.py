"""`python -m experts.draw verify RECORD.json --audit DIR`: draw.md §7 over a synthetic export."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import canonical_json
from audit import chain, export_format
from experts.draw import (build_record, commit, create_payload, draw, freeze, freeze_payload,
                          main, result_payload, reveal_payload, rules_hash, witness_payload)
from tests.experts.test_draw_cli import CRITERIA, RULES, SECRET, members, run_cli

ORIGIN = "sunbid:test/audit"
SUPERVISOR_NAME = "sunbid:test/supervisor"
LISTING = "ZB-2025-0001"
CONTACT = {"attempts": 3, "minutes": 20}
OWN_REPLY = hashlib.sha256(b"I decline").hexdigest()


def _key(label: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label).digest())


def _pk(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


PLATFORM = _key(b"sunbid test platform key")
SUPERVISOR = _key(b"sunbid test supervisor key")  # chain-vectors.md C3's supervisor
STRANGER = _key(b"someone else")


@dataclass
class Chain:
    """Audit rows built as the platform appends them (chain.md §3)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, kind: str, draw_id: str, payload: dict[str, Any]) -> int:
        seq = len(self.rows) + 1
        event = {"seq": seq, "ts": f"2025-03-01T03:{seq:02d}:00.000000Z", "actor": "user:5",
                 "kind": kind, "object": f"draw:{draw_id}", "payload": payload}
        prev = bytes.fromhex(self.rows[-1]["link"]) if self.rows else chain.ZERO
        leaf = chain.event_leaf(event)
        self.rows.append({**event, "leaf": leaf.hex(), "link": chain.audit_link(prev, leaf).hex()})
        return seq

    def checkpoint(self, cosigner: Ed25519PrivateKey | None = SUPERVISOR, *,
                   root: bytes | None = None, link: bytes | None = None) -> str:
        """A checkpoint of the rows so far, signed and (by default) cosigned by the supervisor;
        `root` or `link` forge that line."""
        leaves = [bytes.fromhex(r["leaf"]) for r in self.rows]
        text = chain.checkpoint_text(ORIGIN, len(leaves), root or chain.merkle_root(leaves),
                                     link or bytes.fromhex(self.rows[-1]["link"]))
        note = chain.sign_note(text, ORIGIN, PLATFORM)
        if cosigner is not None:
            note = chain.cosign(note, SUPERVISOR_NAME, cosigner, 1740798000)
        self.notes.append(note)
        return note

    def call(self, draw_id: str, position: int, attempt: int = 1) -> int:
        return self.add("draw.call", draw_id, {"draw_id": draw_id, "position": position, "attempt": attempt})


Hook = Callable[[Chain], object]
DRAW_ID = "DRAW-1"


def _nothing(c: Chain) -> None:
    """The default hook: the story as told."""


def scenario(hooks: dict[str, Hook] | None = None, *, cosigner: Ed25519PrivateKey | None = SUPERVISOR,
             checkpoint_after_witness: bool = False,
             anchor_from: str = "freeze") -> tuple[Chain, dict[str, Any]]:
    """An export with an abandoned DRAW-0, DRAW-1 (verified) following it, calls, a reveal,
    DRAW-2 following DRAW-1, and draws of another listing or purpose; `hooks[step]` runs
    right after that step of DRAW-1 to bend the story."""
    hooks = hooks or {}
    c = Chain()
    other = {"listing": LISTING, "purpose": "expert", "k": 3, "m": 2, "commit": "00" * 32,
             "rules_hash": "00" * 32, "contact": CONTACT}
    c.add("draw.create", "DRAW-0", {**other, "draw_id": "DRAW-0", "follows": None})
    c.add("draw.abandon", "DRAW-0", {"draw_id": "DRAW-0", "reason": "INSUFFICIENT_CANDIDATES"})
    c.add("draw.create", "DRAW-X", {**other, "draw_id": "DRAW-X", "listing": "ZB-2025-0002", "follows": None})
    frozen = freeze(members(), CRITERIA, RULES)
    seqs: dict[str, int] = {}
    seqs["create"] = c.add("draw.create", DRAW_ID, create_payload(
        draw_id=DRAW_ID, listing=LISTING, purpose="expert", k=3, m=2, commit=commit(SECRET),
        rules_hash=rules_hash(CRITERIA, RULES), contact=CONTACT, follows="DRAW-0"))
    hooks.get("create", _nothing)(c)
    seqs["freeze"] = c.add("draw.freeze", DRAW_ID, freeze_payload(DRAW_ID, frozen))
    anchor = c.rows[seqs[anchor_from] - 1]["link"]
    hooks.get("freeze", _nothing)(c)
    late = checkpoint_after_witness
    checkpoint = "" if late else c.checkpoint(cosigner)
    size = len(c.rows) + 1 if late else len(c.rows)
    seqs["witness"] = c.add("draw.witness", DRAW_ID, witness_payload(DRAW_ID, "123456", size))
    if late:
        checkpoint = c.checkpoint(cosigner)
    hooks.get("witness", _nothing)(c)
    outcome = draw(secret=SECRET, draw_id=DRAW_ID, candidates=frozen.candidates, anchor=anchor,
                   witness="123456", k=3, m=2)
    seqs["result"] = c.add("draw.result", DRAW_ID, result_payload(DRAW_ID, outcome.result, 5))
    hooks.get("result", _nothing)(c)
    for position in (1, 2, 3):
        c.call(DRAW_ID, position)
    c.add("draw.reply", DRAW_ID, {"draw_id": DRAW_ID, "position": 1, "answer": "decline",
                                  "reply_sha256": OWN_REPLY})
    c.call(DRAW_ID, 4)
    seqs["reveal"] = c.add("draw.reveal", DRAW_ID, reveal_payload(DRAW_ID, SECRET))
    c.add("draw.create", "DRAW-2", {**other, "draw_id": "DRAW-2", "follows": DRAW_ID})
    c.add("draw.create", "DRAW-K", {**other, "draw_id": "DRAW-K", "purpose": "contractor", "follows": None})
    hooks.get("end", _nothing)(c)
    c.checkpoint()
    record = build_record(
        draw_id=DRAW_ID, listing=LISTING, purpose="expert", k=3, m=2, contact=CONTACT,
        follows="DRAW-0", secret=SECRET, criteria=CRITERIA, rules=RULES, frozen=frozen,
        anchor=anchor, checkpoint=checkpoint, witness="123456", outcome=outcome, events=seqs)
    return c, record


def export(tmp_path: Path, c: Chain, record: dict[str, Any]) -> tuple[Path, Path]:
    directory = tmp_path / "audit"
    keys = [export_format.key_entry(ORIGIN, _pk(PLATFORM), chain.NOTE_SIGNATURE)]
    cosigners = [export_format.key_entry(SUPERVISOR_NAME, _pk(SUPERVISOR), chain.COSIGNATURE)]
    export_format.write_export(directory, c.rows, c.notes, keys, cosigners)
    path = tmp_path / "record.json"
    path.write_bytes(canonical_json.dumps(record))
    return path, directory


TRUSTED = ["--trusted-pk", _pk(PLATFORM).hex(), "--supervisor-pk", _pk(SUPERVISOR).hex()]


def verify(tmp_path: Path, c: Chain, record: dict[str, Any],
           keys: list[str] = TRUSTED) -> tuple[int, str, str]:
    """The CLI's exit code, stdout and stderr, run in this process: a subprocess per case
    would only add start-up time (the sound case runs as one, as an inspector would)."""
    path, directory = export(tmp_path, c, record)
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["verify", str(path), "--audit", str(directory), *keys])
    return code, stdout.getvalue(), stderr.getvalue()


def test_a_sound_draw_verifies_and_lists_the_other_draws_of_its_listing(tmp_path: Path) -> None:
    c, record = scenario()
    path, directory = export(tmp_path, c, record)
    out = run_cli(path, "--audit", directory, *TRUSTED)
    code, stdout, stderr = out.returncode, out.stdout, out.stderr
    assert (code, stdout) == (0, "OK " + " ".join(record["drawn"]) + "\n"
                              "DRAW DRAW-0 abandoned\nDRAW DRAW-2 created follows DRAW-1\n")
    assert stderr == ""


def test_without_keys_it_trusts_keys_json_and_says_so(tmp_path: Path) -> None:
    c, record = scenario()
    code, stdout, stderr = verify(tmp_path, c, record, keys=[])
    assert code == 0 and stdout.startswith("OK ")
    assert "keys.json" in stderr and "--trusted-pk" in stderr and "--supervisor-pk" in stderr


def test_a_broken_chain_fails_with_the_chain_code(tmp_path: Path) -> None:
    c, record = scenario()
    c.rows[1]["payload"]["reason"] = "NO_REASON"  # the abandon's content, leaf not recomputed
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR LEAF_MISMATCH\n")


def test_a_checkpoint_of_another_platform_key_fails_the_chain_check(tmp_path: Path) -> None:
    c, record = scenario()
    out = verify(tmp_path, c, record, keys=["--trusted-pk", _pk(STRANGER).hex()])
    assert out[:2] == (1, "ERROR CHECKPOINT_SIGNATURE\n")


def _second_result(c: Chain) -> None:
    c.add("draw.result", DRAW_ID, {"draw_id": DRAW_ID, "result": "00" * 32, "picks": 5})


def _abandon(c: Chain) -> None:
    c.add("draw.abandon", DRAW_ID, {"draw_id": DRAW_ID, "reason": "WORKER_CRASHED"})


def _early_call(c: Chain) -> None:
    c.call(DRAW_ID, 1)


CHAIN_BREAKS: list[tuple[str, dict[str, Hook]]] = [
    ("ORDER", {"end": _second_result}),        # re-run: a second result
    ("ORDER", {"witness": _early_call}),       # a call before the result
    ("ABANDONED", {"end": _abandon}),
    ("CALL_ORDER", {"result": lambda c: c.call(DRAW_ID, 2)}),  # position 2 before 1
]


@pytest.mark.parametrize(("code", "hooks"), CHAIN_BREAKS)
def test_what_the_chain_shows_fails_with_its_code(tmp_path: Path, code: str,
                                                  hooks: dict[str, Hook]) -> None:
    c, record = scenario(hooks)
    assert verify(tmp_path, c, record)[:2] == (1, f"ERROR {code}\n")


def test_record_seqs_that_are_not_the_chains_are_order(tmp_path: Path) -> None:
    c, record = scenario()
    record["events"]["witness"] += 1
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR ORDER\n")


@pytest.mark.parametrize("bend", [
    {"cosigner": None},                        # never cosigned
    {"cosigner": STRANGER},                    # cosigned by someone else's key
    {"checkpoint_after_witness": True},        # fixed only after the witness was typed
])
def test_a_freeze_not_fixed_off_machine_before_the_witness_fails(tmp_path: Path,
                                                                 bend: dict[str, Any]) -> None:
    c, record = scenario(**bend)
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR FREEZE_CHECKPOINT\n")


@pytest.mark.parametrize(("root", "link"), [(bytes(32), None), (None, bytes(32))], ids=["root", "link"])
def test_a_checkpoint_of_another_history_fails(tmp_path: Path, root: bytes | None,
                                               link: bytes | None) -> None:
    c, record = scenario()
    at_freeze = Chain(rows=c.rows[:record["events"]["freeze"]])
    # Signed and cosigned at the right size, but one line is not this export's.
    record["checkpoint"] = at_freeze.checkpoint(root=root, link=link)
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR FREEZE_CHECKPOINT\n")


def test_a_record_whose_freeze_is_not_lists_is_input_invalid(tmp_path: Path) -> None:
    c, record = scenario()
    record["pool"] = 6  # step 5 counts it before step 6 reads it
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR INPUT_INVALID\n")


def test_a_record_that_differs_from_the_chain_is_event_mismatch(tmp_path: Path) -> None:
    c, record = scenario()
    record["contact"] = {"attempts": 2, "minutes": 20}  # the chain's create says 3
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR EVENT_MISMATCH\n")


def test_a_witness_naming_another_checkpoint_is_event_mismatch(tmp_path: Path) -> None:
    def checkpoint_then_one_more_event(c: Chain) -> None:
        c.checkpoint()  # at the freeze's seq: valid, cosigned, but not the one the witness names
        c.add("draw.create", "DRAW-3", {"draw_id": "DRAW-3"})

    c, record = scenario({"freeze": checkpoint_then_one_more_event})
    record["checkpoint"] = c.notes[0]
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR EVENT_MISMATCH\n")


def test_a_seed_not_from_the_freeze_link_is_anchor_mismatch(tmp_path: Path) -> None:
    c, record = scenario(anchor_from="create")
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR ANCHOR_MISMATCH\n")


def test_a_record_only_failure_is_still_found_with_the_export(tmp_path: Path) -> None:
    c, record = scenario()
    record["drawn"].reverse()
    assert verify(tmp_path, c, record)[:2] == (1, "ERROR RESULT_MISMATCH\n")
