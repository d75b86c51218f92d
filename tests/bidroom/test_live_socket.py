"""The live socket against a real frame server: who may watch, credits, newest-frame skipping,
focus and pause."""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from audit import clock
from bidroom.capture import frames
from bidroom.capture.server import FrameServer
from bidroom.models import Camera, Room
from config.routing import websocket_urlpatterns
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
JPEG = frames.encode(__import__("numpy").zeros((36, 64, 3), dtype="uint8"))


@pytest.fixture(autouse=True)
def memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
def server():
    s = FrameServer().start()
    yield s
    s.stop()


@pytest.fixture
def room():
    return Room.objects.create(name="第一开标室", kind=Room.Kind.OPENING, capacity=40, location="三楼 301")


def held_camera(server, room, ident="R301-front"):
    camera = Camera.objects.create(ident=ident, name="Front", room=room, source="synthetic:front",
                                   created_at=clock.now(), holder="test:1", endpoint=server.address,
                                   lease_expires_at=timezone.now() + timedelta(minutes=5))
    server.add(ident)
    return camera


def communicator(user, room_pk, ident):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/rooms/{room_pk}/cameras/{ident}/")
    comm.scope["user"] = user
    return comm


def publish(server, ident, seq, rendition=frames.GRID):
    header = frames.Header(ident, rendition, seq, int(timezone.now().timestamp() * 1e6))
    server.publish(ident, rendition, frames.pack(header, JPEG))


async def next_frame(comm, timeout=3.0):
    while True:
        message = await comm.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        if message.get("bytes") is not None:
            return frames.unpack(message["bytes"])[0]


async def until(condition, timeout=3.0):
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met")


def test_a_viewer_has_two_frames_in_flight_and_then_gets_the_newest(server, room):
    camera = held_camera(server, room)
    supervisor = UserFactory(role=User.Role.SUPERVISOR)

    async def scenario():
        comm = communicator(supervisor, room.pk, camera.ident)
        assert (await comm.connect())[0]
        await until(lambda: server.wanted(camera.ident, frames.GRID))
        for seq in range(1, 7):
            publish(server, camera.ident, seq)
            await asyncio.sleep(0.05)
        first, second = await next_frame(comm), await next_frame(comm)
        assert (first.camera, first.seq, second.seq) == (camera.ident, 1, 2)
        # No credit left: frames 3..6 are not sent, and nothing queues for this viewer.
        assert await comm.receive_nothing(0.3)
        await comm.send_to(text_data=json.dumps({"type": "ack"}))
        newest = await next_frame(comm)
        assert newest.seq == 6            # skipped to the newest, not frame 3
        assert await comm.receive_nothing(0.3)
        await comm.disconnect()
        await until(lambda: not server.wanted(camera.ident, frames.GRID))

    async_to_sync(scenario)()


def test_focus_switches_to_the_larger_rendition_and_pause_stops_frames(server, room):
    camera = held_camera(server, room)
    staff = UserFactory(role=User.Role.STAFF)

    async def scenario():
        comm = communicator(staff, room.pk, camera.ident)
        assert (await comm.connect())[0]
        await until(lambda: server.wanted(camera.ident, frames.GRID))
        assert not server.wanted(camera.ident, frames.FOCUS)   # nobody focuses: no large encode
        await comm.send_to(text_data=json.dumps({"type": "focus", "on": True}))
        await until(lambda: server.wanted(camera.ident, frames.FOCUS))
        publish(server, camera.ident, 1, frames.FOCUS)
        assert (await next_frame(comm)).rendition == frames.FOCUS
        await comm.send_to(text_data=json.dumps({"type": "pause"}))
        await until(lambda: not server.wanted(camera.ident, frames.FOCUS))
        await comm.send_to(text_data=json.dumps({"type": "ack"}))
        publish(server, camera.ident, 2, frames.FOCUS)
        assert await comm.receive_nothing(0.3)
        await comm.send_to(text_data=json.dumps({"type": "resume"}))
        await until(lambda: server.wanted(camera.ident, frames.FOCUS))
        publish(server, camera.ident, 3, frames.FOCUS)
        # On joining, the newest frame the worker has (2, from the pause) may come first.
        seqs = [(await next_frame(comm)).seq]
        if seqs[0] == 2:
            await comm.send_to(text_data=json.dumps({"type": "ack"}))
            seqs.append((await next_frame(comm)).seq)
        assert seqs[-1] == 3
        await comm.disconnect()

    async_to_sync(scenario)()


