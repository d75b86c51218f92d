"""Verify an audit export offline (chain.md §6, §8).

    python -m audit.verify DIR [--trusted-pk HEX] [--supervisor-pk HEX]

Exit 0 with `OK size=<n>`, or exit 1 with one line `ERROR <CODE> seq=<n>`, the first failure
found; exit 2 when DIR is not an export at all. Pure: no Django.

Speed: strict parsing and hashing of each row dominate, so rows are checked in chunks on
every core. Every row check (seq, leaf, link against the previous row's stated link, time
against the previous row's) looks at one row and its predecessor only, so each chunk finds
its own first failure exactly and the earliest chunk's failure is the export's.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import json.encoder
import multiprocessing
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import canonical_json
from audit import chain, export_format

DEADLINE_WINDOW_US = 600 * 1_000_000  # the supervisor cosigns within [T, T + 600 s] (§5)
_PARALLEL_MIN_BYTES = 1 << 20  # below this, starting processes costs more than it saves
_ROW_FIELDS = frozenset({"seq", "ts", "actor", "kind", "object", "payload", "leaf", "link"})
_TS = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,18})")
# A canonical row's keys sort actor, kind, leaf, link, object, …, so the event's CJ is the
# row's bytes without `,"leaf":"<64 hex>","link":"<64 hex>"` (9 + 64 + 10 + 64 + 1 bytes).
# An unescaped `,"` cannot occur inside a string, so the first match is that member.
_LEAF_MEMBER = b',"leaf":"'
_LEAF_LINK_BYTES = 148
_DEADLINE = "listing.deadline"
_ROTATION = "platform.key_rotated"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Failure(Exception):
    """The first check that failed: a code of chain.md §7 and the seq it concerns."""

    def __init__(self, code: str, seq: int) -> None:
        super().__init__(f"{code} seq={seq}")
        self.code, self.seq = code, seq


# --- rows -------------------------------------------------------------------------------
# Each row takes the exact path (canonical_json.loads, every check in the order of §6) unless
# the fast path below proves it passes every check. The fast path only ever says "passes":
# a row it doubts, failing or merely non-ASCII, goes to the exact path, which decides.

def _reject(token: str) -> Any:
    raise ValueError(f"{token} is not canonical")


def _int_token(token: str) -> int:
    # The C scanner calls this for every integer, so no walk over the value is needed.
    value = int(token) if len(token) <= 17 else canonical_json.MAX_INT + 1
    if not -canonical_json.MAX_INT <= value <= canonical_json.MAX_INT:
        raise ValueError(f"integer {token} is out of range")
    return value


_SCAN = json.JSONDecoder(parse_float=_reject, parse_int=_int_token, parse_constant=_reject).scan_once
# canonical_json's encoding (sorted keys, no spaces, non-ASCII as itself) by CPython's C
# encoder, built once: json.dumps would build a fresh one for every row.
_ENCODER = json.encoder.c_make_encoder(None, None, json.encoder.encode_basestring, None, ":", ",",
                                       True, False, False)


def _ascii_row(line: bytes) -> dict[str, Any] | None:
    """The row if `line` is ASCII canonical JSON with the eight fields, seq an integer, payload
    an object and the others strings; else None. The caller checks the values.

    Sound because: the scanner refuses fractions, exponents, NaN and out-of-range integers;
    re-encoding equal to the input rules out whitespace, key order, duplicates and -0; with
    no backslash in the line no string has an escape, so each string's encoding is its value
    in quotes (and a quoted value where the line has a number or a bracket cannot match);
    the brackets bound the depth; and ASCII strings no longer than the line are NFC,
    assigned and at most 65,536 bytes.
    """
    if len(line) > canonical_json.MAX_STRING_BYTES or not line.isascii() or b"\\" in line:
        return None  # non-ASCII or escaped strings are rarer: canonical_json judges them
    text = line.decode("ascii")
    try:
        row, end = _SCAN(text, 0)
        if end != len(text) or type(row) is not dict or len(row) != len(_ROW_FIELDS):
            return None
        payload, seq = row["payload"], row["seq"]  # with eight keys, KeyError unless ours
        if type(payload) is not dict or type(seq) is not int:
            return None
        inner = "".join(_ENCODER(payload, 0))
        if inner.count("{") + inner.count("[") >= canonical_json.MAX_DEPTH:
            return None
        encoded = (f'{{"actor":"{row["actor"]}","kind":"{row["kind"]}","leaf":"{row["leaf"]}",'
                   f'"link":"{row["link"]}","object":"{row["object"]}","payload":{inner},'
                   f'"seq":{seq},"ts":"{row["ts"]}"}}')
    except (StopIteration, ValueError, LookupError, RecursionError):
        return None
    return row if encoded == text else None


def _valid_ts(ts: Any) -> bool:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ` naming a real moment (no 31 April, no 29 February 2025)."""
    if type(ts) is not str or not _TS.fullmatch(ts):
        return False
    if ts[8:10] <= "28":
        return True  # every month has day 28: skip the costlier calendar check
    try:
        datetime.fromisoformat(ts[:-1])
    except ValueError:
        return False
    return True


