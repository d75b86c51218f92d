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
_noted: tuple[float, int] | None = None  # (until when, offset) after a jump by this process


def offset() -> timedelta:
    """The platform clock's lead over the system clock (zero in production)."""
    global _cached
    if not settings.SUNBID_DEMO_CLOCK:
        return timedelta(0)
    mono = time.monotonic()
    if _cached is None or mono - _cached[0] > _CACHE_SECONDS:
        from audit.models import ClockOffset

        row = ClockOffset.objects.filter(pk=1).values_list("offset_us", flat=True).first() or 0
        # A thread whose read began before a jump committed must not put the old offset back
        # over the one this process just noted.
        floor = _noted[1] if _noted is not None and mono < _noted[0] else 0
        _cached = (mono, max(row, floor))
    return timedelta(microseconds=_cached[1])


def forget_cached_offset() -> None:
    global _cached, _noted
    _cached = _noted = None


def note_offset(offset_us: int) -> None:
    """This process just moved the clock: every thread of it sees the new offset at once, and
    for a few seconds no read that started earlier can replace it with the old one."""
    global _cached, _noted
    mono = time.monotonic()
    _noted = (mono + 3 * _CACHE_SECONDS, offset_us)
    _cached = (mono, offset_us)


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
