"""Reads whose answer depends on who asks."""

from django.db.models import QuerySet

from accounts.models import Organisation, User


def registrations_pending() -> QuerySet[Organisation]:
    return Organisation.objects.filter(status=Organisation.Status.PENDING).prefetch_related("users").order_by("created_at")


def users_visible_to(user: User) -> QuerySet[User]:
    if user.has_perm("accounts.manage_accounts"):
        return User.objects.select_related("organisation").order_by("role", "username")
    return User.objects.filter(pk=user.pk)
