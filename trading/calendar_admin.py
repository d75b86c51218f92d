"""Staff's entries in the working-day calendar (RULES.md §8): a State Council notice's
holidays and make-up working days for a year the holiday package lacks, or a correction.

Published listings keep the calendar version they were published with; an entry changes the
dates of listings published after it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from audit.services import actor_of, event_append
from config.errors import NotPermitted
from trading import calendar as cal
from trading.errors import NoticeRequired, YearAlreadyEntered, YearInPackage
from trading.models import CalendarDay, CalendarYear

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def calendar_day_set(*, by: User, day: date, working: bool, notice: str) -> CalendarDay:
    """Add a day's entry, or correct the one already there; the record keeps both values."""
    if not by.has_perm("trading.edit_calendar"):
        raise NotPermitted()
    if not notice.strip():
        raise NoticeRequired()
    entry = CalendarDay.objects.select_for_update().filter(day=day).first()
    before = None if entry is None else entry.working
    if entry is None:
        entry = CalendarDay.objects.create(day=day, working=working, notice=notice.strip())
    else:
        entry.working, entry.notice = working, notice.strip()
        entry.save(update_fields=["working", "notice"])
    event_append(kind="calendar.changed", actor=actor_of(by), object=f"calendar:{day.isoformat()}",
                 payload={"day": day.isoformat(), "working": working, "before": before, "notice": entry.notice})
    return entry


@transaction.atomic
def calendar_year_add(*, by: User, year: int, notice: str) -> CalendarYear:
    """Mark a year as entered in full: its days without an entry then follow the ordinary week."""
    if not by.has_perm("trading.edit_calendar"):
        raise NotPermitted()
    if not notice.strip():
        raise NoticeRequired()
    if cal.package_covers(year):
        raise YearInPackage(year=year)
    if CalendarYear.objects.select_for_update().filter(year=year).exists():
        raise YearAlreadyEntered(year=year)
    entry = CalendarYear.objects.create(year=year, notice=notice.strip())
    event_append(kind="calendar.changed", actor=actor_of(by), object=f"calendar:{year}",
                 payload={"year": year, "entered": True, "notice": entry.notice,
                          "days": CalendarDay.objects.filter(day__year=year).count()})
    return entry