def _hex64(value: Any) -> bool:
    return type(value) is str and _HEX64.fullmatch(value) is not None


def _parse_row(line: bytes) -> dict[str, Any] | None:
    """The row if it is a CJ object with exactly the fields of §3, rightly typed, else None."""
    try:
        row = canonical_json.loads(line)
    except canonical_json.CanonicalJSONError:
        return None
    ok = (type(row) is dict and row.keys() == _ROW_FIELDS and type(row["seq"]) is int
          and _valid_ts(row["ts"]) and type(row["actor"]) is str and type(row["kind"]) is str
          and row["kind"] != "" and type(row["object"]) is str and type(row["payload"]) is dict
          and _hex64(row["leaf"]) and _hex64(row["link"]))
    return row if ok else None


def _event_leaf(line: bytes) -> bytes:
    cut = line.find(_LEAF_MEMBER)
    return hashlib.sha256(b"\x00" + line[:cut] + line[cut + _LEAF_LINK_BYTES:]).digest()


def _exact_row(line: bytes, n: int, prev_link: bytes, prev_ts: str) -> tuple[dict[str, Any], bytes, bytes]:
    """Row n, its leaf and link, after every check of §6 step 1 in order; else Failure."""
    row = _parse_row(line)
    if row is None:
        raise Failure("ROW_INVALID", n)
    if row["seq"] != n:
        raise Failure("SEQ_GAP", n)
    leaf = _event_leaf(line)
    if leaf.hex() != row["leaf"]:
        raise Failure("LEAF_MISMATCH", n)
    link = chain.audit_link(prev_link, leaf)
    if link.hex() != row["link"]:
        raise Failure("LINK_MISMATCH", n)
    if row["ts"] < prev_ts:
        raise Failure("TIME_ORDER", n)
    return row, leaf, link


def _fast_row(line: bytes, n: int, prev_link: bytes, prev_ts: str) -> tuple[dict[str, Any], bytes, bytes] | None:
    """What _exact_row returns, if the row surely passes; None to send it the exact way."""
    row = _ascii_row(line)
    if (row is None or row["seq"] != n or not row["kind"]
            or row["ts"] < prev_ts or not _valid_ts(row["ts"])):
        return None
    leaf = _event_leaf(line)
    link = hashlib.sha256(chain.AUDIT_LINK_PREFIX + prev_link + leaf).digest()
    # Equal to a digest's hex, the stated leaf and link are also well-formed.
    return (row, leaf, link) if leaf.hex() == row["leaf"] and link.hex() == row["link"] else None


@dataclass
class _Chunk:
    """What a chunk of rows tells the verifier; small, since workers pickle it back."""

    tree: chain.CompactRange  # the chunk's leaves, hashed into perfect subtrees
    count: int = 0
    failure: tuple[str, int] | None = None
    snapshots: dict[int, chain.CompactRange] = field(default_factory=dict)  # at wanted sizes
    links: dict[int, bytes] = field(default_factory=dict)  # at wanted sizes
    tracked: list[tuple[int, str, Any]] = field(default_factory=list)  # deadlines, rotations


def _after(first: int, prev_line: bytes) -> tuple[bytes, str]:
    """The stated link and ts of the row before the chunk (garbage is harmless: a broken
    previous row fails in the earlier chunk, whose failure wins)."""
    if first == 0:
        return chain.ZERO, ""
    row = _parse_row(prev_line)
    return (bytes.fromhex(row["link"]), row["ts"]) if row else (chain.ZERO, "")


_Job = tuple[int, bytes, bytes, frozenset[int]]  # first row index, the row before, rows, sizes


