"""Recording from the real camera peers: an RTSP camera's H.264 is remuxed (not re-encoded)
into segments that play; a capture worker killed with SIGKILL mid-segment leaves a cut file
that the next worker chains, the outage a gap row."""

import signal
import time

import av
import pytest

from audit import clock
from bidroom.models import Camera, Room
from recording.models import Row
from recording.services import segment_path
from recording.writer import decoded_frames, media_seconds
from tests.bidroom.live_helpers import Peer, start_worker, stop_process
from tests.recording.test_segments import assert_chain_verifies, make_worker

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture
def room():
    return Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")


def test_rtsp_h264_is_remuxed_into_segments_that_play(room):
    peer = Peer("rtsp").start()
    worker = make_worker(segment_seconds=2.0)
    try:
        cam = Camera.objects.create(ident="rtsp1", name="r", room=room, source=peer.url, created_at=clock.now())
        worker.step()
        wait_for(lambda: Row.objects.filter(camera=cam, kind="segment").count() >= 2, 30, "two segments")
    finally:
        worker.shutdown()
        peer.stop()
    rows = list(Row.objects.filter(camera=cam).order_by("seq"))
    first = segment_path(cam.ident, rows[0].seq)
    with av.open(str(first)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)   # the camera's own, not scaled
        packets = [p for p in container.demux(stream) if p.size]
        assert packets[0].is_keyframe                                                    # starts at a key frame
    assert decoded_frames(first) >= 15                          # 10 fps: two seconds, cut at a key frame
    assert 1.8 <= media_seconds(first) <= 3.2
    assert_chain_verifies(cam)


def test_a_worker_killed_mid_segment_leaves_a_cut_segment_that_plays_and_is_chained(room, recording_dir):
    env = {"RECORDING_DIR": str(recording_dir), "RECORDING_SEGMENT_SECONDS": "60", "RECORDING_FRAGMENT_SECONDS": "1"}
    cam = Camera.objects.create(ident="k1", name="k", room=room, source="synthetic:kill", created_at=clock.now())
    first = start_worker("rec-a", **env)
    try:
        partial = lambda: sorted((recording_dir / "k1").glob("partial-*.mp4")) if (recording_dir / "k1").is_dir() else []  # noqa: E731
        wait_for(lambda: partial() and media_seconds(partial()[0]) >= 3, 30, "three seconds written")
        cut = partial()[0]
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        written = media_seconds(cut)
        assert written >= 3 and decoded_frames(cut) >= 25         # the cut file plays as it is
        assert not Row.objects.filter(camera=cam).exists()
        killed_at = clock.now()
        second = start_worker("rec-b", **env)
        try:
            wait_for(lambda: Row.objects.filter(camera=cam, kind="segment").exists(), 30, "the cut segment chained")
            time.sleep(3)
        finally:
            stop_process(second)
    finally:
        stop_process(first)
    rows = list(Row.objects.filter(camera=cam).order_by("seq"))
    assert [r.kind for r in rows] == ["segment", "gap", "segment"]
    recovered, gap, after = rows
    assert abs((recovered.end - recovered.start).total_seconds() - written) < 0.01
    assert decoded_frames(segment_path(cam.ident, recovered.seq)) >= 25
    assert gap.reason in ("worker_restart", "lease_handover") and gap.start <= killed_at < gap.end   # the outage
    assert gap.start == recovered.end and after.start == gap.end
    assert decoded_frames(segment_path(cam.ident, after.seq)) >= 10   # the second worker's segment, chained at its stop
    assert not list((recording_dir / "k1").glob("partial-*"))
    assert_chain_verifies(cam)
