"""Leases and gaps: one holder per camera, takeover of lapsed leases with the right gap."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from audit import clock
from bidroom import leases
from bidroom.models import Camera, Gap, Room

pytestmark = pytest.mark.django_db
PERIOD = timedelta(seconds=6)


@pytest.fixture
def room():
    return Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")


def camera(room, ident="c1", **extra):
    return Camera.objects.create(ident=ident, name=ident, room=room, source="synthetic:a", created_at=clock.now(),
                                 **extra)


def acquire(holder):
    return leases.leases_acquire(holder=holder, endpoint=f"127.0.0.1:{len(holder)}", period=PERIOD)


def test_a_held_camera_is_not_taken_by_another_worker(room):
    camera(room)
    assert [h.ident for h in acquire("alpha:1")] == ["c1"]
    assert acquire("beta:2") == []
    assert not Gap.objects.exists()          # a first take is no outage


def test_a_lapsed_lease_is_taken_over_with_a_handover_gap(room):
    c = camera(room)
    acquire("alpha:1")
    Camera.objects.filter(pk=c.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert [h.ident for h in acquire("beta:2")] == ["c1"]
    c.refresh_from_db()
    assert (c.holder, c.endpoint) == ("beta:2", "127.0.0.1:6")
    gap = Gap.objects.get()
    assert gap.reason == Gap.Reason.LEASE_HANDOVER and gap.end is None
    assert clock.now() - gap.start >= PERIOD     # from the last heartbeat, not from the takeover


def test_the_same_worker_restarted_records_a_worker_restart(room):
    c = camera(room)
    acquire("vm:100")
    Camera.objects.filter(pk=c.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    acquire("vm:200")
    assert Gap.objects.get().reason == Gap.Reason.WORKER_RESTART


def test_cameras_in_no_room_or_disabled_are_not_captured_and_renewal_lets_them_go(room):
    camera(None, "loose")
    c = camera(room, "c1")
    assert [h.ident for h in acquire("alpha:1")] == ["c1"]
    Camera.objects.filter(pk=c.pk).update(enabled=False)
    assert leases.leases_renew(holder="alpha:1", period=PERIOD) == []
    c.refresh_from_db()
    assert c.holder == "" and c.lease_expires_at is None


def test_release_opens_a_worker_restart_gap_that_the_next_frame_closes(room):
    c = camera(room)
    acquire("alpha:1")
    leases.leases_release(holder="alpha:1")
    gap = Gap.objects.get()
    assert gap.reason == Gap.Reason.WORKER_RESTART and gap.end is None
    assert leases.gap_open(camera=c, reason=Gap.Reason.CAMERA_OFFLINE, start=clock.now()) == gap  # still one
    assert leases.gap_close(camera=c, end=clock.now()) == 1
    assert Gap.objects.get().end is not None


def test_the_database_keeps_one_open_gap_per_camera(room):
    c = camera(room)
    Gap.objects.create(camera=c, reason=Gap.Reason.CAMERA_OFFLINE, start=clock.now())
    with pytest.raises(IntegrityError):
        Gap.objects.create(camera=c, reason=Gap.Reason.ENCODER_ERROR, start=clock.now())
