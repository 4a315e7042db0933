"""Admin for field work. Checklists are editable (audited); everything recorded in the field
(patrol logs and what hangs off them) is read-only here: it changes only through the sync and
review services, and a confirmed log never changes at all."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shouwang.core.admin import AuditedAdmin
from shouwang.patrols.forms import ChecklistForm
from shouwang.patrols.models import (
    CheckIn,
    Checklist,
    FieldPhoto,
    LogCorrection,
    MissedDuty,
    PatrolLog,
)


@admin.register(Checklist)
class ChecklistAdmin(AuditedAdmin):
    form = ChecklistForm
    list_display = ["name", "category", "jurisdiction", "active"]
    list_filter = ["category", "active"]
    search_fields = ["name"]
    raw_id_fields = ["jurisdiction"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        actor = request.user

        class ActorForm(form_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                kw.setdefault("actor", actor)
                super().__init__(*args, **kw)

        return ActorForm


class ReadOnlyAdmin(AuditedAdmin):
    """Shown for reference only: no adding, changing or deleting in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttendanceInline(admin.TabularInline):
    from shouwang.patrols.models import LogAttendance

    model = LogAttendance
    extra = 0
    can_delete = False
    readonly_fields = ["member", "status", "rostered", "substitute_for", "note"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CorrectionInline(admin.TabularInline):
    model = LogCorrection
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "author", "text"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PatrolLog)
class PatrolLogAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "team", "duty", "status", "author", "started_at", "received_at"]
    list_filter = ["status", "method"]
    search_fields = ["place", "notes", "team__name"]
    date_hierarchy = "started_at"
    inlines = [AttendanceInline, CorrectionInline]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["log", "member", "kind", "phone_time", "received_at", "flag", "distance_m"]
    list_filter = ["kind", "flag"]


@admin.register(FieldPhoto)
class FieldPhotoAdmin(ReadOnlyAdmin):
    # Photos are personal data: the admin lists them but never links the file itself.
    list_display = ["uuid", "log", "caption", "size", "uploaded_by", "received_at"]
    exclude = ["image"]


@admin.register(MissedDuty)
class MissedDutyAdmin(ReadOnlyAdmin):
    list_display = ["duty", "reason", "opened_at", "closed_at", "closed_by"]
    list_filter = ["reason"]
