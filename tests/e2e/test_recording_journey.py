"""An inspector opens a listing's opening in the recordings, clicks an event beside the video
and the video plays from that moment; exports the range, watches the progress, and the
export passes the standalone verifier. Real stack: Daphne, Celery, the capture worker
recording a synthetic camera in 4-second segments."""

import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from audit import clock, keys
from audit.models import Event
from audit.services import SYSTEM, event_append
from bidroom.models import Booking, Camera, Room
from recording.models import Row
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import log_in
from tests.trading.factories import draft

pytestmark = pytest.mark.e2e


def test_inspector_plays_the_moment_of_an_event_and_exports_the_range(stack, browser, tmp_path):
    room = Room.objects.create(name="第三开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 303")
    with ThreadPoolExecutor(1) as pool:
        listing = pool.submit(draft, kind="construction").result()
    now = clock.now()
    Booking.objects.create(room=room, listing=listing, purpose=Booking.Purpose.OPENING,
                           starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(minutes=30),
                           booked_by=UserFactory(role=User.Role.STAFF), booked_at=now)
    camera = Camera.objects.create(ident="E2E-REC", name="开标室前方", room=room, source="synthetic:rec",
                                   created_at=now)
    deadline = time.monotonic() + 40
    while not Row.objects.filter(camera=camera, kind="segment").exists():
        assert time.monotonic() < deadline, "no segment recorded"
        time.sleep(0.5)
    time.sleep(2)
    event = event_append(kind="opening.started", actor=SYSTEM, object=f"listing:{listing.code}",
                         payload={"listing": listing.code})
    while not Row.objects.filter(camera=camera, kind="segment", start__lte=event.ts, end__gt=event.ts).exists():
        assert time.monotonic() < deadline + 20, "the event's moment was not recorded"
        time.sleep(0.5)
    segment = Row.objects.get(camera=camera, kind="segment", start__lte=event.ts, end__gt=event.ts)
    offset = (event.ts - segment.start).total_seconds()

    inspector = UserFactory(role=User.Role.INSPECTOR)
    page = browser.new_page(locale="zh-CN")
    log_in(page, stack.url, inspector.username)
    page.goto(stack.url + "/recordings/")
    page.fill("#id_listing", listing.code)
    page.get_by_role("button", name="查找").click()
    expect(page.locator(".badge.ok")).to_be_visible()
    page.locator("a.event", has_text="opening.started").click()
    page.wait_for_function("document.getElementById('player').currentTime > 0", timeout=15000)
    first = page.evaluate("document.getElementById('player').currentTime")
    assert abs(first - offset) < 1.5, (first, offset)
    page.wait_for_function(f"document.getElementById('player').currentTime > {first + 0.3}", timeout=10000)
    assert Event.objects.filter(kind="recording.viewed", actor=f"user:{inspector.pk}").exists()

    page.get_by_role("button", name="导出此时间范围").click()
    expect(page.locator("#export-progress")).to_be_visible()
    expect(page.locator("#export-ready")).to_be_visible(timeout=60000)
    assert page.evaluate("document.getElementById('export-progress').value") == 100
    with page.expect_download() as downloading:
        page.locator("#export-download").click()
    archive = tmp_path / "export.zip"
    downloading.value.save_as(archive)
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path)
    folder = next(tmp_path.glob("export-*"))
    result = subprocess.run([sys.executable, "-m", "recording.verify", "..", "--trusted-pk", keys.public_key().hex()],
                            cwd=folder / "verifier", capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and result.stdout.startswith("OK size="), result.stdout + result.stderr
