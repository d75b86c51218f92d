"""Which capture worker holds which camera, and the gaps in each camera's video.

A camera is held through a lease row (Camera.holder, .endpoint, .lease_expires_at) that its
worker renews every third of a period; a worker takes any camera whose lease has run out, so
a dead worker's cameras are taken over within one period plus one poll (under two periods).
Lease times are system time (timezone.now), not the platform clock: moving the demo clock
forward must not expire every lease at once.

Gaps: at most one open gap per camera (a database constraint); the worker opens one when
video stops and closes it with the first good frame after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit import clock
from bidroom.models import Camera, Gap


@dataclass(frozen=True)
class Held:
    """What a worker needs to run a camera; a change of any field restarts its connection."""

    pk: int
    ident: str
    name: str
    source: str
    room_id: int


def _held(camera: Camera) -> Held:
    assert camera.room_id is not None
    return Held(camera.pk, camera.ident, camera.name, camera.source, camera.room_id)


def _capturable() -> Q:
    # A camera in no room has no one to watch it: it is not captured (cameras page says so).
    return Q(enabled=True, room__isnull=False)


def leases_acquire(*, holder: str, endpoint: str, period: timedelta) -> list[Held]:
    """Take every capturable camera that is free or whose lease ran out. A camera taken from
    a lapsed holder gets a gap (worker_restart if the holder had our worker name, else
    lease_handover) unless an outage was already open."""
    now = timezone.now()
    taken: list[Held] = []
    free = Camera.objects.filter(_capturable()).filter(Q(holder="") | Q(lease_expires_at__lt=now)).order_by("pk")
    for camera in free:
        with transaction.atomic():
            # The old holder and expiry in the WHERE: of two workers racing, one updates.
            won = Camera.objects.filter(pk=camera.pk, holder=camera.holder,
                                        lease_expires_at=camera.lease_expires_at).update(
                holder=holder, endpoint=endpoint, lease_expires_at=now + period)
            if not won:
                continue
            if camera.holder and camera.lease_expires_at is not None:
                same_worker = camera.holder.rsplit(":", 1)[0] == holder.rsplit(":", 1)[0]
                last_heartbeat = camera.lease_expires_at - period
                gap_open(camera=camera, reason=Gap.Reason.WORKER_RESTART if same_worker else Gap.Reason.LEASE_HANDOVER,
                         start=clock.now() - (now - last_heartbeat), detail=f"previous holder {camera.holder}")
        taken.append(_held(camera))
    return taken


def leases_renew(*, holder: str, period: timedelta) -> list[Held]:
    """Extend this worker's leases; the answer is what it still holds (a camera disabled,
    moved out of every room or taken after a lapse is no longer in it)."""
    now = timezone.now()
    mine = Camera.objects.filter(holder=holder)
    mine.filter(_capturable()).update(lease_expires_at=now + period)
    mine.exclude(_capturable()).update(holder="", endpoint="", lease_expires_at=None)
    return [_held(c) for c in Camera.objects.filter(holder=holder).order_by("pk")]


def leases_release(*, holder: str, pks: list[int] | None = None, gap: bool = True) -> None:
    """Let go (a worker stopping): the video stops until another worker takes over, so each
    released camera gets a worker_restart gap unless an outage is open."""
    mine = Camera.objects.filter(holder=holder)
    if pks is not None:
        mine = mine.filter(pk__in=pks)
    cameras = list(mine)
    mine.update(holder="", endpoint="", lease_expires_at=None)
    if gap:
        for camera in cameras:
            gap_open(camera=camera, reason=Gap.Reason.WORKER_RESTART, start=clock.now(), detail="worker stopped")


def gap_open(*, camera: Camera | int, reason: str, start: datetime, detail: str = "") -> Gap | None:
    """Open a gap unless one is open; the one already open keeps its start and reason."""
    pk = camera if isinstance(camera, int) else camera.pk
    existing = Gap.objects.filter(camera_id=pk, end__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Gap.objects.create(camera_id=pk, reason=reason, start=start, detail=detail[:300])
    except IntegrityError:  # another process opened one first (the constraint) or the camera is gone
        return Gap.objects.filter(camera_id=pk, end__isnull=True).first()


def gap_close(*, camera: Camera | int, end: datetime) -> int:
    pk = camera if isinstance(camera, int) else camera.pk
    open_gap = Gap.objects.filter(camera_id=pk, end__isnull=True).first()
    if open_gap is None:
        return 0
    return Gap.objects.filter(pk=open_gap.pk, end__isnull=True).update(end=max(end, open_gap.start))


def open_gap_start(camera_pk: int) -> datetime | None:
    return Gap.objects.filter(camera_id=camera_pk, end__isnull=True).values_list("start", flat=True).first()
