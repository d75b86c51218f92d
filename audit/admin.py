from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import RulesModuleMixin
from audit.models import Checkpoint, Event


class ReadOnlyAdmin(RulesModuleMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "ts", "actor", "kind", "object"]
    list_filter = ["kind"]
    search_fields = ["object", "actor"]


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["size", "root", "created_at"]
