"""The demo's cameras: synthetic test patterns in every room, added by staff through the
same service as the cameras page (`manage.py load_demo`; `./run demo` starts a worker)."""

from __future__ import annotations

from accounts.models import User
from bidroom import cameras
from bidroom.models import Camera, Room

VIEWS = ["全景", "主席台", "开标桌", "入口"]


def make_cameras(*, staff: User) -> list[Camera]:
    """Four cameras in opening rooms and the auction hall, two elsewhere; idempotent."""
    made = []
    for room in Room.objects.order_by("pk"):
        count = 4 if room.kind in (Room.Kind.OPENING, Room.Kind.AUCTION) else 2
        for n in range(count):
            ident = f"room{room.pk}-{n + 1}"
            if Camera.objects.filter(ident=ident).exists():
                continue
            made.append(cameras.camera_create(by=staff, ident=ident, name=f"{room.name} {VIEWS[n]}", room=room,
                                              source=f"synthetic:{ident}", position=n))
    return made
