"""Open pages hear when the demo clock jumps, so their countdowns agree with the server."""

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class ClockConsumer(AsyncJsonWebsocketConsumer):
    group = "clock"

    async def connect(self) -> None:
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def clock_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "clock.changed", "offset_ms": event["offset_ms"]})
