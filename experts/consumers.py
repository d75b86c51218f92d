"""Live draw pages: the room and the projector hear that the draw changed and refetch it over
HTTP, where each viewer's permissions apply. Frames carry the event kind and seq only."""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from experts.selectors import draws_public


def _public_pk(pk: int) -> int | None:
    return draws_public().filter(pk=pk).values_list("pk", flat=True).first()


class DrawConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        pk = self.scope["url_route"]["kwargs"]["pk"]
        if await database_sync_to_async(_public_pk)(pk) is None:
            await self.close(code=4404)
            return
        self.groups_joined = [f"draw.{pk}", "checkpoints"]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def draw_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "draw.changed", "kind": event.get("kind"), "seq": event.get("seq")})

    async def checkpoint_cosigned(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "checkpoint.cosigned", "size": event["size"]})
