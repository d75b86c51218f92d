"""Verify one camera's recording chain (chain.md §7). Pure: no Django import, so the
platform (`manage.py verify_recordings`) and the export verifier share these checks.

`check_chain` walks the manifest lines and stops at the first failure, raising `Broken`
with the spec's code and the recording row's seq.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import canonical_json
from recording import chain

CODES = ("ROW_INVALID", "SEQ_GAP", "LINK_MISMATCH", "TIME_ORDER", "SEGMENT_MISMATCH", "SEGMENT_MISSING",
         "EARLY_DELETION", "HEAD_MISMATCH")
UNDECLARED_GAP_SECONDS = 1.0


class Broken(Exception):
    def __init__(self, code: str, seq: int, why: str = "") -> None:
        super().__init__(f"{code} seq={seq}" + (f": {why}" if why else ""))
        self.code, self.seq, self.why = code, seq, why


@dataclass(frozen=True)
class Deletion:
    """A `recording.deleted` event: its audit seq and time, the row it deleted, the reason."""
    event_seq: int
    ts: str
    seq: int
    reason: str


@dataclass(frozen=True)
class Hold:
    hold_id: str
    cameras: tuple[str, ...]
    start: str            # "from"
    end: str              # "to"
    placed_at: int        # audit seq of recording.hold
    released_at: int | None = None   # audit seq of recording.release


@dataclass
class Report:
    size: int = 0
    link: bytes = chain.LINK_0
    undeclared_gaps: list[int] = field(default_factory=list)    # seqs of rows starting > 1 s after the previous end
    emergency: list[int] = field(default_factory=list)          # seqs deleted early by the storage rule


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _row(line: bytes, n: int) -> tuple[dict[str, Any], bytes]:
    if not line.endswith(b"\n"):
        raise Broken("ROW_INVALID", n, "no line feed")
    try:
        data = canonical_json.loads(line[:-1])
        if canonical_json.dumps(data) != line[:-1] or not isinstance(data, dict):
            raise ValueError("not canonical")
        link = bytes.fromhex(data.pop("link"))
        if len(link) != 32:
            raise ValueError("link")
        chain.check_row(data)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise Broken("ROW_INVALID", n, str(e)) from None
    return data, link


def check_chain(lines: Iterable[bytes], *, camera: str, segment: Callable[[int], bytes | None],
                deletions: Mapping[int, Deletion] = {}, heads: Iterable[tuple[int, str]] = (),  # noqa: B006
                holds: Iterable[Hold] = (), retention_days: int = 60,
                outside: Callable[[dict[str, Any]], bool] = lambda row: False) -> Report:
    """`segment(seq)` gives a segment file's bytes or None when absent; `deletions` by row
    seq; `heads` the (seq, link hex) of every `recording.head` of this camera; `outside(row)`
    says a row lies outside an export's range (its file may be absent)."""
    report = Report()
    links: dict[int, bytes] = {}
    previous_end: str | None = None
    holds = list(holds)
    for n, line in enumerate(lines, start=1):
        row, link = _row(line, n)
        if row["camera"] != camera:
            raise Broken("ROW_INVALID", n, "another camera's row")
        if row["seq"] != n:
            raise Broken("SEQ_GAP", n, f"row {n} has seq {row['seq']}")
        expected = chain.rec_link(report.link, row)
        if expected != link:
            raise Broken("LINK_MISMATCH", n)
        if row["end"] < row["start"] or (previous_end is not None and row["start"] < previous_end):
            raise Broken("TIME_ORDER", n)
        if previous_end is not None and (parse_ts(row["start"]) - parse_ts(previous_end)
                                         > timedelta(seconds=UNDECLARED_GAP_SECONDS)):
            report.undeclared_gaps.append(n)
        if row["kind"] == "segment":
            _check_segment(row, n, segment, deletions, holds, retention_days, outside, report)
        previous_end = row["end"]
        report.link, report.size = link, n
        links[n] = link
    for seq, link_hex in heads:
        if seq in links and links[seq].hex() != link_hex:
            raise Broken("HEAD_MISMATCH", seq)
        if seq > report.size:
            raise Broken("HEAD_MISMATCH", seq, "a head beyond the chain: rows were removed")
    return report


def _check_segment(row: dict[str, Any], n: int, segment: Callable[[int], bytes | None],
                   deletions: Mapping[int, Deletion], holds: list[Hold], retention_days: int,
                   outside: Callable[[dict[str, Any]], bool], report: Report) -> None:
    body = segment(n)
    deletion = deletions.get(n)
    if body is not None:
        if len(body) != row["size"] or hashlib.sha256(body).hexdigest() != row["sha256"]:
            raise Broken("SEGMENT_MISMATCH", n)
        return
    if deletion is None:
        if outside(row):
            return
        raise Broken("SEGMENT_MISSING", n)
    for hold in holds:
        in_force = hold.placed_at < deletion.event_seq and (hold.released_at is None
                                                            or hold.released_at > deletion.event_seq)
        if in_force and row["camera"] in hold.cameras and row["start"] <= hold.end and row["end"] >= hold.start:
            raise Broken("EARLY_DELETION", n, f"under hold {hold.hold_id}")
    if deletion.reason == "emergency":
        report.emergency.append(n)
    elif parse_ts(deletion.ts) < parse_ts(row["end"]) + timedelta(days=retention_days):
        raise Broken("EARLY_DELETION", n, "before the retention period ended")


