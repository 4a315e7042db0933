"""Forms of the special-operation records (also the API's validation layer)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from shouwang.core.records import RecordForm
from shouwang.rostering.models import member_role_codes
from shouwang.specialops.models import (
    FIGURE_FIELDS,
    DailyFigure,
    OperationPost,
    SpecialOperation,
)


class SpecialOperationForm(RecordForm):
    """An operation's name, kind, jurisdiction, period, zones, level and summary (the status
    moves only through the workflow)."""

    class Meta:
        model = SpecialOperation
        fields = [
            "name",
            "kind",
            "jurisdiction",
            "start_date",
            "end_date",
            "zones",
            "level",
            "summary",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        place = cleaned.get("jurisdiction")
        zones = cleaned.get("zones") or []
        if place is not None:
            outside = [z.name for z in zones if not z.jurisdiction.path.startswith(place.path)]
            if outside:
                self.add_error(
                    "zones",
                    _("These zones lie outside %(place)s: %(zones)s.")
                    % {"place": place.name, "zones": "、".join(sorted(outside))},
                )
        return cleaned


class OperationPostForm(RecordForm):
    """An extra post of an operation, with its window, head count and role minimums."""

    class Meta:
        model = OperationPost
        fields = [
            "operation",
            "post",
            "start_time",
            "duration_minutes",
            "head_count",
            "role_minimums",
            "note",
        ]

    def clean_head_count(self) -> Any:
        value = self.cleaned_data.get("head_count")
        return 1 if value in (None, "") else value

    def clean_role_minimums(self) -> Any:
        value = self.cleaned_data.get("role_minimums")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in value.values()
        ):
            self.add_error(
                "role_minimums", _('Give an object of role code → count ≥ 1, e.g. {"x": 1}.')
            )
            return value
        unknown = sorted(str(code) for code in value if code not in member_role_codes())
        if unknown:
            self.add_error(
                "role_minimums",
                _("Unknown member role codes: %(codes)s.") % {"codes": ", ".join(unknown)},
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        minimums = cleaned.get("role_minimums") or {}
        head = cleaned.get("head_count") or 1
        if isinstance(minimums, dict) and any(
            isinstance(n, int) and n > head for n in minimums.values()
        ):
            self.add_error("role_minimums", _("A role minimum cannot exceed the head count."))
        return cleaned


class DailyFigureForm(RecordForm):
    """One township's figures of one day; entering the same day again replaces it."""

    class Meta:
        model = DailyFigure
        fields = [
            "operation",
            "date",
            "township",
            "person_turnouts",
            "vehicle_turnouts",
            "checks",
            "people_verified",
            "vehicles_checked",
            "items_seized",
            "incidents_handled",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in FIGURE_FIELDS:
            if name in cleaned and cleaned[name] in (None, ""):
                cleaned[name] = 0
        return cleaned


# Optional on pages and in the API (whose input schema reads the class's fields): an empty
# head count is 1, empty role minimums none, an empty figure 0.
for _name in ("head_count", "role_minimums"):
    OperationPostForm.base_fields[_name].required = False
for _name in FIGURE_FIELDS:
    DailyFigureForm.base_fields[_name].required = False
