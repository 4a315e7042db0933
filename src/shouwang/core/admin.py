"""Admin for core records. Audit events are read-only here as everywhere."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwang.core.audit import record_event, register_record_actions, snapshot
from shouwang.core.models import AuditEvent, CodeItem, CodeList, Jurisdiction, Role, RoleGrant


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are validated by the model and written to the audit trail like any other."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        register_record_actions(type(obj))
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if hasattr(obj, "after_save"):
            obj.after_save()
        verb = "changed" if change else "created"
        record_event(
            f"{obj._meta.label_lower}.{verb}",
            actor=request.user,
            target=obj,
            before=before,
            after=snapshot(obj),
            reason="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        register_record_actions(type(obj))
        record_event(
            f"{obj._meta.label_lower}.deleted",
            actor=request.user,
            target=obj,
            before=snapshot(obj),
            reason="admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Jurisdiction)
class JurisdictionAdmin(AuditedAdmin):
    list_display = ["name", "level", "stat_division_code", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "stat_division_code"]
    raw_id_fields = ["parent"]


class CodeItemInline(admin.TabularInline):
    model = CodeItem
    extra = 0


@admin.register(CodeList)
class CodeListAdmin(AuditedAdmin):
    list_display = ["key", "name", "version", "source"]
    inlines = [CodeItemInline]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["key", "name", "is_global", "sees_sensitive", "home_order"]


@admin.register(RoleGrant)
class RoleGrantAdmin(AuditedAdmin):
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
