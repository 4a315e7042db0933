"""Forms of zones, key places, segments, routes and posts (also the API's validation layer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shouwang.areas.models import KeyPlace, Post, Route, Segment, Zone
from shouwang.core import validators
from shouwang.core.records import RecordForm


class ZoneForm(RecordForm):
    class Meta:
        model = Zone
        fields = [
            "name",
            "kind",
            "jurisdiction",
            "villages",
            "frequency_count",
            "frequency_period",
            "geometry",
            "note",
        ]


class KeyPlaceForm(RecordForm):
    class Meta:
        model = KeyPlace
        fields = [
            "name",
            "kind",
            "jurisdiction",
            "zone",
            "organisation",
            "address",
            "longitude",
            "latitude",
            "is_checkpoint",
            "note",
        ]


class ChainageField(forms.CharField):
    """Accepts the railway's own notation (K261+160) or plain metres."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        value = super().to_python(value)
        if value in (None, ""):
            return None
        if str(value).isdigit():
            return int(value)
        return validators.parse_chainage(str(value))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return validators.format_chainage(value)
        return value


class SegmentForm(RecordForm):
    start_m = ChainageField(label=_("start kilometre post"), help_text=_("e.g. K261+160"))
    end_m = ChainageField(label=_("end kilometre post"), help_text=_("e.g. K348+600"))

    class Meta:
        model = Segment
        fields = [
            "name",
            "line_kind",
            "line_name",
            "jurisdiction",
            "start_m",
            "end_m",
            "section_chief",
            "rail_section_chief",
            "patrol_method",
            "geometry",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_m"), cleaned.get("end_m")
        if start is not None and end is not None:
            try:
                validators.validate_chainage_range(start, end)
            except ValidationError as exc:
                self.add_error("end_m", exc)
        return cleaned


class RouteForm(RecordForm):
    class Meta:
        model = Route
        fields = ["name", "jurisdiction", "zone", "patrol_method", "geometry", "note"]


class PostForm(RecordForm):
    class Meta:
        model = Post
        fields = [
            "name",
            "kind",
            "jurisdiction",
            "team",
            "zone",
            "key_place",
            "route",
            "segment",
            "start_time",
            "duration_minutes",
            "lead_minutes",
            "note",
        ]
