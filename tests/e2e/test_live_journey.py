"""A supervisor opens the room of a listing whose opening is running and watches every camera
live (the frames are compared, not just the elements); a bidder, an expert and an anonymous
visitor are refused by the socket."""

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from audit import clock
from bidroom.models import Booking, Camera, Room
from tests.accounts.factories import UserFactory
from tests.bidroom.live_helpers import Peer
from tests.e2e.conftest import log_in, off_loop
from tests.trading.factories import published
from trading.models import Listing

pytestmark = pytest.mark.e2e


@pytest.fixture
def opening_room(settings):
    settings.TRADING_DEADLINE_ON_NON_WORKING_DAY = True
    room = Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")
    # The services broadcast with async_to_sync, which Playwright's loop on this thread refuses.
    listing = off_loop(published, days=25)
    Listing.objects.filter(pk=listing.pk).update(status="opening")
    now = clock.now()
    Booking.objects.create(room=room, listing=listing, purpose=Booking.Purpose.OPENING,
                           starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(minutes=55),
                           booked_by=UserFactory(role=User.Role.STAFF), booked_at=now)
    return room, listing


def socket_answer(page, url, room_pk, ident):
    """What the live socket says to this page's user: its first message and its close code."""
    return page.evaluate("""([url, room, camera]) => new Promise((resolve) => {
        const socket = new WebSocket(url.replace("http", "ws") + "/ws/rooms/" + room + "/cameras/" + camera + "/");
        let first = null;
        socket.onmessage = (event) => { if (first === null) first = typeof event.data === "string" ? event.data : "binary"; };
        socket.onclose = (event) => resolve({first: first, code: event.code});
        setTimeout(() => resolve({first: first, code: "open"}), 8000);
    })""", [url, room_pk, ident])


def test_supervisor_watches_every_camera_of_the_running_opening(stack, browser, opening_room):
    room, listing = opening_room
    peer = Peer("mjpeg").start()
    try:
        for i, source in enumerate(["synthetic:front", "synthetic:bench", peer.url]):
            Camera.objects.create(ident=f"R301-{i}", name=f"cam {i}", room=room, source=source, position=i,
                                  created_at=clock.now())
        supervisor = UserFactory(role=User.Role.SUPERVISOR)
        page = browser.new_page(locale="zh-CN")
        log_in(page, stack.url, supervisor.username)
        page.goto(stack.url + "/rooms/now/")
        row = page.locator(f"tr[data-room='{room.pk}']")
        expect(row).to_contain_text(listing.code)
        row.get_by_role("link", name="观看").click()
        tiles = page.locator(".tile")
        expect(tiles).to_have_count(3)
        for i in range(3):
            expect(tiles.nth(i)).to_have_attribute("data-seq", re.compile(r"\d+"), timeout=20000)
        before = [tiles.nth(i).locator("img").screenshot() for i in range(3)]
        time.sleep(1.5)
        after = [tiles.nth(i).locator("img").screenshot() for i in range(3)]
        assert all(a != b for a, b in zip(before, after, strict=True)), "every tile's image changes"
        expect(tiles.nth(0).locator(".delay")).to_contain_text("延迟")
        delays = [int(tiles.nth(i).get_attribute("data-delay-ms")) for i in range(3)]
        assert all(0 < d < 2000 for d in delays), delays
        tiles.nth(2).click()                                        # focus the MJPEG camera
        expect(page.locator("#live-grid")).to_have_class(re.compile("has-focus"))
        expect(tiles.nth(0)).to_be_hidden()
        seq = int(tiles.nth(2).get_attribute("data-seq"))
        page.wait_for_function(f"Number(document.querySelectorAll('.tile')[2].dataset.seq) > {seq}")
        hidden_seq = tiles.nth(0).get_attribute("data-seq")
        time.sleep(1.0)
        assert tiles.nth(0).get_attribute("data-seq") == hidden_seq     # a hidden tile pauses
        # The camera dies: the tile says since when; it comes back within 8 s of the peer.
        peer.kill()
        expect(tiles.nth(2).locator(".state")).to_contain_text("起无信号", timeout=10000)
        expect(tiles.nth(2)).to_have_class(re.compile("offline"))
        peer.start()
        back = time.monotonic()
        expect(tiles.nth(2)).not_to_have_class(re.compile("offline"), timeout=8000)
        seq = int(tiles.nth(2).get_attribute("data-seq") or 0)
        page.wait_for_function(f"Number(document.querySelectorAll('.tile')[2].dataset.seq) > {seq}", timeout=8000)
        assert time.monotonic() - back <= 8
        page.close()
    finally:
        peer.stop()


@pytest.mark.parametrize("role", [User.Role.BIDDER, User.Role.EXPERT, None])
def test_bidders_experts_and_visitors_are_refused_by_the_socket(stack, browser, opening_room, role):
    room, _ = opening_room
    Camera.objects.create(ident="R301-0", name="cam 0", room=room, source="synthetic:front", created_at=clock.now())
    page = browser.new_page(locale="zh-CN")
    if role:
        log_in(page, stack.url, UserFactory(role=role).username)
        page.goto(stack.url + f"/rooms/{room.pk}/live/")
    else:
        page.goto(stack.url + "/")
    answer = socket_answer(page, stack.url, room.pk, "R301-0")
    assert answer["code"] == 4403
    assert '"not_permitted"' in answer["first"]
    page.close()
