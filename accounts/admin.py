"""Django admin for staff on reference data; nothing that holds secrets."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User


class RulesModuleMixin:
    """Admin asks for module permissions, which `rules` does not answer: ask the model's view permission."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        opts = self.model._meta  # type: ignore[attr-defined]
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


@admin.register(Organisation)
class OrganisationAdmin(RulesModuleMixin, admin.ModelAdmin):
    list_display = ["name", "credit_code", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "credit_code"]
    # Decisions go through the verification queue, so they are audited.
    readonly_fields = ["status", "rejection_reason", "decided_at", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class SunbidUserAdmin(RulesModuleMixin, UserAdmin):
    list_display = ["username", "first_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        (None, {"fields": ["username"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "phone"]}),
        (_("Role"), {"fields": ["role", "organisation", "is_active"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["role", "last_login", "date_joined"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are made by the account page's service, which audits it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
