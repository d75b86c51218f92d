"""Realtime control messages over the channel layer, sent only after the write commits."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

# Set by config.asgi: inside Daphne the layer's pools belong to the server's loop and stay open.
IN_ASGI_SERVER = False


def broadcast(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(_send_and_close)(layer, group, message)


async def _send_and_close(layer: Any, group: str, message: dict[str, Any]) -> None:
    await layer.group_send(group, message)
    # Outside Daphne each async_to_sync call runs on its own loop; channels-redis pools
    # are bound to the loop that made them ("Event loop is closed" otherwise, STYLE §12).
    close = getattr(layer, "close_pools", None)
    if close is not None and not IN_ASGI_SERVER:
        await close()


def broadcast_on_commit(group: str, message: dict[str, Any]) -> None:
    """Send after the surrounding transaction commits: a reader never sees the old row."""
    transaction.on_commit(lambda: broadcast(group, message))
