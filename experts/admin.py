"""Django admin: the pool is reference data staff keep; draws are read-only, without the
secret, the snapshot, the manifest or who was drawn (they go through experts.selectors)."""

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import RulesModuleMixin
from audit import clock
from audit.services import actor_of, event_append
from experts.models import AvoidanceSettings, Draw, Expert, FormerEmployer, Penalty, RelativeOrganisation, Specialty


class AuditedAdminMixin:
    """An admin edit of the pool or the rules is a state change: it goes on the record."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        name = obj._meta.model_name
        event_append(kind=f"experts.{name}_{'changed' if change else 'added'}", actor=actor_of(request.user),
                     object=f"{name}:{getattr(obj, 'code', obj.pk)}", payload={"fields": sorted(form.changed_data)})


class FormerEmployerInline(admin.TabularInline):
    model = FormerEmployer
    extra = 0


class RelativeInline(admin.TabularInline):
    model = RelativeOrganisation
    extra = 0


class PenaltyInline(admin.TabularInline):
    model = Penalty
    extra = 0


@admin.register(Expert)
class ExpertAdmin(AuditedAdminMixin, RulesModuleMixin, admin.ModelAdmin):
    list_display = ["code", "name", "employer_name", "region", "status"]
    list_filter = ["status", "specialties"]
    search_fields = ["code", "name", "employer", "employer_name"]
    filter_horizontal = ["specialties"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [FormerEmployerInline, RelativeInline, PenaltyInline]


@admin.register(Specialty)
class SpecialtyAdmin(AuditedAdminMixin, RulesModuleMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(AvoidanceSettings)
class AvoidanceSettingsAdmin(AuditedAdminMixin, RulesModuleMixin, admin.ModelAdmin):
    list_display = ["employer_is_bidder", "employer_is_tenderer", "former_employer_years", "relatives", "penalties",
                    "cooldown_days"]
    fields = ["employer_is_bidder", "employer_is_tenderer", "former_employer_years", "relatives", "penalties",
              "cooldown_days", "changed_at"]
    readonly_fields = ["changed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row, made on first use

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        obj.changed_at = clock.now()  # a draw keeps the rules fixed at its create, whatever changes later
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Draw)
class DrawAdmin(RulesModuleMixin, admin.ModelAdmin):
    list_display = ["draw_id", "lot", "purpose", "state", "abandon_reason", "created_at"]
    list_filter = ["purpose", "state"]
    search_fields = ["draw_id"]
    # Counts and hashes only: no secret, pool, manifest, candidates or picks (draw.md §1, §5).
    fields = ["draw_id", "lot", "purpose", "k", "m", "state", "abandon_reason", "follows", "commit", "rules_hash",
              "n_pool", "n_excluded", "n_candidates", "pool_snapshot_hash", "excluded_hash", "candidates_hash",
              "anchor", "checkpoint_size", "witness", "result", "created_at", "revealed_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
