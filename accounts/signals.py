"""Logins, failed logins and lockouts go into the full-process record (issue: accounts)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.services import SYSTEM, actor_of, event_append


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    event_append(kind="account.login", actor=actor_of(user), object=f"user:{user.pk}", payload={"user": user.pk})


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        event_append(kind="account.logout", actor=actor_of(user), object=f"user:{user.pk}",
                     payload={"user": user.pk})


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The user name is an id, the password never leaves `credentials` (Django cleanses it).
    username = str(credentials.get("username", ""))[:150]
    event_append(kind="account.login_failed", actor=SYSTEM, object="", payload={"username": username})


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender: Any, request: Any, username: str | None = None, ip_address: str | None = None,
                **kwargs: Any) -> None:
    event_append(kind="account.locked_out", actor=SYSTEM, object="", payload={"username": str(username or "")[:150]})
