from django.contrib import admin

from accounts.admin import RulesModuleMixin
from bidroom.models import Room


@admin.register(Room)
class RoomAdmin(RulesModuleMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "capacity", "location", "opens_at", "closes_at"]
    list_filter = ["kind"]
