"""Admin of the hazard register (edits are audited like every other write)."""

from django.contrib import admin

from shouwang.core.admin import AuditedAdmin
from shouwang.hazards.models import Hazard, HazardCategoryPolicy, HazardExtension, HazardTransition


@admin.register(Hazard)
class HazardAdmin(AuditedAdmin):
    list_display = ("category", "description", "jurisdiction", "severity", "status", "found_at")
    list_filter = ("severity", "status", "source")
    search_fields = ("description", "place")
    raw_id_fields = ("log", "checklist_result", "photos", "found_by")


@admin.register(HazardCategoryPolicy)
class HazardCategoryPolicyAdmin(AuditedAdmin):
    list_display = ("jurisdiction", "category", "default_unit", "time_limit_working_days", "public")
    list_filter = ("public",)


@admin.register(HazardTransition)
class HazardTransitionAdmin(AuditedAdmin):
    list_display = ("hazard", "from_status", "to_status", "actor", "at")
    raw_id_fields = ("hazard", "actor")


@admin.register(HazardExtension)
class HazardExtensionAdmin(AuditedAdmin):
    list_display = ("hazard", "new_deadline", "status", "requested_by", "decided_by")
    raw_id_fields = ("hazard", "requested_by", "decided_by")
