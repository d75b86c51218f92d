"""A center's rule values: hard (statutory) rules may be tightened, never loosened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from audit import clock
from audit.services import actor_of, event_append
from config.errors import NotPermitted
from trading import rule_values
from trading.errors import RuleBroken
from trading.models import RuleSetting
from trading.rules import ALL_RULES

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def rule_setting_change(*, name: str, value: int, by: User) -> RuleSetting:
    """Set the center's value of a rule. Listings already published keep theirs (frozen at publication)."""
    if not by.has_perm("trading.manage_listing"):
        raise NotPermitted()
    rule = ALL_RULES[name]
    if not rule.allows_override(value):
        raise RuleBroken(what=_("The value %(value)s for %(name)s is refused") % {"value": value, "name": name},
                         rule=rule_values.source(rule), requirement=rule_values.requirement(rule, rule.value))
    setting, _created = RuleSetting.objects.update_or_create(name=name, defaults={"value": value,
                                                                                 "changed_at": clock.now()})
    event_append(kind="rule.changed", actor=actor_of(by), object=f"rule:{name}",
                 payload={"rule": name, "value": value, "default": rule.value})
    return setting
