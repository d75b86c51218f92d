"""The capture worker in process: it takes a camera, goes live, follows a change of source,
notes a demo clock jump as a gap, and lets go when it stops."""

import time
from datetime import timedelta

import pytest

from accounts.models import User
from audit import clock
from audit.services import clock_advance
from bidroom.capture.frames import GRID
from bidroom.capture.worker import Config, Worker
from bidroom.models import Camera, Gap, Room
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met")


@pytest.fixture
def worker():
    w = Worker(name="inproc", config=Config(lease=timedelta(seconds=3), watchdog=2, connect_timeout=2,
                                            synthetic_size=(160, 90), synthetic_fps=20))
    yield w
    w.shutdown()


def test_worker_goes_live_follows_changes_notes_a_clock_jump_and_lets_go(worker):
    room = Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")
    camera = Camera.objects.create(ident="c1", name="front", room=room, source="synthetic:a", created_at=clock.now())
    worker.step()
    runner = worker.runners[camera.pk]
    wait_for(lambda: runner.online and worker.server.feeds["c1"].slots[GRID].seq > 2)
    worker.step()                                         # notes the offset
    clock_advance(by=UserFactory(role=User.Role.STAFF), to=clock.now() + timedelta(hours=2))
    clock.forget_cached_offset()
    worker.step()
    jump = Gap.objects.get(camera=camera)
    assert jump.reason == Gap.Reason.CLOCK_JUMP and jump.end - jump.start > timedelta(hours=2, seconds=-1)
    Camera.objects.filter(pk=camera.pk).update(source="synthetic:b")
    worker.step()
    assert worker.runners[camera.pk] is not runner and runner.stopping.is_set()   # reconnected to the new source
    worker.shutdown()
    camera.refresh_from_db()
    assert camera.holder == ""
    assert Gap.objects.filter(camera=camera, reason=Gap.Reason.WORKER_RESTART, end__isnull=True).exists()
