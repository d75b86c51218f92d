"""The capture worker records each camera in segments that are chained, play, and follow
each other; a clock jump and a reconnect start new segments with a gap row between."""

import hashlib
import time
from datetime import timedelta

import pytest

from accounts.models import User
from audit import clock
from audit.services import clock_advance
from bidroom.capture.worker import Config, Worker
from bidroom.models import Camera, Room
from recording import chain
from recording.models import Row
from recording.services import row_dict, segment_path
from recording.writer import decoded_frames, media_seconds
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met")


def make_worker(**overrides):
    config = dict(lease=timedelta(seconds=3), watchdog=2, connect_timeout=2, synthetic_size=(160, 90),
                  synthetic_fps=10, segment_seconds=1.0, fragment_seconds=0.5)
    return Worker(name="rec", config=Config(**{**config, **overrides}))


def camera(source, ident="c1"):
    room = Room.objects.get_or_create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")[0]
    return Camera.objects.create(ident=ident, name="front", room=room, source=source, created_at=clock.now())


def assert_chain_verifies(cam):
    link = chain.LINK_0
    previous = None
    for n, row in enumerate(Row.objects.filter(camera=cam).order_by("seq"), start=1):
        assert row.seq == n
        data = row_dict(row, cam.ident)
        chain.check_row(data)
        link = chain.rec_link(link, data)
        assert row.link == link.hex()
        if previous is not None:
            assert row.start == previous.end, f"row {n} does not start where {n - 1} ended"
        assert row.end >= row.start
        if row.kind == Row.Kind.SEGMENT:
            body = segment_path(cam.ident, row.seq).read_bytes()
            assert hashlib.sha256(body).hexdigest() == row.sha256 and len(body) == row.size
        previous = row


def test_synthetic_camera_is_recorded_in_chained_segments_that_play(recording_dir):
    worker = make_worker()
    try:
        cam = camera("synthetic:a")
        before = clock.now()
        worker.step()
        wait_for(lambda: Row.objects.filter(camera=cam, kind="segment").count() >= 3)
    finally:
        worker.shutdown()
    rows = list(Row.objects.filter(camera=cam).order_by("seq"))
    assert all(r.kind == "segment" for r in rows)
    assert before <= rows[0].start <= before + timedelta(seconds=5)     # platform time
    for row in rows[:-1]:
        seconds = (row.end - row.start).total_seconds()
        assert 0.9 <= seconds <= 1.6, seconds                           # the configured length
        path = segment_path(cam.ident, row.seq)
        assert decoded_frames(path) >= 8                                 # 10 fps, about a second
        assert abs(media_seconds(path) - seconds) < 0.05
        assert path.read_bytes()[4:8] == b"ftyp" and b"moof" in path.read_bytes()   # fragmented MP4
    assert_chain_verifies(cam)
    assert not list((recording_dir / "c1").glob("partial-*")), "shutdown chains the last segment"


def test_a_clock_jump_cuts_the_segment_and_leaves_a_clock_jump_gap(recording_dir):
    worker = make_worker(segment_seconds=30.0)
    try:
        cam = camera("synthetic:b")
        worker.step()
        time.sleep(1.5)
        worker.step()
        clock_advance(by=UserFactory(role=User.Role.STAFF), to=clock.now() + timedelta(hours=2))
        clock.forget_cached_offset()
        worker.step()
        wait_for(lambda: Row.objects.filter(camera=cam).count() >= 1)   # the cut segment, chained at once
        time.sleep(1.5)
    finally:
        worker.shutdown()
    rows = list(Row.objects.filter(camera=cam).order_by("seq"))
    assert [r.kind for r in rows] == ["segment", "gap", "segment"]
    first, gap, after = rows
    assert gap.reason == "clock_jump" and gap.end - gap.start > timedelta(hours=2, seconds=-2)
    assert (first.end - first.start) < timedelta(seconds=10)              # its media time, not the jump
    assert decoded_frames(segment_path(cam.ident, after.seq)) >= 3
    assert_chain_verifies(cam)


def test_a_reconnect_starts_a_new_segment_after_a_gap_row(recording_dir):
    worker = make_worker(segment_seconds=30.0)
    try:
        cam = camera("synthetic:c")
        worker.step()
        time.sleep(1.5)
        Camera.objects.filter(pk=cam.pk).update(source="synthetic:d")   # a change of source: a new connection
        worker.step()
        time.sleep(1.5)
    finally:
        worker.shutdown()
    rows = list(Row.objects.filter(camera=cam).order_by("seq"))
    kinds = [r.kind for r in rows]
    assert kinds[0] == "segment" and kinds[-1] == "segment" and kinds.count("segment") == 2
    assert_chain_verifies(cam)
