"""Frames: the header the page reads, the stamp, the renditions, the backoff and the readers."""

from datetime import UTC, datetime

import cv2
import numpy as np

from bidroom.capture import frames
from bidroom.capture.readers import SyntheticReader
from bidroom.capture.worker import backoff


def test_header_round_trip():
    header = frames.Header("R301-front", frames.FOCUS, 4_000_000_000, 1_795_000_000_123_456)
    message = frames.pack(header, b"\xff\xd8jpeg")
    assert message[0] == 1 and message[1] == len("R301-front")
    assert frames.unpack(message) == (header, b"\xff\xd8jpeg")


def test_render_fits_stamps_and_encodes_once_at_the_size():
    image = np.zeros((720, 1280, 3), dtype=np.uint8)
    moment = datetime(2026, 11, 23, 1, 2, 3, 400000, tzinfo=UTC)
    jpeg = frames.render(image, label="front", moment=moment, size=(640, 360))
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (360, 640, 3)
    assert decoded[:20, :200].max() > 200          # the stamp is there, white on black
    assert decoded[200:, 300:].max() < 30          # the rest untouched
    small = np.zeros((180, 320, 3), dtype=np.uint8)
    assert frames.fit(small, (1280, 720)).shape == small.shape   # never scaled up


def test_the_stamp_changes_with_time():
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    a = frames.stamp(image, "front", datetime(2026, 11, 23, 1, 2, 3, tzinfo=UTC))
    b = frames.stamp(image, "front", datetime(2026, 11, 23, 1, 2, 4, tzinfo=UTC))
    assert not np.array_equal(a, b)


def test_backoff_is_1_2_4_then_every_4_seconds():
    assert [backoff(n) for n in range(6)] == [1, 2, 4, 4, 4, 4]


def test_the_synthetic_camera_moves_at_its_pace():
    reader = SyntheticReader("front", size=(320, 180), fps=50)
    first, second = reader.read(), reader.read()
    assert first.shape == (180, 320, 3) and not np.array_equal(first, second)


def test_a_chinese_camera_name_is_drawn_on_the_frame():
    image = np.zeros((360, 640, 3), dtype=np.uint8)
    moment = datetime(2026, 11, 23, 1, 2, 3, tzinfo=UTC)
    chinese = frames.stamp(image, "第一开标室 全景", moment)
    other = frames.stamp(image, "第二评标室 入口", moment)
    assert frames.can_draw_cjk()          # fonts-noto-cjk: ./run installs it
    band = chinese[:30, :200]
    assert band.max() > 200 and not np.array_equal(band, other[:30, :200])
