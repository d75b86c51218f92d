"""`check --deploy` refuses a production configuration with the demo clock switched on."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def demo_clock_off_in_production(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.SUNBID_DEMO_CLOCK:
        return [checks.Error(
            "SUNBID_DEMO_CLOCK is on: the platform clock may be moved forward, which production forbids.",
            hint="Unset SUNBID_DEMO_CLOCK; production time is the system clock only.", id="sunbid.E001")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def platform_key_from_environment(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if not settings.SUNBID_PLATFORM_KEY:
        return [checks.Error("SUNBID_PLATFORM_KEY is not set: the platform key must come from the environment.",
                             id="sunbid.E002")]
    return []
