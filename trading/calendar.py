"""Working days and period counting for China (RULES.md §8). Pure: stdlib and
`chinese_calendar` only, so the Django layer and outside checkers compute the same dates.

Dates are `datetime.date` in Asia/Shanghai; the caller converts instants first.

Counting follows 民法典 Art. 201–203: the start day is not counted, and a period whose last
day is a statutory holiday ends on the next working day (weekends count as rest days, as
commonly read). A working day is whatever the State Council's notice says, make-up working
days (调休) included: never a weekday test.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType

import chinese_calendar

ONE_DAY = timedelta(days=1)


class Unit(enum.StrEnum):
    CALENDAR_DAYS = "calendar_days"  # 日
    WORKING_DAYS = "working_days"  # 工作日


class YearNotEntered(LookupError):
    """No holiday schedule for `year`: the package lacks it and staff have not entered it."""

    def __init__(self, year: int) -> None:
        # args stay (year,) so the exception pickles and rebuilds with its year.
        super().__init__(year)
        self.year = year

    def __str__(self) -> str:
        return (f"No working-day schedule for {self.year}: the holiday package does not cover "
                f"{self.year} and staff have not entered that year's holidays and make-up "
                "working days.")


@dataclass(frozen=True)
class WorkCalendar:
    """The holiday data in force: `chinese_calendar` corrected by staff entries.

    `overrides` maps a day to True (working day) or False (rest day); an entry wins over the
    package. `entered_years` are years staff entered in full: for those the package is
    ignored and a day without an entry follows the normal week, because a notice lists only
    the exceptions. Overrides in a year that is neither entered nor known to the package do
    not make it usable: a partly entered year still raises `YearNotEntered`.
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    entered_years: Set[int] = frozenset()

    def __post_init__(self) -> None:
        for day in self.overrides:
            _require_date(day)
        # Copies: the caller's dict may change later, but a version must keep naming one table.
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "entered_years", frozenset(self.entered_years))

    @property
    def version(self) -> str:
        """Names the data in force, for the listing to store (RULES.md §8): equal versions
        give equal dates."""
        table = {
            "entered_years": sorted(self.entered_years),
            "overrides": {day.isoformat(): works for day, works in sorted(self.overrides.items())},
        }
        digest = hashlib.sha256(json.dumps(table, sort_keys=True).encode()).hexdigest()
        return f"chinesecalendar-{chinese_calendar.__version__}+{digest[:16]}"

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day (工作日) under the State Council's schedule."""
        _require_date(day)
        if day.year in self.entered_years:
            return self.overrides.get(day, day.weekday() < 5)
        try:
            package_says = chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise YearNotEntered(day.year) from None
        return self.overrides.get(day, package_says)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """N working days after `start`: the Nth working day after it, `start` not counted
        (Art. 201). The result is always a working day when n ≥ 1."""
        _require_date(start)
        _require_count(n)
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def subtract_working_days(self, end: date, n: int) -> date:
        """The latest working day X with `add_working_days(X, n) <= end`, for "≥ N WD before
        `end`". On a working `end` that is the Nth working day before it; on a rest day the
        count starts from the last working day before `end`, since the rest day adds none."""
        _require_count(n)
        day = end if self.is_working_day(end) else self._previous_working_day(end)
        for _ in range(n):
            day = self._previous_working_day(day)
        return day

    def earliest_deadline(self, issued: date, n: int, unit: Unit) -> date:
        """The earliest deadline for a minimum period of `n` counted after `issued`
        (e.g. TL Art. 24, ≥ 20 days: issued 1 March → 21 March).

        A calendar-day minimum is not pushed past a holiday: Art. 203 extends the time left
        to act, it does not lengthen a minimum interval. Whether a deadline may fall on a
        rest day is the validator's setting (RULES.md §8), not this count's.
        """
        if unit is Unit.CALENDAR_DAYS:
            return add_days(issued, n)
        return self.add_working_days(issued, n)

    def latest_day(self, event: date, n: int, unit: Unit) -> date:
        """The last day of a maximum period of `n` after `event` (e.g. GPL Art. 52,
        ≤ 7 WD: the 7th working day after the event is the last day).

        A calendar-day period ending on a rest day ends on the next working day (Art. 203).
        """
        if unit is Unit.WORKING_DAYS:
            return self.add_working_days(event, n)
        end = add_days(event, n)
        return end if self.is_working_day(end) else self.next_working_day(end)

    def _previous_working_day(self, day: date) -> date:
        day -= ONE_DAY
        while not self.is_working_day(day):
            day -= ONE_DAY
        return day


def package_last_year() -> int:
    """The last year the holiday package knows (its data ends with a year's notice)."""
    return max(day.year for day in chinese_calendar.holidays)


def package_covers(year: int) -> bool:
    """Whether the holiday package has the State Council's schedule for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def add_days(start: date, n: int) -> date:
    """N calendar days after `start` end on start + N (Art. 201: the start day is not
    counted). Plain arithmetic: shifting past holidays is `latest_day`'s job."""
    _require_date(start)
    _require_count(n)
    return start + timedelta(days=n)


def subtract_days(end: date, n: int) -> date:
    """The latest day that is at least N calendar days before `end` (TR Art. 21, ≥ 15 days
    before the deadline: deadline 30 March → amend by 15 March)."""
    _require_date(end)
    _require_count(n)
    return end - timedelta(days=n)


def _require_date(day: date) -> None:
    # A datetime is a date too, but an aware UTC instant here would count from the wrong day.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a datetime.date in Asia/Shanghai, got {type(day).__name__}")


def _require_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"a period is counted forwards from its start; got {n} (use subtract_*)")