def _check_chunk(job: _Job) -> _Chunk:
    """Check consecutive rows; `first` is the 0-based index of the chunk's first row."""
    first, prev_line, blob, sizes = job
    out = _Chunk(chain.CompactRange(first))
    prev_link, prev_ts = _after(first, prev_line)
    lines = blob.split(b"\n")
    unterminated = lines.pop()  # b"" when the chunk ends in 0x0A, as every row must
    for n, line in enumerate(lines, first + 1):
        checked = _fast_row(line, n, prev_link, prev_ts)
        if checked is None:
            try:
                checked = _exact_row(line, n, prev_link, prev_ts)
            except Failure as failure:
                out.failure = (failure.code, failure.seq)
                return out
        row, leaf, prev_link = checked
        prev_ts = row["ts"]
        out.tree.append(leaf)
        if n in sizes:
            out.snapshots[n], out.links[n] = out.tree.copy(), prev_link
        if row["kind"] in (_DEADLINE, _ROTATION):
            out.tracked.append((n, row["kind"], row["payload"]))
    out.count = len(lines)
    if unterminated:
        out.failure = ("ROW_INVALID", first + len(lines) + 1)
    return out


def _jobs(blob: bytes, pieces: int, sizes: frozenset[int]) -> list[_Job]:
    """Split at row boundaries into about `pieces` chunks, each with the row before it."""
    bounds = [0]
    for i in range(1, pieces):
        cut = blob.find(b"\n", len(blob) * i // pieces)
        if cut < 0:
            break
        if cut + 1 > bounds[-1]:
            bounds.append(cut + 1)
    if bounds[-1] < len(blob):
        bounds.append(len(blob))
    jobs: list[_Job] = []
    first = 0
    for start, end in itertools.pairwise(bounds):
        prev = blob[blob.rfind(b"\n", 0, start - 1) + 1:start - 1] if start else b""
        jobs.append((first, prev, blob[start:end], sizes))
        if end < len(blob):  # counting rows costs a pass over the bytes: not for the last
            first += blob.count(b"\n", start, end)
    return jobs


@dataclass
class Rows:
    size: int
    roots: dict[int, bytes]  # MTH at each wanted size the rows reach
    links: dict[int, bytes]  # link at each wanted size the rows reach
    tracked: list[tuple[int, str, Any]]


def _gather(chunks: Iterable[_Chunk], sizes: frozenset[int]) -> Rows:
    rows = Rows(0, {}, {}, [])
    if 0 in sizes:
        rows.roots[0], rows.links[0] = chain.EMPTY_ROOT, chain.ZERO
    prefix = chain.CompactRange()  # rows 1..size so far
    for chunk in chunks:
        if chunk.failure:
            raise Failure(*chunk.failure)
        for size, snapshot in chunk.snapshots.items():
            rows.roots[size] = prefix.join(snapshot).root()
        prefix = prefix.join(chunk.tree)
        rows.size += chunk.count
        rows.links.update(chunk.links)
        rows.tracked += chunk.tracked
    return rows


def check_rows(blob: bytes, sizes: Iterable[int] = (), workers: int | None = None,
               pieces: int | None = None) -> Rows:
    """Step 1 of §6 over the bytes of audit.jsonl, with the Merkle root and the link at each
    of `sizes`; raises Failure at the first bad row.

    The blob is cut into `pieces` chunks (one per worker); this process checks the first
    while a pool of `workers` − 1 checks the rest. Each chunk hashes its own part of the
    tree, so only a few subtree roots travel back.
    """
    if workers is None:
        workers = (os.cpu_count() or 1) if len(blob) >= _PARALLEL_MIN_BYTES else 1
    wanted = frozenset(sizes)
    jobs = _jobs(blob, pieces or workers, wanted)
    if workers == 1 or len(jobs) < 2:
        return _gather(map(_check_chunk, jobs), wanted)
    with multiprocessing.Pool(min(workers, len(jobs)) - 1) as pool:
        pending = pool.map_async(_check_chunk, jobs[1:])
        mine = _check_chunk(jobs[0])
        if mine.failure is not None:
            raise Failure(*mine.failure)  # before any failure of a later chunk
        return _gather([mine, *pending.get()], wanted)


# --- checkpoints ------------------------------------------------------------------------

@dataclass
class Trust:
    """What the inspector trusts. `origin` is None until the first note names it
    (--trusted-pk); `keys` are (platform key, smallest size it may sign)."""

    origin: str | None
    keys: list[tuple[bytes, int]]
    cosigners: list[bytes] = field(default_factory=list)
    supervisor: bytes | None = None

    def keys_for(self, size: int) -> list[bytes]:
        return [pk for pk, smallest in self.keys if size >= smallest]


@dataclass
class NoteFile:
    file: str
    size: int  # from the text, else the file name: checkpoint failures report it as seq
    text: str | None = None
    signatures: list[tuple[str, bytes]] = field(default_factory=list)
    checkpoint: tuple[str, int, bytes, bytes] | None = None


def _read_note(file: str, raw: bytes) -> NoteFile:
    named = _DECIMAL.match(file)
    note = NoteFile(file, int(named.group(1)) if named else 0)
    try:
        note.text, note.signatures = chain.split_note(raw.decode("utf-8"))
    except (UnicodeDecodeError, chain.ChainError):
        return note
    lines = note.text.split("\n")
    if len(lines) > 1 and _DECIMAL.fullmatch(lines[1]):
        note.size = int(lines[1])
    try:
        note.checkpoint = chain.parse_checkpoint(note.text)
    except chain.ChainError:
        pass  # CHECKPOINT_FORMAT, once the signature has been checked
    return note


def _rotation(payload: Any, origin: str) -> tuple[str, bytes] | None:
    """(old key ID, new key) of a well-formed `platform.key_rotated` payload."""
    if not isinstance(payload, dict) or set(payload) != {"old_kid", "new_kid", "new_pk"}:
        return None
    old_kid, new_kid, new_pk = payload["old_kid"], payload["new_kid"], payload["new_pk"]
    if not (_hex64(new_pk) and isinstance(old_kid, str) and isinstance(new_kid, str)):
        return None
    public_key = bytes.fromhex(new_pk)
    if chain.key_id(origin, public_key, chain.NOTE_SIGNATURE).hex() != new_kid:
        return None
    return old_kid, public_key


def _follow_rotations(trust: Trust, rotations: list[tuple[int, Any]], text: str,
                      signatures: list[tuple[str, bytes]], size: int, signers: list[bytes],
                      origin: str) -> None:
    """§5: trust the new key for sizes ≥ the event's seq once a checkpoint covering the
    event verifies under the old key (repeated, so one note may carry a chain of them)."""
    changed = True
    while changed:
        changed = False
        signer_kids = {chain.key_id(origin, pk, chain.NOTE_SIGNATURE).hex() for pk in signers}
        known = {pk for pk, _ in trust.keys}
        for seq, payload in rotations:
            rotation = _rotation(payload, origin)
            if seq > size or rotation is None or rotation[0] not in signer_kids or rotation[1] in known:
                continue
            trust.keys.append((rotation[1], seq))
            if chain.signed_by(text, signatures, origin, rotation[1]):
                signers.append(rotation[1])
            changed = True


def _check_note(note: NoteFile, trust: Trust, rows: Rows, rotations: list[tuple[int, Any]]) -> list[int]:
    """Step 2 of §6 for one note, in the order of the list; returns the supervisor's times."""
    seq = note.size
    if note.text is None:
        raise Failure("CHECKPOINT_SIGNATURE", seq)
    origin = trust.origin if trust.origin is not None else note.text.split("\n", 1)[0]
    signers = [pk for pk in trust.keys_for(seq) if chain.signed_by(note.text, note.signatures, origin, pk)]
    if not signers:
        raise Failure("CHECKPOINT_SIGNATURE", seq)
    trust.origin = origin  # --trusted-pk: the first note signed by the key names the origin
    if note.checkpoint is None:
        raise Failure("CHECKPOINT_FORMAT", seq)
    cp_origin, size, root, link = note.checkpoint
    if cp_origin != origin or note.file != export_format.checkpoint_file_name(size, root):
        raise Failure("CHECKPOINT_FORMAT", seq)
    if size > rows.size:
        raise Failure("CHECKPOINT_BEYOND", seq)
    if rows.roots[size] != root:
        raise Failure("CHECKPOINT_ROOT", seq)
    if link != rows.links[size]:
        raise Failure("CHECKPOINT_LINK", seq)
    supervisor_times: list[int] = []
    for cosigner in trust.cosigners:
        times = chain.cosigner_times(note.text, note.signatures, cosigner)
        if None in times:
            raise Failure("COSIGNATURE", seq)
        if cosigner == trust.supervisor:
            supervisor_times = [t for t in times if t is not None]
    _follow_rotations(trust, rotations, note.text, note.signatures, size, signers, origin)
    return supervisor_times


def read_notes(notes: Sequence[tuple[str, bytes]]) -> list[NoteFile]:
    """The checkpoint files in the order they are checked: smallest size first."""
    return sorted((_read_note(file, raw) for file, raw in notes), key=lambda n: (n.size, n.file))


def check_checkpoints(notes: list[NoteFile], trust: Trust, rows: Rows) -> list[tuple[int, list[int]]]:
    """Step 2 of §6 for every note in order; returns (size, supervisor times) of each."""
    trust = replace(trust, keys=list(trust.keys))  # rotations extend a copy
    rotations = [(seq, payload) for seq, kind, payload in rows.tracked if kind == _ROTATION]
    return [(note.size, _check_note(note, trust, rows, rotations)) for note in notes]


# --- deadlines --------------------------------------------------------------------------

def _deadline_us(payload: Any) -> int | None:
    if not isinstance(payload, dict) or not _valid_ts(payload.get("deadline")):
        return None
    moment = datetime.fromisoformat(payload["deadline"][:-1]).replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def check_deadlines(rows: Rows, cosigned: list[tuple[int, list[int]]]) -> None:
    """Step 3 of §6: each `listing.deadline` is covered by a checkpoint the supervisor
    cosigned with t in [T, T + 600 s]."""
    for seq, kind, payload in rows.tracked:
        if kind != _DEADLINE:
            continue
        deadline = _deadline_us(payload)
        if deadline is None or not any(
                size >= seq and deadline <= t * 1_000_000 <= deadline + DEADLINE_WINDOW_US
                for size, times in cosigned for t in times):
            raise Failure("DEADLINE_CHECKPOINT", seq)


def verify_export(directory: Path, trust: Trust, workers: int | None = None) -> int:
    """All of §6 in order; returns the number of rows or raises Failure."""
    notes = read_notes(export_format.read_checkpoints(directory))
    sizes = {note.checkpoint[1] for note in notes if note.checkpoint}  # every root in one pass
    rows = check_rows(export_format.read_audit(directory), sizes, workers)
    cosigned = check_checkpoints(notes, trust, rows)
    if trust.supervisor is not None:
        check_deadlines(rows, cosigned)
    return rows.size


# --- command line -----------------------------------------------------------------------

def _public_key(text: str) -> bytes:
    if not _HEX64.fullmatch(text) or not chain.ed25519_public_key_ok(bytes.fromhex(text)):
        raise argparse.ArgumentTypeError("not a strict Ed25519 public key in 64 lowercase hex digits")
    return bytes.fromhex(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m audit.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, metavar="DIR")
    parser.add_argument("--trusted-pk", type=_public_key, metavar="HEX",
                        help="the platform key from the notice or a printed record (else keys.json)")
    parser.add_argument("--supervisor-pk", type=_public_key, metavar="HEX",
                        help="check each bid deadline's cosigned checkpoint against this key")
    return parser


def trust_from(directory: Path, trusted_pk: bytes | None, supervisor_pk: bytes | None) -> Trust:
    """The trusted keys: the given platform key, else keys.json's first platform key and
    its cosigners; the supervisor's key is always a trusted cosigner."""
    if trusted_pk is not None:
        trust = Trust(origin=None, keys=[(trusted_pk, 0)])
    else:
        keys = export_format.read_keys(directory)
        if not keys.keys:
            raise export_format.ExportError("keys.json lists no platform key")
        trust = Trust(origin=keys.keys[0].name, keys=[(keys.keys[0].pk, 0)],
                      cosigners=[c.pk for c in keys.cosigners])
    if supervisor_pk is not None:
        trust.supervisor = supervisor_pk
        if supervisor_pk not in trust.cosigners:
            trust.cosigners.append(supervisor_pk)
    return trust


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        trust = trust_from(args.directory, args.trusted_pk, args.supervisor_pk)
        if args.trusted_pk is None:
            # §8: say so, since keys.json came with the export it is meant to check.
            kid = chain.key_id(trust.origin or "", trust.keys[0][0], chain.NOTE_SIGNATURE).hex()
            print(f"audit.verify: no --trusted-pk, so trusting key {kid} of keys.json, which came "
                  "with the export; pass the platform key from the notice to rule out a forgery",
                  file=sys.stderr)
        size = verify_export(args.directory, trust)
    except export_format.ExportError as e:
        print(f"audit.verify: {e}", file=sys.stderr)
        return 2
    except Failure as failure:
        print(f"ERROR {failure.code} seq={failure.seq}")
        return 1
    print(f"OK size={size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
