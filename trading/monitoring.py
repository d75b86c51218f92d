"""电子监察: every step with a time limit has a due time; overdue ones are recorded once and notified."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.notifications import notify
from audit import clock
from audit.services import SYSTEM, event_append
from trading.models import DueItem

SOON = timedelta(days=2)


def due_board() -> dict[str, QuerySet[DueItem]]:
    """Open items for the staff and supervisor dashboard: overdue, due soon, later."""
    now = clock.now()
    open_items = DueItem.objects.filter(done_at__isnull=True).select_related("listing").order_by("due_at")
    return {"overdue": open_items.filter(due_at__lt=now),
            "soon": open_items.filter(due_at__gte=now, due_at__lt=now + SOON),
            "later": open_items.filter(due_at__gte=now + SOON)}


def record_overdue() -> int:
    """Record each newly overdue item exactly once (a conditional update claims it)."""
    now = clock.now()
    count = 0
    for item in DueItem.objects.filter(done_at__isnull=True, overdue_recorded_at__isnull=True, due_at__lt=now):
        with transaction.atomic():
            claimed = DueItem.objects.filter(pk=item.pk, overdue_recorded_at__isnull=True).update(overdue_recorded_at=now)
            if not claimed:
                continue
            event_append(kind="listing.overdue", actor=SYSTEM, object=f"listing:{item.listing.code}",
                         payload={"listing": item.listing.code, "what": item.what, "rule": item.rule,
                                  "due": clock.format_ts(item.due_at)})
            watchers = User.objects.filter(role__in=[User.Role.STAFF, User.Role.SUPERVISOR], is_active=True)
            notify(watchers, subject=_("Overdue: %(code)s") % {"code": item.listing.code},
                   body=_("%(what)s was due at %(due)s.") % {"what": item.what, "due": item.due_at},
                   link="/trading/due/")
            count += 1
    return count
