"""The live socket: one per tile, `ws/rooms/<room>/cameras/<camera>/`.

Authorized with the pages' predicate (bidroom.cameras.camera_for_viewer). Sends binary frame
messages (bidroom.capture.frames header, then the JPEG) under credit-based flow control
(bidroom.live), and JSON text messages: status (online, since when not), errors, and
"cameras.changed" from the room's control group. The browser sends {"type": "ack"} per frame
shown, {"type": "focus", "on": bool} and {"type": "pause"} / {"type": "resume"}.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from bidroom.cameras import camera_endpoint, camera_for_viewer, room_group
from bidroom.capture.frames import FOCUS, GRID
from bidroom.live import Hub, Viewer
from config.errors import DomainError

_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This process's hub (one per event loop: Daphne has one)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub(database_sync_to_async(camera_endpoint))
    return _hubs[loop]


class CameraConsumer(AsyncWebsocketConsumer):
    viewer: Viewer | None = None
    sender: asyncio.Task[None] | None = None
    group = ""

    async def connect(self) -> None:
        # Accept first, so a refusal can say why in a message the page shows.
        await self.accept()
        kwargs = self.scope["url_route"]["kwargs"]
        try:
            camera = await database_sync_to_async(camera_for_viewer)(
                user=self.scope["user"], room_pk=int(kwargs["room"]), ident=kwargs["camera"])
        except DomainError as e:
            await self.send(text_data=json.dumps({"type": "error", "code": e.code, "message": str(e)}))
            await self.close(code=4403 if e.http_status == 403 else 4404)
            return
        self.camera, self.rendition, self.paused = camera.ident, GRID, False
        self.group = room_group(camera.room_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.viewer = Viewer()
        hub().join(self.camera, self.rendition, self.viewer)
        self.sender = asyncio.get_running_loop().create_task(self._send_loop())

    async def disconnect(self, code: int) -> None:
        if self.sender is not None:
            self.sender.cancel()
        if self.viewer is not None and not self.paused:
            hub().leave(self.camera, self.rendition, self.viewer)
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _send_loop(self) -> None:
        assert self.viewer is not None
        while True:
            message = await self.viewer.next()
            if isinstance(message, bytes):
                await self.send(bytes_data=message)
            else:
                await self.send(text_data=message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.viewer is None:
            return
        try:
            message = json.loads(text_data or "")
            kind = message["type"]
        except (ValueError, TypeError, KeyError):
            await self.send(text_data=json.dumps({"type": "error", "code": "bad_message",
                                                  "message": "expected {\"type\": \"ack\" | \"focus\" | ...}"}))
            return
        if kind == "ack":
            self.viewer.credit()
        elif kind == "focus":
            self._move(FOCUS if message.get("on") else GRID, paused=self.paused)
        elif kind in ("pause", "resume"):
            self._move(self.rendition, paused=kind == "pause")

    def _move(self, rendition: int, *, paused: bool) -> None:
        """Leave the current feed and join another (or none while paused); credits carry over."""
        assert self.viewer is not None
        if not self.paused:
            hub().leave(self.camera, self.rendition, self.viewer)
        self.viewer.frame = None
        self.rendition, self.paused = rendition, paused
        if not paused:
            hub().join(self.camera, rendition, self.viewer)

    async def cameras_changed(self, event: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps({"type": "cameras.changed"}))
