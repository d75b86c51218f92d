"""Cameras: staff add, change and remove them; supervisors, inspectors and staff watch them.

Writes append their audit event and tell open room pages after commit (control messages
over the channel layer: never frames). Reads for viewers raise a DomainError that says why
a camera cannot be watched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone

from audit import clock
from audit.services import actor_of, event_append
from bidroom import leases
from bidroom.capture.sources import MalformedSource, parse, redacted
from bidroom.errors import (BadCameraSource, CameraHasRecordings, CameraIdTaken, CameraInNoRoom, CameraNotFound,
                            CameraNotInRoom)
from bidroom.models import Booking, Camera, Room
from config.errors import NotFound, NotPermitted
from config.realtime import broadcast_on_commit

if TYPE_CHECKING:
    from accounts.models import User


def room_group(room_id: int) -> str:
    return f"bidroom.room.{room_id}"


def _check_source(source: str) -> str:
    try:
        parse(source)
    except MalformedSource:
        raise BadCameraSource(source=redacted(source)[:120]) from None
    return source.strip()


def _changed(*room_ids: int | None) -> None:
    for room_id in {r for r in room_ids if r is not None}:
        broadcast_on_commit(room_group(room_id), {"type": "cameras.changed"})


@transaction.atomic
def camera_create(*, by: User, ident: str, name: str, room: Room | None, source: str, position: int = 0) -> Camera:
    if not by.has_perm("bidroom.manage_cameras"):
        raise NotPermitted()
    source = _check_source(source)
    if Camera.objects.filter(ident=ident).exists():
        raise CameraIdTaken(camera=ident)
    camera = Camera.objects.create(ident=ident, name=name, room=room, source=source, position=position,
                                   created_at=clock.now())
    event_append(kind="camera.created", actor=actor_of(by), object=f"camera:{ident}",
                 payload={"camera": ident, "room": room.pk if room else None})
    _changed(camera.room_id)
    return camera


@transaction.atomic
def camera_update(*, camera: Camera, by: User, name: str, room: Room | None, source: str, position: int,
                  enabled: bool) -> Camera:
    """A changed source, room or name restarts the camera's connection at the next lease
    heartbeat (the worker compares what it holds)."""
    if not by.has_perm("bidroom.manage_cameras"):
        raise NotPermitted()
    source = _check_source(source)
    camera = Camera.objects.select_for_update().get(pk=camera.pk)
    old_room = camera.room_id
    camera.name, camera.room, camera.source, camera.position, camera.enabled = name, room, source, position, enabled
    camera.save(update_fields=["name", "room", "source", "position", "enabled"])
    event_append(kind="camera.changed", actor=actor_of(by), object=f"camera:{camera.ident}",
                 payload={"camera": camera.ident, "room": camera.room_id, "enabled": enabled})
    _changed(old_room, camera.room_id)
    return camera


@transaction.atomic
def camera_delete(*, camera: Camera, by: User) -> None:
    if not by.has_perm("bidroom.manage_cameras"):
        raise NotPermitted()
    if camera.recording_rows.exists():      # the recording chain and its files outlive a removal
        raise CameraHasRecordings(camera=camera.ident)
    event_append(kind="camera.removed", actor=actor_of(by), object=f"camera:{camera.ident}",
                 payload={"camera": camera.ident})
    _changed(camera.room_id)
    camera.delete()


# --- reads -------------------------------------------------------------------------------

def room_for_watching(*, user: User, pk: int) -> Room:
    if not user.has_perm("bidroom.watch_room"):
        raise NotPermitted()
    room = (Room.objects.filter(pk=pk)
            .prefetch_related(Prefetch("cameras", queryset=Camera.objects.filter(enabled=True))).first())
    if room is None:
        raise NotFound()
    return room


def camera_for_viewer(*, user: User, room_pk: int, ident: str) -> Camera:
    """The camera a viewer may watch in that room, or the reason not: one predicate for the
    page and the socket."""
    if not user.has_perm("bidroom.watch_room"):
        raise NotPermitted()
    camera = Camera.objects.select_related("room").filter(ident=ident, enabled=True).first()
    if camera is None:
        raise CameraNotFound(camera=ident)
    if camera.room is None:
        raise CameraInNoRoom(camera=ident)
    if camera.room_id != room_pk:
        room = Room.objects.filter(pk=room_pk).first()
        raise CameraNotInRoom(camera=ident, room=room.name if room else room_pk)
    return camera


def camera_endpoint(ident: str) -> tuple[str, str | None]:
    """Where the worker holding the camera serves its frames ("" if no live lease), and
    since when the camera has had no video (platform time), if it has none."""
    row = Camera.objects.filter(ident=ident).values("pk", "endpoint", "lease_expires_at").first()
    if row is None:
        return "", None
    if row["endpoint"] and row["lease_expires_at"] and row["lease_expires_at"] > timezone.now():
        return row["endpoint"], None
    since = leases.open_gap_start(row["pk"])
    return "", clock.format_ts(since) if since else None


@dataclass(frozen=True)
class RoomNow:
    room: Room
    booking: Booking | None
    cameras: int


def rooms_in_use(*, user: User, at: datetime | None = None) -> list[RoomNow]:
    """Every room with its booking at this moment (and the listing run in it), in use first."""
    if not user.has_perm("bidroom.watch_room"):
        raise NotPermitted()
    at = at or clock.now()
    current = {b.room_id: b for b in Booking.objects.filter(starts_at__lte=at, ends_at__gt=at)
               .select_related("listing")}
    rooms = Room.objects.all()
    counts = dict(Camera.objects.filter(enabled=True, room__isnull=False).values("room").order_by()
                  .annotate(n=Count("pk")).values_list("room", "n"))
    rows = [RoomNow(room, current.get(room.pk), counts.get(room.pk, 0)) for room in rooms]
    return sorted(rows, key=lambda r: (r.booking is None, r.room.kind, r.room.name))

