"""Cameras: sources, who manages and who watches them, rooms in use now, the grid page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import User
from audit import clock
from audit.models import Event
from bidroom import cameras
from bidroom.capture.sources import MalformedSource, parse, redacted
from bidroom.errors import BadCameraSource, CameraIdTaken, CameraInNoRoom, CameraNotFound, CameraNotInRoom
from bidroom.models import Booking, Camera, Room
from config.errors import NotPermitted
from tests.accounts.factories import UserFactory
from tests.trading.factories import published
from trading.models import Listing

pytestmark = pytest.mark.django_db
WATCHERS = [User.Role.STAFF, User.Role.SUPERVISOR, User.Role.INSPECTOR]
NOT_WATCHERS = [User.Role.BIDDER, User.Role.EXPERT, User.Role.AGENT]


@pytest.fixture
def room():
    return Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")


@pytest.fixture
def staff_user():
    return UserFactory(role=User.Role.STAFF)


@pytest.mark.parametrize(("text", "kind"), [
    ("rtsp://admin:secret@10.0.0.5:554/Streaming/Channels/101", "rtsp"), ("http://10.0.0.6/video.mjpg", "mjpeg"),
    ("https://cam.example.cn/mjpeg", "mjpeg"), ("/srv/video/opening.mp4", "file"), ("0", "device"),
    ("synthetic:front", "synthetic")])
def test_the_five_source_forms(text, kind):
    assert parse(text).kind == kind


@pytest.mark.parametrize("text", ["", "rtsp://", "rtsp://[::1", "http://host:99999/x", "ftp://host/x", "camera one",
                                  "synthetic:", "rtsp://host/a b", "c:video.mp4", "12345"])
def test_malformed_sources_are_refused(text):
    with pytest.raises(MalformedSource):
        parse(text)


def test_a_password_in_the_source_is_never_shown():
    assert redacted("rtsp://admin:secret@10.0.0.5:554/x") == "rtsp://admin:***@10.0.0.5:554/x"


def test_staff_add_a_camera_with_an_audit_event(room, staff_user):
    camera = cameras.camera_create(by=staff_user, ident="R301-front", name="前方", room=room,
                                   source=" rtsp://10.0.0.5/ch1 ")
    assert camera.source == "rtsp://10.0.0.5/ch1"
    assert Event.objects.filter(kind="camera.created", object="camera:R301-front").exists()


def test_a_malformed_source_is_refused_with_a_message_and_nothing_saved(room, staff_user):
    with pytest.raises(BadCameraSource, match="rtsp://admin:\\*\\*\\*@"):
        cameras.camera_create(by=staff_user, ident="R301-front", name="前方", room=room,
                              source="rtsp://admin:pw@host:notaport/x")
    assert not Camera.objects.exists()
    assert not Event.objects.filter(kind="camera.created").exists()


def test_a_camera_id_is_used_once(room, staff_user):
    cameras.camera_create(by=staff_user, ident="R301-front", name="前方", room=room, source="synthetic:a")
    with pytest.raises(CameraIdTaken):
        cameras.camera_create(by=staff_user, ident="R301-front", name="后方", room=room, source="synthetic:b")


@pytest.mark.parametrize("role", [User.Role.SUPERVISOR, User.Role.INSPECTOR, *NOT_WATCHERS])
def test_only_staff_manage_cameras(room, role):
    with pytest.raises(NotPermitted):
        cameras.camera_create(by=UserFactory(role=role), ident="x1", name="x", room=room, source="synthetic:x")


def test_update_and_delete_are_audited(room, staff_user):
    camera = cameras.camera_create(by=staff_user, ident="R301-front", name="前方", room=room, source="synthetic:a")
    cameras.camera_update(camera=camera, by=staff_user, name="前方全景", room=None, source="0", position=2,
                          enabled=False)
    camera.refresh_from_db()
    assert (camera.name, camera.room, camera.source, camera.enabled) == ("前方全景", None, "0", False)
    cameras.camera_delete(camera=camera, by=staff_user)
    assert not Camera.objects.exists()
    assert Event.objects.filter(kind__in=["camera.changed", "camera.removed"]).count() == 2


def make_camera(room, ident="R301-front"):
    return Camera.objects.create(ident=ident, name="前方", room=room, source="synthetic:a", created_at=clock.now())


@pytest.mark.parametrize("role", WATCHERS)
def test_supervisors_inspectors_and_staff_may_watch(room, role):
    camera = make_camera(room)
    assert cameras.camera_for_viewer(user=UserFactory(role=role), room_pk=room.pk, ident=camera.ident) == camera


@pytest.mark.parametrize("role", NOT_WATCHERS)
def test_bidders_experts_and_agents_may_not_watch(room, role):
    camera = make_camera(room)
    with pytest.raises(NotPermitted):
        cameras.camera_for_viewer(user=UserFactory(role=role), room_pk=room.pk, ident=camera.ident)


def test_a_camera_of_another_room_of_no_room_or_unknown_is_refused_by_name(room):
    supervisor = UserFactory(role=User.Role.SUPERVISOR)
    other = Room.objects.create(name="第二开标室", kind=Room.Kind.OPENING, capacity=20, location="302")
    camera = make_camera(room)
    with pytest.raises(CameraNotInRoom, match="第二开标室"):
        cameras.camera_for_viewer(user=supervisor, room_pk=other.pk, ident=camera.ident)
    make_camera(None, "spare")
    with pytest.raises(CameraInNoRoom, match="spare"):
        cameras.camera_for_viewer(user=supervisor, room_pk=room.pk, ident="spare")
    with pytest.raises(CameraNotFound):
        cameras.camera_for_viewer(user=supervisor, room_pk=room.pk, ident="nothing")


def running_opening(room, staff_user):
    listing = published(days=25)
    Listing.objects.filter(pk=listing.pk).update(status="opening")
    now = clock.now()
    return Booking.objects.create(room=room, listing=listing, purpose=Booking.Purpose.OPENING,
                                  starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=50),
                                  booked_by=staff_user, booked_at=now)


def test_rooms_in_use_now_shows_the_booking_and_listing_first(client, room, staff_user):
    idle = Room.objects.create(name="拍卖厅", kind=Room.Kind.AUCTION, capacity=100, location="二楼")
    booking = running_opening(room, staff_user)
    make_camera(room)
    rows = cameras.rooms_in_use(user=UserFactory(role=User.Role.SUPERVISOR))
    assert [(r.room, r.booking, r.cameras) for r in rows] == [(room, booking, 1), (idle, None, 0)]
    client.force_login(UserFactory(role=User.Role.SUPERVISOR))
    page = client.get(reverse("bidroom:now")).content.decode()
    assert booking.listing.code in page and reverse("bidroom:live", args=[room.pk]) in page


@pytest.mark.parametrize("role", NOT_WATCHERS)
def test_the_live_pages_are_closed_to_others(client, room, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("bidroom:now")).status_code == 403
    assert client.get(reverse("bidroom:live", args=[room.pk])).status_code == 403


def test_the_grid_page_lists_the_rooms_enabled_cameras_within_a_query_budget(client, room, staff_user,
                                                                           django_assert_max_num_queries):
    running_opening(room, staff_user)
    for i in range(16):
        make_camera(room, f"cam-{i}")
    Camera.objects.filter(ident="cam-15").update(enabled=False)
    client.force_login(UserFactory(role=User.Role.SUPERVISOR))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("bidroom:live", args=[room.pk])).content.decode()
    assert page.count('class="tile"') == 15 and "cam-15" not in page
    assert client.get(reverse("bidroom:live", args=[999])).status_code == 404


def test_staff_add_a_camera_on_the_page_and_a_bad_source_comes_back_with_a_message(client, room, staff_user):
    client.force_login(staff_user)
    response = client.post(reverse("bidroom:cameras"), {"ident": "R301-front", "name": "前方", "room": room.pk,
                                                        "source": "ftp://nope/x", "position": 0, "enabled": "on"})
    assert response.status_code == 200 and not Camera.objects.exists()
    assert "ftp://nope/x" in response.content.decode()   # what they typed, with the reason
    response = client.post(reverse("bidroom:cameras"), {"ident": "R301-front", "name": "前方", "room": room.pk,
                                                        "source": "synthetic:front", "position": 0})
    assert response.status_code == 302 and Camera.objects.get().room == room
    page = client.get(reverse("bidroom:cameras")).content.decode()
    assert "R301-front" in page


def test_only_staff_open_the_cameras_page(client):
    client.force_login(UserFactory(role=User.Role.SUPERVISOR))
    assert client.get(reverse("bidroom:cameras")).status_code == 403


def test_the_demo_rooms_get_synthetic_cameras_once(room, staff_user):
    from bidroom.demo import make_cameras

    Room.objects.create(name="第一评标室", kind=Room.Kind.EVALUATION, capacity=12, location="四楼")
    made = make_cameras(staff=staff_user)
    assert [c.room.kind for c in made].count(Room.Kind.OPENING) == 4 and len(made) == 6
    assert {parse(c.source).kind for c in made} == {"synthetic"}
    assert make_cameras(staff=staff_user) == []