# --- the export (python -m recording.verify DIR) -------------------------------------------

def _audit_events(blob: bytes) -> Iterable[dict[str, Any]]:
    for line in blob.split(b"\n")[:-1]:
        yield canonical_json.loads(line)


def verify_recording_export(directory: Any, trust: Any, retention_days: int) -> int:
    """chain.md §7 on an export: the audit export first (§6), then each camera's manifest
    against its segments, the audit record's heads, deletions and holds. Returns the number
    of recording rows checked; raises audit.verify.Failure or Broken."""
    import json
    from pathlib import Path

    from audit import export_format
    from audit import verify as audit_verify

    directory = Path(directory)
    audit_verify.verify_export(directory, trust, workers=1)
    heads: dict[str, list[tuple[int, str]]] = {}
    deletions: dict[str, dict[int, Deletion]] = {}
    placed: list[tuple[int, dict[str, Any]]] = []
    released: dict[str, int] = {}
    for event in _audit_events(export_format.read_audit(directory)):
        kind, payload = event["kind"], event["payload"]
        if kind == "recording.head":
            heads.setdefault(payload["camera"], []).append((payload["seq"], payload["link"]))
        elif kind == "recording.deleted":
            deletions.setdefault(payload["camera"], {})[payload["seq"]] = Deletion(
                event_seq=event["seq"], ts=event["ts"], seq=payload["seq"], reason=payload["reason"])
        elif kind == "recording.hold":
            placed.append((event["seq"], payload))
        elif kind == "recording.release":
            released[payload["hold_id"]] = event["seq"]
    holds = [Hold(hold_id=p["hold_id"], cameras=tuple(p["cameras"]), start=p["from"], end=p["to"], placed_at=seq,
                  released_at=released.get(p["hold_id"])) for seq, p in placed]
    span = None
    if (directory / "range.json").is_file():
        value = json.loads((directory / "range.json").read_bytes())
        span = (value["from"], value["to"])

    def outside(row: dict[str, Any]) -> bool:
        return span is not None and (row["end"] < span[0] or row["start"] > span[1])

    total = 0
    folder = directory / "recording"
    for camera_dir in sorted(folder.iterdir()) if folder.is_dir() else []:
        camera = camera_dir.name

        def segment(seq: int, camera_dir: Path = camera_dir) -> bytes | None:
            path = camera_dir / f"{seq}.mp4"
            return path.read_bytes() if path.is_file() else None

        with (camera_dir / "manifest.jsonl").open("rb") as manifest:
            lines = manifest.read().split(b"\n")
        rows = [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
        report = check_chain(rows, camera=camera, segment=segment, deletions=deletions.get(camera, {}),
                             heads=[h for h in heads.get(camera, []) if h[0] <= len(rows)], holds=holds,
                             retention_days=retention_days, outside=outside)
        for seq in report.emergency:
            print(f"NOTE camera={camera} seq={seq} deleted early by the storage emergency rule")
        for seq in report.undeclared_gaps:
            print(f"NOTE camera={camera} seq={seq} starts more than 1 s after the previous row ends (undeclared gap)")
        total += report.size
    return total


def main(argv: Any = None) -> int:
    import argparse
    import sys
    from pathlib import Path

    from audit import export_format
    from audit import verify as audit_verify

    parser = argparse.ArgumentParser(prog="python -m recording.verify",
                                     description="Verify a recording export (chain.md §7) with no Django.")
    parser.add_argument("directory", type=Path, metavar="DIR")
    parser.add_argument("--trusted-pk", type=audit_verify._public_key, metavar="HEX",
                        help="the platform key from the notice or a printed record (else keys.json)")
    parser.add_argument("--retention-days", type=int, default=60)
    args = parser.parse_args(argv)
    try:
        trust = audit_verify.trust_from(args.directory, args.trusted_pk, None)
        if args.trusted_pk is None:
            print("recording.verify: no --trusted-pk, so trusting keys.json, which came with the export",
                  file=sys.stderr)
        size = verify_recording_export(args.directory, trust, args.retention_days)
    except export_format.ExportError as e:
        print(f"recording.verify: {e}", file=sys.stderr)
        return 2
    except audit_verify.Failure as failure:
        print(f"ERROR {failure.code} seq={failure.seq}")
        return 1
    except Broken as broken:
        print(f"ERROR {broken.code} seq={broken.seq}")
        return 1
    print(f"OK size={size}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
