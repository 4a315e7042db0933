from django.contrib import admin

from shouwang.core.admin import AuditedAdmin
from shouwang.forces.models import (
    Member,
    MemberAbsence,
    MemberPostCap,
    Organisation,
    PlanningPolicy,
    Team,
)


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


@admin.register(MemberAbsence)
class MemberAbsenceAdmin(AuditedAdmin):
    list_display = ["member", "kind", "start_date", "end_date", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["member__name", "reason"]
    raw_id_fields = ["member"]
    date_hierarchy = "start_date"


@admin.register(MemberPostCap)
class MemberPostCapAdmin(AuditedAdmin):
    list_display = ["member", "post", "max_per_month"]
    search_fields = ["member__name", "post__name"]
    raw_id_fields = ["member", "post"]


@admin.register(PlanningPolicy)
class PlanningPolicyAdmin(AuditedAdmin):
    list_display = ["team", "forbid_night_then_early", "min_rest_hours"]
    search_fields = ["team__name"]
    raw_id_fields = ["team"]
