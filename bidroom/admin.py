from django.contrib import admin

from accounts.admin import RulesModuleMixin
from bidroom.models import Camera, Gap, Room


@admin.register(Room)
class RoomAdmin(RulesModuleMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "capacity", "location", "opens_at", "closes_at"]
    list_filter = ["kind"]


class ReadOnlyAdmin(RulesModuleMixin, admin.ModelAdmin):
    """Cameras change through /rooms/cameras/ (audited); gaps only through the capture worker."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Camera)
class CameraAdmin(ReadOnlyAdmin):
    list_display = ["ident", "name", "room", "enabled", "holder", "lease_expires_at"]
    list_filter = ["room", "enabled"]


@admin.register(Gap)
class GapAdmin(ReadOnlyAdmin):
    list_display = ["camera", "reason", "start", "end", "detail"]
    list_filter = ["reason"]
