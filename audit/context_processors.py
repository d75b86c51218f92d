from typing import Any

from django.conf import settings
from django.http import HttpRequest

from audit import clock


def platform_clock(request: HttpRequest) -> dict[str, Any]:
    """Every page knows platform time, so scripts never stamp with the browser's clock."""
    user = getattr(request, "user", None)
    now = clock.now()
    return {
        "demo_clock": settings.SUNBID_DEMO_CLOCK,
        "platform_now": now,
        "platform_epoch_ms": int(now.timestamp() * 1000),
        "platform_offset_ms": int(clock.offset().total_seconds() * 1000),
        "can_advance_clock": bool(user and settings.SUNBID_DEMO_CLOCK and user.has_perm("audit.advance_clock")),
    }
