"""One way to tell people things. In-app messages always; e-mail and SMS backends plug in
through NOTIFICATION_BACKENDS (dotted paths of callables taking (user, subject, body, link)).

Sent after commit: a rolled-back change tells nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from accounts.models import Message, User
from audit import clock

Backend = Callable[[User, str, str, str], None]


def email_backend(user: User, subject: str, body: str, link: str) -> None:
    if user.email:
        send_mail(subject, f"{body}\n\n{link}".strip(), None, [user.email], fail_silently=True)


def _backends() -> list[Backend]:
    return [import_string(path) for path in getattr(settings, "NOTIFICATION_BACKENDS", [])]


def notify(users: Iterable[User], *, subject: str, body: str, link: str = "") -> list[Message]:
    """Leave a message in each user's inbox now; other channels go out after commit."""
    now = clock.now()
    recipients = list({u.pk: u for u in users}.values())
    messages = Message.objects.bulk_create(
        [Message(recipient=u, subject=subject[:200], body=body, link=link, sent_at=now) for u in recipients])
    backends = _backends()
    if backends:
        def deliver() -> None:
            for user in recipients:
                for backend in backends:
                    backend(user, subject, body, link)

        transaction.on_commit(deliver)
    return messages


def inbox(user: User) -> list[Message]:
    return list(Message.objects.filter(recipient=user)[:200])


def mark_read(user: User, message_id: int) -> None:
    Message.objects.filter(recipient=user, pk=message_id, read_at__isnull=True).update(read_at=clock.now())
