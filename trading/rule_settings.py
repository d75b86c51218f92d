"""A center's value for a rule (RULES.md rules 2–3): hard rules only tighter, settings any
positive value. Published listings keep the values frozen at publication."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from audit import clock
from audit.services import actor_of, event_append
from config.errors import NotPermitted
from trading import rule_values
from trading.errors import RuleLoosened, RuleValueNotPositive, UnknownRule
from trading.models import RuleSetting
from trading.rules import ALL_RULES

if TYPE_CHECKING:
    from accounts.models import User


# Changing what every future listing is held to is a center decision, taken by staff.
PERMISSION = "trading.edit_rules"


@transaction.atomic
def rule_setting_change(*, by: User, name: str, value: int) -> RuleSetting:
    if not by.has_perm(PERMISSION):
        raise NotPermitted()
    rule = ALL_RULES.get(name)
    if rule is None:
        raise UnknownRule(name=name)
    if value <= 0:
        raise RuleValueNotPositive(rule=rule_values.source(rule))
    if not rule.allows_override(value):
        raise RuleLoosened(rule=rule_values.source(rule), requirement=rule_values.requirement(rule, rule.value),
                           value=value)
    setting = RuleSetting.objects.select_for_update().filter(name=name).first()
    before = rule.value if setting is None else setting.value
    now = clock.now()
    if setting is None:
        setting = RuleSetting.objects.create(name=name, value=value, changed_at=now)
    else:
        setting.value, setting.changed_at = value, now
        setting.save(update_fields=["value", "changed_at"])
    event_append(kind="rule.changed", actor=actor_of(by), object=f"rule:{name}",
                 payload={"rule": name, "before": before, "value": value, "hard": rule.hard})
    return setting
