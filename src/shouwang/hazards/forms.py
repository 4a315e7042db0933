"""Forms of the hazard register (also the API's validation layer for the record pages)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from shouwang.core.geo import position_errors
from shouwang.core.records import RecordForm
from shouwang.hazards.models import Hazard, HazardCategoryPolicy


class HazardForm(RecordForm):
    """A hazard registered by hand on the office side (the finder is whoever saves it)."""

    class Meta:
        model = Hazard
        fields = [
            "category",
            "jurisdiction",
            "description",
            "place",
            "longitude",
            "latitude",
            "severity",
            "found_at",
            "about_person",
            "note",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # Most hazards are registered when they are found: now, to the minute.
            self.fields["found_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if "longitude" in self.errors or "latitude" in self.errors:
            return cleaned
        errors = position_errors(cleaned.get("latitude"), cleaned.get("longitude"))
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field, message)
        return cleaned


class HazardCategoryPolicyForm(RecordForm):
    """How a township handles one hazard category (default unit, time limit, public)."""

    class Meta:
        model = HazardCategoryPolicy
        fields = [
            "jurisdiction",
            "category",
            "default_unit",
            "time_limit_working_days",
            "warn_days_before",
            "public",
        ]
