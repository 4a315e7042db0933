"""Admin of the hazard register (edits are audited like every other write)."""

from django.contrib import admin

from shouwang.core.admin import AuditedAdmin
from shouwang.hazards.models import Hazard


@admin.register(Hazard)
class HazardAdmin(AuditedAdmin):
    list_display = ("category", "description", "jurisdiction", "severity", "status", "found_at")
    list_filter = ("severity", "status", "source")
    search_fields = ("description", "place")
    raw_id_fields = ("log", "checklist_result", "photos", "found_by")
