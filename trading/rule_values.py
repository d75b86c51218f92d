"""A rule's value in force at this center (its setting, if any), and how to say it to a clerk."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trading.calendar import Unit
from trading.models import RuleSetting
from trading.rules import ALL_RULES, COUNT, PERCENT, Direction, Rule


def value(rule: Rule, frozen: dict[str, int] | None = None) -> int:
    """The value in force: the listing's frozen copy when it has one, else the center's setting."""
    if frozen and rule.name in frozen:
        return int(frozen[rule.name])
    setting = RuleSetting.objects.filter(name=rule.name).values_list("value", flat=True).first()
    return rule.value if setting is None else setting


def snapshot() -> dict[str, int]:
    """Every rule's value in force now, stored on a listing at publication."""
    settings = dict(RuleSetting.objects.values_list("name", "value"))
    return {name: settings.get(name, rule.value) for name, rule in ALL_RULES.items()}


def source(rule: Rule) -> str:
    return rule.source_zh if (get_language() or "zh-hans").startswith("zh") else rule.source_en


def requirement(rule: Rule, amount: int) -> str:
    """"at least 20 days", "at most 2 % of the budget" in the reader's language."""
    units = {Unit.CALENDAR_DAYS: _("%(n)s days"), Unit.WORKING_DAYS: _("%(n)s working days"),
             PERCENT: _("%(n)s %% of the budget"), COUNT: _("%(n)s"), "yuan": _("%(n)s yuan")}
    quantity = units.get(rule.unit, "%(n)s") % {"n": amount}
    if rule.direction == Direction.MINIMUM:
        return _("at least %(quantity)s") % {"quantity": quantity}
    return _("at most %(quantity)s") % {"quantity": quantity}


def describe(rule: Rule, frozen: dict[str, int] | None = None) -> str:
    """"Tendering Law Art. 24: at least 20 days" (or "center setting (default …)")."""
    amount = value(rule, frozen)
    text = f"{source(rule)}: {requirement(rule, amount)}"
    if not rule.hard:
        text += " " + _("(center setting, default %(n)s)") % {"n": rule.value}
    return text
