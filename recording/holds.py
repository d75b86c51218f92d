"""Holds and retention (chain.md §7 "Holds and deletion", RULES.md §7).

Inspectors hold a listing, a room, a camera or a time range, with a reason; every hold and
release is an audit event. A listing's recordings are held automatically while an objection
window of it is open or an objection unanswered, and procurement openings and evaluations
are held for the archive (never released by the 60 days). The daily retention pass deletes
segment files whose end is more than RECORDING_RETENTION_DAYS × 24 h ago and that no hold
covers: the row stays, its file goes, and `recording.deleted` is appended.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from accounts.models import User
from audit import clock
from audit.services import SYSTEM, actor_of, event_append
from bidroom.models import Booking, Camera, Room
from config.errors import NotPermitted
from recording.errors import HoldAutomatic, HoldBadSpan, HoldNeedsReason, HoldNoCameras, HoldNotFound
from recording.models import Hold, Row
from recording.services import segment_path
from trading.models import Kind, Listing, Objection, ResultReport

log = logging.getLogger("recording")

ARCHIVE_PURPOSES = (Booking.Purpose.OPENING, Booking.Purpose.EVALUATION)


def _may_hold(user: User | None) -> None:
    if user is None or not user.has_perm("recording.hold"):
        raise NotPermitted()


def _place(*, by: User | None, cameras: list[str], start: datetime, end: datetime, reason: str,
           cause: str = Hold.Cause.INSPECTOR, listing: Listing | None = None,
           booking: Booking | None = None) -> Hold:
    reason = (reason or "").strip()
    if not reason:
        raise HoldNeedsReason()
    if end < start:
        raise HoldBadSpan()
    cameras = sorted(set(cameras))
    if not cameras:
        raise HoldNoCameras()
    with transaction.atomic():
        hold = Hold.objects.create(hold_id=f"H-{secrets.token_hex(6)}", cameras=cameras, start=start, end=end,
                                   reason=reason[:200], cause=cause, listing=listing, booking=booking, placed_by=by,
                                   placed_at=clock.now())
        event_append(kind="recording.hold", actor=actor_of(by), object=f"listing:{listing.code}" if listing else "",
                     payload={"hold_id": hold.hold_id, "cameras": cameras, "from": clock.format_ts(start),
                              "to": clock.format_ts(end), "reason": hold.reason})
    return hold


def _room_cameras(room: Room) -> list[str]:
    return list(Camera.objects.filter(room=room).values_list("ident", flat=True))


def hold_cameras(*, by: User, cameras: list[Camera], start: datetime, end: datetime, reason: str) -> Hold:
    _may_hold(by)
    return _place(by=by, cameras=[c.ident for c in cameras], start=start, end=end, reason=reason)


def hold_room(*, by: User, room: Room, start: datetime, end: datetime, reason: str) -> Hold:
    _may_hold(by)
    return _place(by=by, cameras=_room_cameras(room), start=start, end=end, reason=reason)


def hold_listing(*, by: User, listing: Listing, reason: str) -> list[Hold]:
    """One hold per booking of the listing: the cameras of its room over the booking."""
    _may_hold(by)
    if not (reason or "").strip():
        raise HoldNeedsReason()
    holds = [_place(by=by, cameras=_room_cameras(b.room), start=b.starts_at, end=b.ends_at, reason=reason,
                    listing=listing, booking=b)
             for b in Booking.objects.filter(listing=listing).select_related("room") if _room_cameras(b.room)]
    if not holds:
        raise HoldNoCameras()
    return holds


def _release(hold: Hold, by: User | None) -> None:
    with transaction.atomic():
        hold.released_at, hold.released_by = clock.now(), by
        hold.save(update_fields=["released_at", "released_by"])
        event_append(kind="recording.release", actor=actor_of(by),
                     object=f"listing:{hold.listing.code}" if hold.listing else "", payload={"hold_id": hold.hold_id})


def hold_release(*, by: User, hold_id: str) -> Hold:
    _may_hold(by)
    hold = Hold.objects.filter(hold_id=hold_id, released_at__isnull=True).select_related("listing").first()
    if hold is None:
        raise HoldNotFound(hold=hold_id)
    if hold.cause:
        raise HoldAutomatic(hold=hold_id, listing=hold.listing.code if hold.listing else "")
    _release(hold, by)
    return hold


# --- automatic holds ---------------------------------------------------------------------
def _objection_open(listing: Listing, now: datetime) -> bool:
    return (ResultReport.objects.filter(lot__listing=listing, publicity_ends_at__gt=now).exists()
            or Objection.objects.filter(lot__listing=listing, replied_at__isnull=True).exists())


def holds_sync(now: datetime | None = None) -> tuple[int, int]:
    """Place the automatic holds that are due and release the objection holds whose windows
    have closed. Returns (placed, released)."""
    now = now or clock.now()
    placed = released = 0
    active = {(h.booking_id, h.cause): h for h in Hold.objects.filter(released_at__isnull=True).exclude(cause="")}
    wanted: set[tuple[int, str]] = set()
    for booking in Booking.objects.filter(starts_at__lte=now).select_related("listing", "room"):
        causes = []
        if _objection_open(booking.listing, now):
            causes.append(Hold.Cause.OBJECTION)
        if (settings.PROCUREMENT_ARCHIVE_RECORDINGS and booking.listing.kind == Kind.PROCUREMENT
                and booking.purpose in ARCHIVE_PURPOSES):
            causes.append(Hold.Cause.ARCHIVE)
        for cause in causes:
            wanted.add((booking.pk, cause))
            if (booking.pk, cause) in active or not _room_cameras(booking.room):
                continue
            _place(by=None, cameras=_room_cameras(booking.room), start=booking.starts_at, end=booking.ends_at,
                   reason=f"{cause}:{booking.listing.code}", cause=cause, listing=booking.listing, booking=booking)
            placed += 1
    for key, hold in active.items():
        if hold.cause == Hold.Cause.OBJECTION and key not in wanted:
            _release(hold, None)
            released += 1
    return placed, released


# --- retention ---------------------------------------------------------------------------
def retention_run(now: datetime | None = None) -> int:
    """Delete the files of segments past retention that no hold covers; returns how many."""
    now = now or clock.now()
    holds_sync(now)
    cutoff = now - timedelta(days=settings.RECORDING_RETENTION_DAYS)
    holds = list(Hold.objects.filter(released_at__isnull=True))
    deleted = 0
    due = (Row.objects.filter(kind=Row.Kind.SEGMENT, deleted_at__isnull=True, end__lt=cutoff)
           .select_related("camera").order_by("end"))
    for row in due.iterator(chunk_size=500):
        if any(h.covers(row.camera.ident, row.start, row.end) for h in holds):
            continue
        _delete(row, now, "retention")
        deleted += 1
    return deleted


def _delete(row: Row, now: datetime, reason: str) -> None:
    with transaction.atomic():
        row.deleted_at, row.deletion_reason = now, reason
        row.save(update_fields=["deleted_at", "deletion_reason"])
        event_append(kind="recording.deleted", actor=SYSTEM, object=f"camera:{row.camera.ident}",
                     payload={"camera": row.camera.ident, "seq": row.seq, "reason": reason})
    # After the event is committed: a file present with its deletion event still verifies;
    # a file gone without one would not.
    segment_path(row.camera.ident, row.seq).unlink(missing_ok=True)


# --- storage emergency -------------------------------------------------------------------
def bytes_per_second(now: datetime, window: timedelta = timedelta(minutes=10)) -> float:
    """The current recording bitrate of all cameras together: bytes of the segments that
    ended in the last `window`, over the window."""
    from django.db.models import Sum

    total = Row.objects.filter(kind=Row.Kind.SEGMENT, end__gt=now - window, end__lte=now).aggregate(s=Sum("size"))["s"]
    return (total or 0) / window.total_seconds()


def emergency_run(*, free_bytes: int | None = None, now: datetime | None = None) -> list[Row]:
    """When free space is below RECORDING_EMERGENCY_HOURS of recording at the current
    bitrate, delete the oldest unheld segments until it is not, each with
    `recording.deleted` reason `emergency`, and raise an alert: this breaks the 60-day promise."""
    import shutil

    from django.core.mail import mail_admins

    now = now or clock.now()
    if free_bytes is None:
        directory = settings.RECORDING_DIR
        directory.mkdir(parents=True, exist_ok=True)
        free_bytes = shutil.disk_usage(directory).free
    needed = bytes_per_second(now) * settings.RECORDING_EMERGENCY_HOURS * 3600
    if free_bytes >= needed:
        return []
    holds = list(Hold.objects.filter(released_at__isnull=True))
    deleted: list[Row] = []
    for row in (Row.objects.filter(kind=Row.Kind.SEGMENT, deleted_at__isnull=True).select_related("camera")
                .order_by("end").iterator(chunk_size=200)):
        if free_bytes >= needed:
            break
        if any(h.covers(row.camera.ident, row.start, row.end) for h in holds):
            continue
        _delete(row, now, "emergency")
        free_bytes += row.size or 0
        deleted.append(row)
    message = (f"Recording storage emergency: free space was below {settings.RECORDING_EMERGENCY_HOURS} h of "
               f"recording; deleted {len(deleted)} segments early (the oldest unheld), "
               f"{'enough' if free_bytes >= needed else 'NOT enough'} to recover.")
    log.critical(message)
    mail_admins("Recording storage emergency", message, fail_silently=True)
    return deleted


# --- reconciliation ----------------------------------------------------------------------
def reconcile() -> dict[str, list[str]]:
    """Files against rows, both ways: `orphans` are files no row names (a partial file only
    when no worker could still be writing it), `missing` are rows whose file is gone without
    a deletion."""
    from recording.services import PARTIAL, camera_dir, start_of_partial

    stale = clock.now() - timedelta(seconds=settings.RECORDING_SEGMENT_SECONDS * 3)
    report: dict[str, list[str]] = {"orphans": [], "missing": []}
    for camera in Camera.objects.order_by("ident"):
        rows = dict(Row.objects.filter(camera=camera, kind=Row.Kind.SEGMENT, deleted_at__isnull=True)
                    .values_list("seq", "sha256"))
        directory = camera_dir(camera.ident)
        present = set()
        for path in sorted(directory.iterdir()) if directory.is_dir() else []:
            if path.name.startswith(PARTIAL):
                if start_of_partial(path) < stale:
                    report["orphans"].append(f"{camera.ident}/{path.name}")
                continue
            stem = path.stem
            if path.suffix == ".mp4" and stem.isdigit() and int(stem) in rows:
                present.add(int(stem))
            else:
                report["orphans"].append(f"{camera.ident}/{path.name}")
        report["missing"] += [f"{camera.ident}/{seq}.mp4" for seq in sorted(set(rows) - present)]
    if report["orphans"] or report["missing"]:
        log.error("recording reconciliation: %d orphan files, %d missing files: %s", len(report["orphans"]),
                  len(report["missing"]), report)
    return report