def test_the_viewer_hears_when_the_camera_goes_offline(server, room):
    camera = held_camera(server, room)
    inspector = UserFactory(role=User.Role.INSPECTOR)

    async def scenario():
        comm = communicator(inspector, room.pk, camera.ident)
        assert (await comm.connect())[0]
        await until(lambda: server.wanted(camera.ident, frames.GRID))
        server.set_status(camera.ident, online=False, since="2026-11-23T01:02:03.000000Z", detail="refused")
        for _ in range(5):
            status = json.loads(await comm.receive_from(2))
            if status["since"]:
                break
        assert (status["type"], status["online"], status["since"]) == ("status", False, "2026-11-23T01:02:03.000000Z")
        await comm.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("role", [User.Role.BIDDER, User.Role.EXPERT, User.Role.AGENT, None])
def test_bidders_experts_agents_and_the_public_are_refused(server, room, role):
    camera = held_camera(server, room)
    user = UserFactory(role=role) if role else AnonymousUser()

    async def scenario():
        comm = communicator(user, room.pk, camera.ident)
        assert (await comm.connect())[0]
        error = json.loads(await comm.receive_from(2))
        assert error["type"] == "error" and error["code"] == "not_permitted"
        assert error["message"]
        closed = await comm.receive_output(2)
        assert closed == {"type": "websocket.close", "code": 4403}
        assert not server.wanted(camera.ident, frames.GRID)   # never subscribed to a frame

    async_to_sync(scenario)()


def test_a_camera_of_another_room_or_of_no_room_is_refused_with_the_reason(server, room):
    camera = held_camera(server, room)
    other = Room.objects.create(name="第二开标室", kind=Room.Kind.OPENING, capacity=20, location="三楼 302")
    loose = Camera.objects.create(ident="spare-1", name="Spare", room=None, source="synthetic:x",
                                  created_at=clock.now())
    supervisor = UserFactory(role=User.Role.SUPERVISOR)

    async def refused(room_pk, ident):
        comm = communicator(supervisor, room_pk, ident)
        await comm.connect()
        error = json.loads(await comm.receive_from(2))
        closed = await comm.receive_output(2)
        return error, closed["code"]

    async def scenario():
        error, code = await refused(other.pk, camera.ident)
        assert (error["code"], code) == ("camera_not_in_room", 4404)
        assert "第二开标室" in error["message"]
        error, code = await refused(room.pk, loose.ident)
        assert error["code"] == "camera_in_no_room"
        error, code = await refused(room.pk, "no-such-camera")
        assert error["code"] == "camera_not_found"
        # Meanwhile a permitted viewer of the right room is served as usual.
        comm = communicator(supervisor, room.pk, camera.ident)
        assert (await comm.connect())[0]
        await until(lambda: server.wanted(camera.ident, frames.GRID))
        publish(server, camera.ident, 1)
        assert (await next_frame(comm)).seq == 1
        await comm.disconnect()

    async_to_sync(scenario)()


def test_a_camera_without_a_worker_is_reported_offline_since_its_gap(server, room):
    camera = held_camera(server, room)
    Camera.objects.filter(pk=camera.pk).update(holder="", endpoint="", lease_expires_at=None)
    camera.gaps.create(reason="worker_restart", start=clock.now() - timedelta(minutes=3))
    supervisor = UserFactory(role=User.Role.SUPERVISOR)

    async def scenario():
        comm = communicator(supervisor, room.pk, camera.ident)
        assert (await comm.connect())[0]
        status = json.loads(await comm.receive_from(3))
        assert status["online"] is False and status["since"] and status["detail"] == "no capture worker"
        await comm.disconnect()

    async_to_sync(scenario)()


def test_open_tiles_hear_when_staff_change_the_rooms_cameras(server, room):
    from channels.db import database_sync_to_async

    from bidroom import cameras

    camera = held_camera(server, room)
    supervisor, staff = UserFactory(role=User.Role.SUPERVISOR), UserFactory(role=User.Role.STAFF)

    async def scenario():
        comm = communicator(supervisor, room.pk, camera.ident)
        assert (await comm.connect())[0]
        await until(lambda: server.wanted(camera.ident, frames.GRID))
        await database_sync_to_async(cameras.camera_create)(by=staff, ident="R301-back", name="Back", room=room,
                                                            source="synthetic:back")
        for _ in range(5):
            message = json.loads(await comm.receive_from(3))
            if message["type"] == "cameras.changed":
                break
        assert message == {"type": "cameras.changed"}
        await comm.disconnect()

    async_to_sync(scenario)()
