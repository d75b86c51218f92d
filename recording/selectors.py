"""Reads of the recording chain and of the audit events that concern it (chain.md §7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import canonical_json
from audit.models import Event
from bidroom.models import Camera
from recording import verify
from recording.models import Row
from recording.services import row_dict, segment_path


def manifest_lines(camera: Camera) -> Iterator[bytes]:
    """`manifest.jsonl`: each row as CJ with its link, one a line."""
    for row in Row.objects.filter(camera=camera).order_by("seq").iterator(chunk_size=2000):
        yield canonical_json.dumps({**row_dict(row, camera.ident), "link": row.link}) + b"\n"


def _events(kind: str, object: str | None = None) -> Iterator[tuple[Event, dict]]:
    events = Event.objects.filter(kind=kind)
    if object is not None:
        events = events.filter(object=object)
    for event in events.order_by("seq").iterator(chunk_size=2000):
        yield event, canonical_json.loads(event.payload.encode())


def heads(camera: Camera) -> list[tuple[int, str]]:
    return [(p["seq"], p["link"]) for e, p in _events("recording.head", f"camera:{camera.ident}")
            if p.get("camera") == camera.ident]


def deletions(camera: Camera) -> dict[int, verify.Deletion]:
    from audit import clock

    return {p["seq"]: verify.Deletion(event_seq=e.seq, ts=clock.format_ts(e.ts), seq=p["seq"], reason=p["reason"])
            for e, p in _events("recording.deleted", f"camera:{camera.ident}") if p.get("camera") == camera.ident}


def holds() -> list[verify.Hold]:
    released = {p["hold_id"]: e.seq for e, p in _events("recording.release")}
    return [verify.Hold(hold_id=p["hold_id"], cameras=tuple(p["cameras"]), start=p["from"], end=p["to"],
                        placed_at=e.seq, released_at=released.get(p["hold_id"]))
            for e, p in _events("recording.hold")]


def segment_reader(camera: Camera):  # noqa: ANN201
    def read(seq: int) -> bytes | None:
        path = segment_path(camera.ident, seq)
        return path.read_bytes() if path.is_file() else None
    return read


def chain_check(camera: Camera, *, retention_days: int, start: datetime | None = None,
                end: datetime | None = None) -> verify.Report:
    """Raise verify.Broken at the first broken link of this camera's chain. With a time range,
    only the segment files of rows overlapping it are read (every row and link is checked)."""
    from audit import clock

    read = segment_reader(camera)
    if start is None and end is None:
        return verify.check_chain(manifest_lines(camera), camera=camera.ident, segment=read,
                                  deletions=deletions(camera), heads=heads(camera), holds=holds(),
                                  retention_days=retention_days)
    low, high = clock.format_ts(start) if start else "", clock.format_ts(end) if end else "9999"

    def outside(row: dict) -> bool:
        return row["end"] < low or row["start"] > high

    lines = list(manifest_lines(camera))
    skipped = {row["seq"] for row in (canonical_json.loads(line[:-1]) for line in lines) if outside(row)}
    return verify.check_chain(lines, camera=camera.ident, segment=lambda seq: None if seq in skipped else read(seq),
                              deletions=deletions(camera), heads=heads(camera), holds=holds(),
                              retention_days=retention_days, outside=outside)
