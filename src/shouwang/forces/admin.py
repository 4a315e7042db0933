from django.contrib import admin

from shouwang.core.admin import AuditedAdmin
from shouwang.forces.models import Member, Organisation, Team


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "jurisdiction"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "kind", "jurisdiction", "leader"]
    search_fields = ["name"]


@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    # The identity number is only ever shown masked here; reveals go through the audited page.
    list_display = [
        "name",
        "phone",
        "jurisdiction",
        "employment_type",
        "status",
        "citizen_id_masked",
    ]
    list_filter = ["status", "employment_type"]
    search_fields = ["name", "phone"]
    exclude = ["citizen_id_encrypted", "citizen_id_digest"]
    readonly_fields = ["citizen_id_masked"]
    filter_horizontal = ["roles", "teams"]
