"""Staff and supervisors' pages: what is due, the working-day calendar, the rule settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import DomainError
from trading import calendar_admin, rule_settings, rule_values
from trading.forms import CalendarDayForm, CalendarYearForm, RuleSettingForm
from trading.models import CalendarDay, CalendarYear, DueItem, Listing, RuleSetting
from trading.monitoring import due_board
from trading.rules import ALL_RULES
from trading.views import require

DUE_WHAT = {"objection": gettext_lazy("Reply to an objection"), "contract": gettext_lazy("Contract signing")}


@dataclass
class DueRow:
    listing: Listing
    what: str
    rule: str
    due_at: datetime


def _due_row(item: DueItem) -> DueRow:
    kind, _sep, subject = item.what.partition(":")
    what = str(DUE_WHAT.get(kind, kind))
    if kind == "contract" and subject:
        what = _("%(what)s, lot %(lot)s") % {"what": what, "lot": subject}
    rule = ALL_RULES.get(item.rule)
    return DueRow(item.listing, what, rule_values.describe(rule, item.listing.rules_in_force) if rule else "",
                  item.due_at)


@login_required
def due_dashboard(request: HttpRequest) -> HttpResponse:
    require(request, "trading.view_due")
    board = due_board()
    return render(request, "trading/due.html", {
        "sections": [(_("Overdue"), "bad", [_due_row(i) for i in board["overdue"]]),
                     (_("Due within two days"), "pending", [_due_row(i) for i in board["soon"]]),
                     (_("Later"), "", [_due_row(i) for i in board["later"]])]})


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    require(request, "trading.edit_calendar")
    which = request.POST.get("which") if request.method == "POST" else None
    day_form = CalendarDayForm(request.POST if which == "day" else None, prefix="day")
    year_form = CalendarYearForm(request.POST if which == "year" else None, prefix="year")
    form = day_form if which == "day" else year_form if which == "year" else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if which == "day":
                calendar_admin.calendar_day_set(by=request.user, day=data["day"], working=data["working"],
                                                notice=data["notice"])
                done = _("%(day)s saved.") % {"day": data["day"].isoformat()}
            else:
                calendar_admin.calendar_year_add(by=request.user, year=data["year"], notice=data["notice"])
                done = _("%(year)s is marked as entered.") % {"year": data["year"]}
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, done)
            return redirect("trading:calendar")
    return render(request, "trading/calendar.html", {
        "day_form": day_form, "year_form": year_form,
        "days": CalendarDay.objects.order_by("-day"), "years": CalendarYear.objects.order_by("-year")})


@dataclass
class RuleRow:
    name: str
    source: str
    label: str
    hard: bool
    default: str
    in_force: str
    changed_at: datetime | None


@login_required
def rule_settings_page(request: HttpRequest) -> HttpResponse:
    require(request, rule_settings.PERMISSION)
    form = RuleSettingForm(request.POST or None, initial={"rule": request.GET.get("rule")})
    if request.method == "POST" and form.is_valid():
        try:
            rule_settings.rule_setting_change(by=request.user, name=form.cleaned_data["rule"],
                                              value=form.cleaned_data["value"])
        except DomainError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("%(rule)s is now %(value)s for listings published from now on.")
                             % {"rule": form.cleaned_data["rule"], "value": form.cleaned_data["value"]})
            return redirect("trading:rule_settings")
    settings = {s.name: s for s in RuleSetting.objects.all()}
    rows = [RuleRow(name=rule.name, source=rule_values.source(rule), label=rule.label, hard=rule.hard,
                    default=rule_values.requirement(rule, rule.value),
                    in_force=rule_values.requirement(rule, settings[name].value if name in settings else rule.value),
                    changed_at=settings[name].changed_at if name in settings else None)
            for name, rule in ALL_RULES.items()]
    return render(request, "trading/rule_settings.html", {"rows": rows, "form": form})
