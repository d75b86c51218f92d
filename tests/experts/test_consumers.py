"""The draw's live socket: a change committed by a service reaches the room and the projector."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from accounts.models import User
from config.routing import websocket_urlpatterns
from experts import services
from tests.accounts.factories import UserFactory
from tests.experts.factories import experts, lot_with_supervisor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


async def _connect(pk):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/draws/{pk}/")
    connected, code = await communicator.connect()
    return communicator, connected, code


def test_freeze_reaches_the_socket_after_commit(memory_layer):
    async_to_sync(_freeze_reaches_the_socket)()


async def _freeze_reaches_the_socket():
    def setup():
        lot, _ = lot_with_supervisor()
        experts(4)
        staff = UserFactory(role=User.Role.STAFF)
        return staff, services.draw_create(by=staff, request=services.DrawRequest(
            lot=lot, purpose="expert", k=2, m=1, specialties=["A0801"]))

    staff, draw = await sync_to_async(setup)()
    communicator, connected, _ = await _connect(draw.pk)
    assert connected
    await sync_to_async(services.draw_freeze)(draw=draw, by=staff)
    kinds = set()
    for _ in range(2):
        frame = await communicator.receive_json_from(timeout=3)
        kinds.add(frame["kind"])
    assert kinds == {"freeze", "checkpoint"}
    assert set(frame) == {"type", "kind", "seq"}  # no names, no secret
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


def test_unknown_draw_is_closed(memory_layer):
    async_to_sync(_unknown_draw_is_closed)()


async def _unknown_draw_is_closed():
    communicator, connected, code = await _connect(999999)
    assert not connected and code == 4404
    await communicator.disconnect()
