"""Forms of the calendar records (also the API's validation layer)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shouwang.areas.forms import ChainageField
from shouwang.calendars.models import (
    HolidayYear,
    KeyPeriod,
    SchoolCalendar,
    TrainPassage,
    WeatherWarning,
)
from shouwang.core.records import RecordForm


class _ZonesForm(RecordForm):
    """Zones must lie in the record's jurisdiction (checked here: a many-to-many field is not
    saved yet when the model's clean() runs)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        jurisdiction = cleaned.get("jurisdiction")
        zones = cleaned.get("zones") or []
        if jurisdiction is not None:
            own = jurisdiction.path
            foreign = [
                z.name
                for z in zones
                if not (z.jurisdiction.path.startswith(own) or own.startswith(z.jurisdiction.path))
            ]
            if foreign:
                self.add_error(
                    "zones",
                    _("These zones belong to another jurisdiction: %(z)s.")
                    % {"z": "、".join(foreign)},
                )
        return cleaned


class KeyPeriodForm(_ZonesForm):
    class Meta:
        model = KeyPeriod
        fields = [
            "name",
            "jurisdiction",
            "start_date",
            "end_date",
            "daily_start",
            "daily_end",
            "zones",
            "level",
            "note",
        ]


class WeatherWarningForm(_ZonesForm):
    class Meta:
        model = WeatherWarning
        fields = [
            "kind",
            "level",
            "starts_at",
            "ends_at",
            "zones",
            "issuer",
            "jurisdiction",
            "note",
        ]


class SchoolCalendarForm(RecordForm):
    class Meta:
        model = SchoolCalendar
        fields = [
            "school",
            "jurisdiction",
            "terms",
            "vacations",
            "summer_from",
            "summer_timetable",
            "winter_from",
            "winter_timetable",
            "overrides",
            "note",
        ]

    DEFAULTS: dict[str, Any] = {
        "vacations": [],
        "summer_timetable": {},
        "winter_timetable": {},
        "overrides": {},
        "summer_from": "05-01",
        "winter_from": "10-01",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.DEFAULTS:
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, default in self.DEFAULTS.items():
            if name in cleaned and cleaned[name] in (None, ""):
                cleaned[name] = default
        return cleaned


class TrainPassageForm(RecordForm):
    chainage_m = ChainageField(label=_("kilometre post"), help_text=_("e.g. K301+200"))

    class Meta:
        model = TrainPassage
        fields = [
            "segment",
            "chainage_m",
            "train_no",
            "direction",
            "passes_at",
            "days",
            "valid_from",
            "valid_to",
            "jurisdiction",
            "note",
        ]


class HolidayYearForm(RecordForm):
    class Meta:
        model = HolidayYear
        fields = ["jurisdiction", "year", "complete", "note"]
