"""The capture worker's frame server: web processes connect over TCP, name one camera and
rendition, and get its frames as they are encoded.

Each web process subscribes once per camera and rendition, whatever its number of viewers,
and fans out itself (bidroom.live). Latest only: a subscriber that cannot keep up gets the
newest frame when its socket drains, never a queue.

Wire format, both ways: a 4-byte big-endian length, then the payload. The subscriber sends
one JSON payload {"camera": ID, "rendition": 0|1}. The server sends frame messages (payload
starting 0x01, the browser's message as is, bidroom.capture.frames) and status messages
(0x02 then JSON: {"type": "status", "camera", "online", "since", "detail"}), and closes when
it no longer holds the camera.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import struct
import threading
from typing import Any

from bidroom.capture.frames import FOCUS, GRID

log = logging.getLogger(__name__)
_LEN = struct.Struct(">I")
MAX_REQUEST = 4096


class Slot:
    """The newest frame of one camera's rendition, and who is watching for it."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.seq = 0
        self.message = b""
        self.subscribers = 0


class Feed:
    """One camera held by this worker: its renditions' slots and its status."""

    def __init__(self, camera: str) -> None:
        self.camera = camera
        self.slots = {GRID: Slot(), FOCUS: Slot()}
        self.status: dict[str, Any] = {"type": "status", "camera": camera, "online": False, "since": None,
                                       "detail": ""}
        self.status_version = 1
        self.closed = False


class FrameServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.feeds: dict[str, Feed] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve(self.request)

        self.tcp = socketserver.ThreadingTCPServer((host, port), Handler, bind_and_activate=False)
        self.tcp.daemon_threads = True
        self.tcp.allow_reuse_address = True
        self.tcp.server_bind()
        self.tcp.server_activate()
        self.thread = threading.Thread(target=self.tcp.serve_forever, name="frame-server", daemon=True)

    @property
    def address(self) -> str:
        host, port = self.tcp.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> FrameServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        for camera in list(self.feeds):
            self.remove(camera)
        self.tcp.shutdown()
        self.tcp.server_close()

    # --- the capture side --------------------------------------------------------------
    def add(self, camera: str) -> Feed:
        with self.lock:
            return self.feeds.setdefault(camera, Feed(camera))

    def remove(self, camera: str) -> None:
        with self.lock:
            feed = self.feeds.pop(camera, None)
        if feed is None:
            return
        feed.closed = True
        for slot in feed.slots.values():
            with slot.cond:
                slot.cond.notify_all()

    def wanted(self, camera: str, rendition: int) -> bool:
        feed = self.feeds.get(camera)
        return feed is not None and feed.slots[rendition].subscribers > 0

    def publish(self, camera: str, rendition: int, message: bytes) -> None:
        feed = self.feeds.get(camera)
        if feed is None:
            return
        slot = feed.slots[rendition]
        with slot.cond:
            slot.seq += 1
            slot.message = message
            slot.cond.notify_all()

    def set_status(self, camera: str, **status: Any) -> None:
        feed = self.feeds.get(camera)
        if feed is None:
            return
        feed.status = {**feed.status, **status}
        feed.status_version += 1
        for slot in feed.slots.values():
            with slot.cond:
                slot.cond.notify_all()

    # --- the subscriber side -----------------------------------------------------------
    def _serve(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            request = json.loads(_read_payload(sock))
            camera, rendition = str(request["camera"]), int(request["rendition"])
            if rendition not in (GRID, FOCUS):
                raise ValueError(rendition)
        except (OSError, ValueError, KeyError, TypeError):
            return
        feed = self.feeds.get(camera)
        if feed is None:
            _send(sock, b"\x02" + json.dumps({"type": "status", "camera": camera, "online": False,
                                              "moved": True}).encode())
            return
        slot = feed.slots[rendition]
        with slot.cond:
            slot.subscribers += 1
        sent_seq, sent_status = 0, 0
        try:
            while True:
                with slot.cond:
                    slot.cond.wait_for(lambda: feed.closed or slot.seq != sent_seq
                                       or feed.status_version != sent_status, timeout=1)
                    if feed.closed:
                        return
                    if slot.seq == sent_seq and feed.status_version == sent_status and _hung_up(sock):
                        return
                    status_version, status = feed.status_version, feed.status
                    seq, message = slot.seq, slot.message
                if status_version != sent_status:
                    _send(sock, b"\x02" + json.dumps(status).encode())
                    sent_status = status_version
                if seq != sent_seq and message:
                    # sendall blocks while this subscriber's socket is full; newer frames
                    # meanwhile replace the slot's, so it resumes with the newest.
                    _send(sock, message)
                    sent_seq = seq
        except OSError:
            return
        finally:
            with slot.cond:
                slot.subscribers -= 1


def _hung_up(sock: socket.socket) -> bool:
    """Whether the subscriber closed its end (checked when idle, so an offline camera's
    subscribers do not linger and keep a focus rendition wanted)."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_LEN.pack(len(payload)) + payload)


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_payload(sock: socket.socket) -> bytes:
    (n,) = _LEN.unpack(_read_exactly(sock, 4))
    if n > MAX_REQUEST:
        raise ValueError("request too large")
    return _read_exactly(sock, n)


def request(camera: str, rendition: int) -> bytes:
    """The subscription payload a web process sends, framed."""
    payload = json.dumps({"camera": camera, "rendition": rendition}).encode()
    return _LEN.pack(len(payload)) + payload
