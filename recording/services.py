"""Writes to the recording chain (chain.md §7): a finished segment file becomes a row, with a
gap row before it when recording was interrupted, and a cut file left by a crash is chained
when the camera's next holder starts."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from audit import clock
from bidroom.models import Camera, Gap
from recording import chain
from recording.models import Row
from recording.writer import media_seconds

log = logging.getLogger("recording")

PARTIAL = "partial-"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def camera_dir(ident: str) -> Path:
    return Path(settings.RECORDING_DIR) / ident


def segment_path(ident: str, seq: int) -> Path:
    return camera_dir(ident) / f"{seq}.mp4"


def partial_path(ident: str, start: datetime) -> Path:
    """The file a segment is written to until it is chained; its name keeps its start."""
    directory = camera_dir(ident)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{PARTIAL}{(start - EPOCH) // timedelta(microseconds=1)}.mp4"


def _start_of(path: Path) -> datetime:
    return EPOCH + timedelta(microseconds=int(path.stem.removeprefix(PARTIAL)))


start_of_partial = _start_of


def file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def row_dict(row: Row, ident: str) -> dict:
    """The row exactly as chain.md §7 hashes it."""
    common = {"camera": ident, "seq": row.seq, "start": clock.format_ts(row.start), "end": clock.format_ts(row.end)}
    if row.kind == Row.Kind.SEGMENT:
        return chain.segment_row(**common, sha256=row.sha256, size=row.size)
    return chain.gap_row(**common, reason=row.reason)


def _append(camera: Camera, last: Row | None, **fields: object) -> Row:
    row = Row(camera=camera, seq=(last.seq + 1) if last else 1, **fields)
    previous = bytes.fromhex(last.link) if last else chain.LINK_0
    row.link = chain.rec_link(previous, row_dict(row, camera.ident)).hex()
    row.save()
    return row


def _gap_reason(camera: Camera, start: datetime, end: datetime, default: str) -> str:
    """The reason the capture worker gave for the outage (bidroom Gap), else `default`."""
    gap = (Gap.objects.filter(camera=camera, start__lt=end).exclude(end__lt=start).order_by("-start").first())
    return gap.reason if gap is not None else default


def segment_commit(*, camera_pk: int, path: Path, start: datetime, end: datetime, continuous: bool,
                   gap_reason: str = Gap.Reason.CAMERA_OFFLINE) -> Row:
    """Chain a finished segment file and move it to `<seq>.mp4`.

    `continuous`: the segment follows the previous one on the same connection, so it starts
    where that one ended. Otherwise a gap row covers any time since the previous row ended.
    """
    sha256, size = file_digest(path)
    with transaction.atomic():
        camera = Camera.objects.select_for_update().get(pk=camera_pk)
        last = Row.objects.filter(camera=camera).order_by("-seq").first()
        if last is not None:
            if continuous or start < last.end:
                start = last.end if continuous else max(start, last.end)
            elif start > last.end:
                _gap = _append(camera, last, kind=Row.Kind.GAP, start=last.end, end=start,
                               reason=_gap_reason(camera, last.end, start, gap_reason))
                last = _gap
        row = _append(camera, last, kind=Row.Kind.SEGMENT, start=start, end=max(end, start), sha256=sha256, size=size)
    target = segment_path(camera.ident, row.seq)
    path.replace(target)
    return row


def partials_recover(*, camera_pk: int, skip: set[Path] | frozenset[Path] = frozenset()) -> list[Row]:
    """Chain the files a killed worker left half written (they play up to the last flushed
    fragment). A file already chained (killed between commit and rename) is only renamed."""
    camera = Camera.objects.get(pk=camera_pk)
    rows = []
    directory = camera_dir(camera.ident)
    for path in sorted(directory.glob(f"{PARTIAL}*.mp4")) if directory.is_dir() else []:
        if path in skip:
            continue
        sha256, _size = file_digest(path)
        done = Row.objects.filter(camera=camera, kind=Row.Kind.SEGMENT, sha256=sha256).first()
        if done is not None:
            path.replace(segment_path(camera.ident, done.seq))
            continue
        seconds = media_seconds(path)
        if seconds <= 0:
            log.warning("camera %s: %s holds no playable video; removed", camera.ident, path.name)
            path.unlink()
            continue
        start = _start_of(path)
        rows.append(segment_commit(camera_pk=camera_pk, path=path, start=start,
                                   end=start + timedelta(seconds=seconds), continuous=False,
                                   gap_reason=Gap.Reason.WORKER_RESTART))
        log.info("camera %s: chained the cut segment %s (%.1f s)", camera.ident, path.name, seconds)
    return rows


def heads_fold() -> int:
    """Append `recording.head` {camera, seq, link} for every camera whose chain grew since its
    last head event, so the next signed checkpoint covers the video. Returns how many."""
    from audit.models import Event
    from audit.services import SYSTEM, event_append

    import canonical_json

    folded = 0
    for camera in Camera.objects.filter(recording_rows__isnull=False).distinct().order_by("ident"):
        last = Row.objects.filter(camera=camera).order_by("-seq").first()
        head = Event.objects.filter(kind="recording.head", object=f"camera:{camera.ident}").order_by("-seq").first()
        if last is None or (head is not None and canonical_json.loads(head.payload.encode())["seq"] == last.seq):
            continue
        with transaction.atomic():
            event_append(kind="recording.head", actor=SYSTEM, object=f"camera:{camera.ident}",
                         payload={"camera": camera.ident, "seq": last.seq, "link": last.link})
        folded += 1
    return folded
