"""The center's working-day calendar: the package's data corrected by staff's entries, and
the conversions between platform instants and Beijing dates the rules count in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.conf import settings

from audit.clock import SHANGHAI
from trading import calendar as cal
from trading.errors import YearNotEntered
from trading.models import CalendarDay, CalendarYear


def center_calendar() -> cal.WorkCalendar:
    entered = set(CalendarYear.objects.values_list("year", flat=True))
    # Test settings only: years after the package's last one count as ordinary weeks, so the
    # suite does not start failing when the real date nears a year nobody has entered yet.
    until = settings.TRADING_PROVISIONAL_CALENDAR_UNTIL
    if until:
        last = cal.package_last_year()
        entered |= set(range(last + 1, until + 1))
    return cal.WorkCalendar(overrides=dict(CalendarDay.objects.values_list("day", "working")), entered_years=entered)


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """A period ends at 24:00 Beijing time (民法典 Art. 203)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def same_time_on(day: date, moment: datetime) -> datetime:
    return datetime.combine(day, moment.astimezone(SHANGHAI).timetz())


@contextmanager
def year_guard() -> Iterator[None]:
    """Turn a calendar year nobody entered into the clerk's message naming it."""
    try:
        yield
    except cal.YearNotEntered as e:
        raise YearNotEntered(year=e.year) from None
