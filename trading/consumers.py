"""The opening page live: it hears that the opening changed (and the decryption progress) and
refetches its state over HTTP, where the viewer's permissions apply. Connecting marks the
viewer present (在线); frames carry no bid data."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db.models import F

from audit import clock
from config.realtime import broadcast
from trading.models import Attendance, Lot, Opening
from trading.opening_events import group
from trading.opening_selectors import may_attend


def _join(lot_id: int, user) -> int | None:
    lot = Lot.objects.select_related("listing").filter(pk=lot_id).first()
    opening = Opening.objects.filter(lot_id=lot_id).first()
    if lot is None or opening is None or not may_attend(user, lot):
        return None
    now = clock.now()
    row, _ = Attendance.objects.get_or_create(opening=opening, user=user, defaults={"first_seen": now, "last_seen": now})
    Attendance.objects.filter(pk=row.pk).update(connections=F("connections") + 1, last_seen=now)
    broadcast(group(lot_id), {"type": "opening.changed", "state": opening.state})
    return opening.pk


def _leave(opening_id: int, lot_id: int, user) -> None:
    Attendance.objects.filter(opening_id=opening_id, user=user, connections__gt=0).update(
        connections=F("connections") - 1, last_seen=clock.now())
    broadcast(group(lot_id), {"type": "opening.changed", "state": ""})


class OpeningConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.lot_id = self.scope["url_route"]["kwargs"]["pk"]
        user = self.scope.get("user")
        self.opening_id = await database_sync_to_async(_join)(self.lot_id, user) if user else None
        if self.opening_id is None:
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(group(self.lot_id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "opening_id", None) is None:
            return
        await self.channel_layer.group_discard(group(self.lot_id), self.channel_name)
        await database_sync_to_async(_leave)(self.opening_id, self.lot_id, self.scope["user"])

    async def opening_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "opening.changed", "state": event.get("state", "")})

    async def opening_progress(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "opening.progress", "progress": event["progress"]})
