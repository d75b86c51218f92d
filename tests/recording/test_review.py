"""The inspector's review page: a listing's opening found, its camera's timeline, the record's
events beside it, segments served with range requests, every playback recorded."""

from datetime import timedelta

import pytest

from accounts.models import User
from audit import clock
from audit.models import Event
from audit.services import SYSTEM, event_append
from bidroom.models import Booking, Camera, Room
from recording import holds
from recording.models import Hold
from recording.services import partial_path, segment_commit
from tests.accounts.factories import UserFactory
from tests.trading.factories import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def opening():
    room = Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")
    camera = Camera.objects.create(ident="o1", name="前方", room=room, source="synthetic:o", created_at=clock.now())
    listing = draft(kind="construction")
    start = clock.now().replace(microsecond=0) - timedelta(hours=1)
    Booking.objects.create(room=room, listing=listing, purpose=Booking.Purpose.OPENING, starts_at=start,
                           ends_at=start + timedelta(minutes=90), booked_by=listing.created_by, booked_at=start)
    for n in range(3):
        at = start + timedelta(minutes=n * 10)
        path = partial_path("o1", at)
        path.write_bytes(bytes(range(256)) * 40)
        segment_commit(camera_pk=camera.pk, path=path, start=at, end=at + timedelta(minutes=8), continuous=False)
    event_append(kind="opening.started", actor=SYSTEM, object=f"listing:{listing.code}", payload={"listing": listing.code})
    return listing, camera


def test_an_inspector_finds_a_listings_opening_with_timeline_events_and_badge(client, opening):
    listing, camera = opening
    inspector = UserFactory(role=User.Role.INSPECTOR)
    client.force_login(inspector)
    holds.hold_cameras(by=inspector, cameras=[camera], start=clock.now() - timedelta(minutes=55),
                       end=clock.now() - timedelta(minutes=52), reason="case 1")
    page = client.get("/recordings/", {"listing": listing.code}).content.decode()
    timeline = page.split('legend"')[0]          # the legend shows one of each
    assert timeline.count('class="piece recorded"') == 2 and timeline.count('class="piece held"') == 1
    assert timeline.count('class="piece gap"') == 2
    assert "opening.started" in page and 'class="badge ok"' in page
    assert "/recordings/segments/o1/1.mp4" in page


def test_segments_are_served_with_ranges_and_each_playback_is_recorded(client, opening):
    inspector = UserFactory(role=User.Role.INSPECTOR)
    client.force_login(inspector)
    whole = client.get("/recordings/segments/o1/1.mp4")
    body = b"".join(whole.streaming_content)
    assert whole.status_code == 200 and len(body) == 10240 and whole["Accept-Ranges"] == "bytes"
    part = client.get("/recordings/segments/o1/1.mp4", HTTP_RANGE="bytes=256-511")
    assert part.status_code == 206 and part["Content-Range"] == "bytes 256-511/10240"
    assert b"".join(part.streaming_content) == bytes(range(256))
    assert client.get("/recordings/segments/o1/1.mp4", HTTP_RANGE="bytes=20000-").status_code == 416
    viewed = Event.objects.filter(kind="recording.viewed")
    assert viewed.count() == 1 and viewed.get().actor == f"user:{inspector.pk}"      # once per segment and session
    client.get("/recordings/segments/o1/3.mp4")
    assert viewed.count() == 2


def test_only_inspectors_and_clear_messages(client, opening):
    client.force_login(UserFactory(role=User.Role.STAFF))
    assert client.get("/recordings/").status_code == 403
    assert client.get("/recordings/segments/o1/1.mp4").status_code == 403
    client.force_login(UserFactory(role=User.Role.INSPECTOR))
    camera = Camera.objects.get(ident="o1")
    empty = client.get("/recordings/", {"camera": "o1", "start": "2026-01-01T09:00", "end": "2026-01-01T10:00"})
    assert 'id="no-recordings"' in empty.content.decode()
    backwards = client.get("/recordings/", {"camera": camera.ident, "start": "2026-01-01T10:00", "end": "2026-01-01T09:00"})
    assert backwards.context["form"].errors
    assert client.get("/recordings/", {"listing": "NOPE"}).context["form"].errors


def test_an_inspector_holds_the_range_with_a_reason_and_lifts_it(client, opening):
    listing, camera = opening
    inspector = UserFactory(role=User.Role.INSPECTOR)
    client.force_login(inspector)
    url = f"/recordings/?listing={listing.code}"
    page = client.get(url)
    form = {"camera": "o1", "start": page.context["export_start"], "end": page.context["export_end"], "back": url}
    refused = client.post("/recordings/holds/", {**form, "reason": " "}, follow=True).content.decode()
    assert "保全须填写理由" in refused and not Event.objects.filter(kind="recording.hold").exists()
    client.post("/recordings/holds/", {**form, "reason": "纪检 2026-3"})
    hold = Event.objects.get(kind="recording.hold")
    assert hold.actor == f"user:{inspector.pk}" and "纪检 2026-3" in hold.payload
    page = client.get(url).content.decode()
    assert "纪检 2026-3" in page and page.count('class="piece held"') >= 3
    hold_id = Hold.objects.get().hold_id
    assert f"/recordings/holds/{hold_id}/lift/" in page
    client.post(f"/recordings/holds/{hold_id}/lift/", {"back": url})
    assert Event.objects.filter(kind="recording.release").count() == 1
    assert "纪检 2026-3" not in client.get(url).content.decode()


@pytest.mark.parametrize("role", ["bidder", "agent", "staff", "supervisor", "expert", None])
@pytest.mark.parametrize("method, url", [("get", "/recordings/"), ("get", "/recordings/segments/o1/1.mp4"),
                                         ("post", "/recordings/holds/"), ("post", "/recordings/exports/")])
def test_only_inspectors_may_review_play_hold_or_export(client, opening, role, method, url):
    if role is not None:
        client.force_login(UserFactory(role=role))
    response = getattr(client, method)(url, {"camera": "o1", "reason": "x"} if method == "post" else {})
    assert response.status_code == (403 if role else 302)
    assert not Event.objects.filter(kind__in=["recording.viewed", "recording.hold"]).exists()


def test_a_camera_with_recordings_cannot_be_removed_only_disabled(client, opening):
    client.force_login(UserFactory(role=User.Role.STAFF))
    camera = Camera.objects.get(ident="o1")
    page = client.post(f"/rooms/cameras/{camera.pk}/delete/", follow=True).content.decode()
    assert Camera.objects.filter(pk=camera.pk).exists() and "o1" in page and "停用" in page
