"""The one clock. Every deadline, stamp and check asks `now()`.

Production: the system clock and nothing else. Demo and test settings: the system clock
plus a forward-only offset kept in the database, so the web, worker, beat and capture
processes agree after staff move time forward (DESIGN "Time").
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Other processes see a jump within this long; the process that jumps sees it at once.
_CACHE_SECONDS = 1.0
_cached: tuple[float, int] | None = None


def offset() -> timedelta:
    """The platform clock's lead over the system clock (zero in production)."""
    global _cached
    if not settings.SUNBID_DEMO_CLOCK:
        return timedelta(0)
    mono = time.monotonic()
    if _cached is None or mono - _cached[0] > _CACHE_SECONDS:
        from audit.models import ClockOffset

        row = ClockOffset.objects.filter(pk=1).values_list("offset_us", flat=True).first()
        _cached = (mono, row or 0)
    return timedelta(microseconds=_cached[1])


def forget_cached_offset() -> None:
    global _cached
    _cached = None


def now() -> datetime:
    """Platform time, timezone-aware UTC."""
    if _replay is not None:
        return _replay.moment
    return timezone.now() + offset()


class Replay:
    """A process-local clock for building history (`load_demo`): it starts in the past and
    only moves forward, by `advance`, up to the real platform time."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def advance(self, delta: timedelta) -> datetime:
        self.moment = min(self.moment + delta, timezone.now() + offset())
        return self.moment


_replay: Replay | None = None


@contextmanager
def replay(start: datetime) -> Iterator[Replay]:
    """Run the services as if it were `start`, moving forward; demo and test settings only.

    Only one process may write while it runs (load_demo runs before the servers start).
    """
    global _replay
    if not settings.SUNBID_DEMO_CLOCK:
        raise RuntimeError("the replay clock exists only under demo and test settings")
    _replay = Replay(start)
    try:
        yield _replay
    finally:
        _replay = None


def format_ts(moment: datetime) -> str:
    """The specs' time format: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC, six digits."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
