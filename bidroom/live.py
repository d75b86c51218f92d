"""Live frames inside one web process: each camera's frames are fetched once from the
capture worker that holds it and written to every viewer of that camera here.

Not the channel layer, not Redis (DESIGN §3, STYLE §5): a `Feed` per camera and rendition
reads the worker's frame server (bidroom.capture.server) and hands each frame, by
reference, to its viewers' one-frame outboxes. A viewer has two credits: a frame is sent
only with a credit, and the browser returns one per frame it has shown. A slow viewer
therefore has at most two frames in flight, and whatever arrives meanwhile replaces the
unsent frame in its outbox: it gets the newest and costs no memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import struct
from collections.abc import Awaitable, Callable

from bidroom.capture.server import request

log = logging.getLogger(__name__)

CREDITS = 2
_LEN = struct.Struct(">I")
Lookup = Callable[[str], Awaitable[tuple[str, str | None]]]   # camera → (endpoint or "", offline since)


class Viewer:
    """One browser tile: its credits and a latest-only outbox (a frame and a status)."""

    def __init__(self) -> None:
        self.credits = CREDITS
        self.frame: bytes | None = None
        self.status: str | None = None
        self.wake = asyncio.Event()

    def put_frame(self, message: bytes) -> None:
        self.frame = message            # a newer frame replaces an unsent one: nothing queues
        if self.credits > 0:
            self.wake.set()

    def put_status(self, text: str) -> None:
        self.status = text
        self.wake.set()

    def credit(self) -> None:
        self.credits = min(CREDITS, self.credits + 1)
        if self.frame is not None:
            self.wake.set()

    async def next(self) -> bytes | str:
        """The next message to send: a pending status first, then a frame if a credit is left."""
        while True:
            if self.status is not None:
                status, self.status = self.status, None
                return status
            if self.credits > 0 and self.frame is not None:
                frame, self.frame = self.frame, None
                self.credits -= 1
                return frame
            self.wake.clear()
            await self.wake.wait()


class Feed:
    """One camera's rendition in this process: one connection to its worker, many viewers."""

    def __init__(self, camera: str, rendition: int, lookup: Lookup) -> None:
        self.camera, self.rendition, self.lookup = camera, rendition, lookup
        self.viewers: set[Viewer] = set()
        self.status: str | None = None
        self.task: asyncio.Task[None] | None = None

    def join(self, viewer: Viewer) -> None:
        self.viewers.add(viewer)
        if self.status is not None:
            viewer.put_status(self.status)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run(), name=f"feed-{self.camera}")

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers and self.task is not None:
            self.task.cancel()
            self.task = None

    def _status(self, status: dict[str, object]) -> None:
        self.status = json.dumps(status)
        for viewer in self.viewers:
            viewer.put_status(self.status)

    async def _run(self) -> None:
        while self.viewers:
            endpoint, since = await self.lookup(self.camera)
            if not endpoint:
                # No worker holds it (one died, or none runs): say so, and look again soon.
                self._status({"type": "status", "camera": self.camera, "online": False, "since": since,
                              "detail": "no capture worker"})
                await asyncio.sleep(1.0)
                continue
            host, port = endpoint.rsplit(":", 1)
            writer = None
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 3)
                writer.write(request(self.camera, self.rendition))
                await writer.drain()
                while True:
                    (n,) = _LEN.unpack(await reader.readexactly(4))
                    payload = await reader.readexactly(n)
                    if payload[:1] == b"\x01":
                        for viewer in self.viewers:
                            viewer.put_frame(payload)
                    else:
                        status = json.loads(payload[1:])
                        if status.get("moved"):
                            break
                        self._status(status)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as e:
                log.info("feed %s: worker connection lost (%s)", self.camera, e)
            finally:
                if writer is not None:
                    writer.close()
            await asyncio.sleep(0.3)


class Hub:
    """This process's feeds, by camera and rendition."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup
        self.feeds: dict[tuple[str, int], Feed] = {}

    def join(self, camera: str, rendition: int, viewer: Viewer) -> None:
        key = (camera, rendition)
        if key not in self.feeds:
            self.feeds[key] = Feed(camera, rendition, self.lookup)
        self.feeds[key].join(viewer)

    def leave(self, camera: str, rendition: int, viewer: Viewer) -> None:
        feed = self.feeds.get((camera, rendition))
        if feed is None:
            return
        feed.leave(viewer)
        if not feed.viewers:
            del self.feeds[(camera, rendition)]
