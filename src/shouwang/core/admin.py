"""Admin for core records. Audit events are read-only here as everywhere."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwang.core.models import AuditEvent, CodeItem, CodeList, Jurisdiction, Role, RoleGrant


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "stat_division_code", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "stat_division_code"]
    raw_id_fields = ["parent"]


class CodeItemInline(admin.TabularInline):
    model = CodeItem
    extra = 0


@admin.register(CodeList)
class CodeListAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "version", "source"]
    inlines = [CodeItemInline]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "is_global", "sees_sensitive", "home_order"]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "jurisdiction", "team"]
    list_filter = ["role"]
    raw_id_fields = ["jurisdiction", "team"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "code", "actor_name", "target_type", "target_repr", "request_id"]
    list_filter = ["code", "target_type"]
    search_fields = ["target_repr", "actor_name", "request_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
