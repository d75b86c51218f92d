"""Working days and period counting (RULES.md §8): the State Council's 2025 and 2026
schedules as chinese_calendar holds them, staff entries, and the §8 examples."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading.calendar import (
    Unit,
    WorkCalendar,
    YearNotEntered,
    add_days,
    subtract_days,
)

CAL = WorkCalendar()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# (rest days, make-up working days, the package's name for them), from the State Council's
# notices for 2025 and 2026.
SCHEDULES = {
    "spring_festival_2025": (days(date(2025, 1, 28), date(2025, 2, 4)),
                             [date(2025, 1, 26), date(2025, 2, 8)], "Spring Festival"),
    "national_day_2025": (days(date(2025, 10, 1), date(2025, 10, 8)),
                          [date(2025, 9, 28), date(2025, 10, 11)], "National Day"),
    "new_year_2026": (days(date(2026, 1, 1), date(2026, 1, 3)),
                      [date(2026, 1, 4)], "New Year's Day"),
    "spring_festival_2026": (days(date(2026, 2, 15), date(2026, 2, 23)),
                             [date(2026, 2, 14), date(2026, 2, 28)], "Spring Festival"),
    "national_day_2026": (days(date(2026, 10, 1), date(2026, 10, 7)),
                          [date(2026, 9, 20), date(2026, 10, 10)], "National Day"),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_official_schedule_rest_and_make_up_days(name: str) -> None:
    rest, make_up, holiday = SCHEDULES[name]
    for day in rest:
        assert not CAL.is_working_day(day), day
        assert chinese_calendar.get_holiday_detail(day)[0] is True, day
    for day in make_up:
        assert day.weekday() >= 5, "a make-up working day is a weekend day"
        assert CAL.is_working_day(day), day
        assert chinese_calendar.get_holiday_detail(day) == (False, holiday), day
    # Only the first day by name: the package calls 6 October 2025 "Mid-autumn Festival".
    assert chinese_calendar.get_holiday_detail(rest[0]) == (True, holiday)


def test_without_entries_the_package_decides_every_day_of_2025_and_2026() -> None:
    for day in days(date(2025, 1, 1), date(2026, 12, 31)):
        assert CAL.is_working_day(day) is chinese_calendar.is_workday(day), day


@pytest.mark.parametrize(("start", "n", "expected"), [
    # 25 Jan is a Saturday; Sunday 26 Jan is a make-up day; 28 Jan–4 Feb are the holiday.
    (date(2025, 1, 24), 5, date(2025, 2, 7)),
    (date(2025, 1, 24), 6, date(2025, 2, 8)),      # the make-up Saturday counts
    (date(2025, 9, 26), 1, date(2025, 9, 28)),     # the make-up Sunday counts
    (date(2025, 9, 28), 3, date(2025, 10, 9)),     # over National Day
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 14), 1, date(2026, 2, 24)),     # over Spring Festival 2026
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2025, 3, 3), 0, date(2025, 3, 3)),
])
def test_add_working_days_across_holidays_and_make_up_days(start: date, n: int,
                                                           expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


@pytest.mark.parametrize(("end", "n", "expected"), [
    (date(2025, 2, 7), 5, date(2025, 1, 24)),
    (date(2025, 2, 10), 1, date(2025, 2, 8)),      # back onto the make-up Saturday
    (date(2025, 10, 9), 1, date(2025, 9, 30)),
    # A rest-day end adds no working day: 30 Sep + 1 WD is 9 Oct, past 1 Oct.
    (date(2025, 10, 1), 1, date(2025, 9, 29)),
    (date(2025, 10, 1), 0, date(2025, 9, 30)),
])
def test_subtract_working_days(end: date, n: int, expected: date) -> None:
    assert CAL.subtract_working_days(end, n) == expected


def test_next_working_day_skips_holidays_but_not_make_up_days() -> None:
    assert CAL.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)
    assert CAL.next_working_day(date(2025, 10, 10)) == date(2025, 10, 11)
    assert CAL.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)


@pytest.mark.parametrize(("event", "n", "expected"), [
    (date(2025, 9, 21), 10, date(2025, 10, 9)),    # ends 1 Oct, a holiday
    (date(2026, 2, 5), 10, date(2026, 2, 24)),     # ends 15 Feb 2026, Spring Festival
    (date(2025, 3, 12), 10, date(2025, 3, 24)),    # ends on a Saturday
    (date(2025, 1, 16), 10, date(2025, 1, 26)),    # ends on a make-up Sunday: stays
    (date(2025, 3, 3), 3, date(2025, 3, 6)),       # ends on a working day: stays
])
def test_calendar_period_ending_on_a_rest_day_ends_on_the_next_working_day(
        event: date, n: int, expected: date) -> None:
    assert CAL.latest_day(event, n, Unit.CALENDAR_DAYS) == expected


def test_rules_example_documents_issued_1_march_deadline_no_earlier_than_21_march() -> None:
    assert CAL.earliest_deadline(date(2025, 3, 1), 20, Unit.CALENDAR_DAYS) == date(2025, 3, 21)


def test_minimum_calendar_period_is_not_lengthened_by_a_weekend() -> None:
    # 21 March 2026 is a Saturday: 20 days have passed; refusing it is the validator's call.
    assert not CAL.is_working_day(date(2026, 3, 21))
    assert CAL.earliest_deadline(date(2026, 3, 1), 20, Unit.CALENDAR_DAYS) == date(2026, 3, 21)


def test_minimum_working_day_period_ends_on_the_nth_working_day() -> None:
    assert CAL.earliest_deadline(date(2025, 1, 24), 5, Unit.WORKING_DAYS) == date(2025, 2, 7)


def test_rules_example_deadline_30_march_amend_by_15_march() -> None:
    assert subtract_days(date(2025, 3, 30), 15) == date(2025, 3, 15)


@pytest.mark.parametrize(("event", "expected"), [
    (date(2025, 3, 3), date(2025, 3, 12)),         # Monday: 4–7, 10–12 March
    (date(2025, 9, 26), date(2025, 10, 13)),       # both National Day make-up days count
    (date(2025, 12, 31), date(2026, 1, 12)),       # into 2026: 4 Jan is a make-up Sunday
])
def test_rules_example_at_most_7_working_days_counts_from_the_day_after(
        event: date, expected: date) -> None:
    assert CAL.latest_day(event, 7, Unit.WORKING_DAYS) == expected


def test_calendar_day_arithmetic_needs_no_schedule() -> None:
    assert add_days(date(2030, 12, 25), 10) == date(2031, 1, 4)
    assert CAL.earliest_deadline(date(2030, 12, 25), 10, Unit.CALENDAR_DAYS) == date(2031, 1, 4)


def test_period_ending_in_an_unentered_year_raises_with_that_year() -> None:
    with pytest.raises(YearNotEntered) as caught:
        CAL.latest_day(date(2030, 12, 25), 10, Unit.CALENDAR_DAYS)
    assert caught.value.year == 2031
    assert "2031" in str(caught.value)


def test_working_days_running_into_2027_raise_rather_than_guess() -> None:
    with pytest.raises(YearNotEntered) as caught:
        CAL.add_working_days(date(2026, 12, 24), 10)
    assert caught.value.year == 2027
    with pytest.raises(YearNotEntered):
        CAL.is_working_day(date(2031, 3, 3))         # a Monday: still not guessed


def test_overrides_alone_do_not_make_an_unentered_year_usable() -> None:
    partial = WorkCalendar(overrides={date(2027, 1, 1): False})
    for day in (date(2027, 1, 1), date(2027, 1, 4)):
        with pytest.raises(YearNotEntered):
            partial.is_working_day(day)


def test_staff_entering_2027_makes_it_usable() -> None:
    # An illustrative entry, not the State Council's 2027 notice.
    entered = WorkCalendar(overrides={date(2027, 1, 1): False, date(2027, 2, 6): True},
                           entered_years={2027})
    assert not entered.is_working_day(date(2027, 1, 1))      # a Friday, entered as a holiday
    assert entered.is_working_day(date(2027, 2, 6))          # a Saturday, entered as make-up
    assert entered.is_working_day(date(2027, 1, 4))
    assert not entered.is_working_day(date(2027, 1, 9))
    assert entered.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_a_year_entered_in_full_replaces_the_package_for_that_year() -> None:
    entered = WorkCalendar(entered_years={2026})
    assert entered.is_working_day(date(2026, 2, 16))          # the package's holiday Monday
    assert not entered.is_working_day(date(2026, 2, 14))      # the package's make-up Saturday
    assert not entered.is_working_day(date(2025, 2, 3))       # 2025 still from the package


def test_overrides_correct_days_in_a_known_year() -> None:
    assert CAL.add_working_days(date(2025, 4, 30), 1) == date(2025, 5, 6)
    corrected = WorkCalendar(overrides={date(2025, 5, 6): False, date(2025, 10, 8): True})
    assert corrected.add_working_days(date(2025, 4, 30), 1) == date(2025, 5, 7)
    assert corrected.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 8)
    assert not corrected.is_working_day(date(2025, 10, 7))    # the rest stays the package's


def test_version_names_the_package_and_the_entries() -> None:
    base = WorkCalendar(overrides={date(2025, 5, 6): False, date(2025, 10, 8): True})
    reordered = WorkCalendar(overrides={date(2025, 10, 8): True, date(2025, 5, 6): False})
    assert base.version == reordered.version
    assert base.version.startswith(f"chinesecalendar-{chinese_calendar.__version__}+")
    others = {
        CAL.version,
        WorkCalendar(overrides={date(2025, 5, 6): True, date(2025, 10, 8): True}).version,
        WorkCalendar(overrides=base.overrides, entered_years={2027}).version,
    }
    assert base.version not in others and len(others) == 3


def test_calendar_keeps_its_own_copy_of_the_entries() -> None:
    entries = {date(2025, 5, 6): False}
    calendar = WorkCalendar(overrides=entries)
    version = calendar.version
    entries[date(2025, 5, 6)] = True
    assert not calendar.is_working_day(date(2025, 5, 6))
    assert calendar.version == version


def test_datetimes_are_refused() -> None:
    instant = datetime(2025, 10, 1, 16, 30, tzinfo=UTC)     # already 2 October in Shanghai
    with pytest.raises(TypeError):
        CAL.is_working_day(instant)
    with pytest.raises(TypeError):
        add_days(instant, 1)
    with pytest.raises(TypeError):
        CAL.add_working_days(instant, 0)
    with pytest.raises(TypeError):
        WorkCalendar(overrides={instant: False})


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        add_days(date(2025, 3, 1), -1)
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2025, 3, 1), -1)


def test_module_is_pure() -> None:
    code = "import sys, trading.calendar; assert 'django' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# Both years the package holds, with room for 40 working days either side.
some_day = st.dates(min_value=date(2024, 3, 1), max_value=date(2026, 9, 30))
some_count = st.integers(min_value=0, max_value=40)


def working(day: date) -> date:
    return day if CAL.is_working_day(day) else CAL.next_working_day(day)


@given(some_day, some_count)
def test_add_working_days_counts_exactly_n_working_days(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    counted = sum(CAL.is_working_day(day) for day in days(start + timedelta(days=1), end))
    assert counted == n
    assert n == 0 or CAL.is_working_day(end)


@given(some_day, some_count)
def test_add_working_days_is_strictly_monotonic_in_n(start: date, n: int) -> None:
    assert CAL.add_working_days(start, n) < CAL.add_working_days(start, n + 1)


@given(some_day, some_count)
def test_adding_and_subtracting_working_days_round_trips(day: date, n: int) -> None:
    day = working(day)
    assert CAL.subtract_working_days(CAL.add_working_days(day, n), n) == day
    assert CAL.add_working_days(CAL.subtract_working_days(day, n), n) == day


@given(some_day, some_count)
def test_subtract_working_days_is_the_latest_working_day_allowed(end: date, n: int) -> None:
    latest = CAL.subtract_working_days(end, n)
    assert CAL.is_working_day(latest)
    assert CAL.add_working_days(latest, n) <= end < CAL.add_working_days(
        CAL.next_working_day(latest), n)


@given(some_day, some_count)
def test_calendar_period_ends_on_the_first_working_day_from_its_nth_day(event: date,
                                                                       n: int) -> None:
    last = CAL.latest_day(event, n, Unit.CALENDAR_DAYS)
    assert CAL.is_working_day(last)
    assert not any(CAL.is_working_day(day) for day in days(add_days(event, n), last)[:-1])
    assert last >= add_days(event, n)
