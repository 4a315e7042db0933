"""Forms of the hazard register (also the API's validation layer for the record pages)."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from shouwang.core.records import RecordForm
from shouwang.hazards.models import Hazard

#: WGS-84 bounds of China, the same box the area records use to catch swapped coordinates.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


def coordinate_errors(longitude: Any, latitude: Any) -> dict[str, list[str]]:
    """Field-named errors for a WGS-84 position: both or neither, finite, in range, in China.

    Values must already be floats (or None); strings are the caller's business.
    """
    if longitude is None and latitude is None:
        return {}
    if longitude is None or latitude is None:
        field = "latitude" if latitude is None else "longitude"
        return {field: [_("Give both longitude and latitude, or neither.")]}
    errors: dict[str, list[str]] = {}
    if not math.isfinite(longitude) or not -180.0 <= longitude <= 180.0:
        errors["longitude"] = [_("The longitude must be a number from -180 to 180.")]
    if not math.isfinite(latitude) or not -90.0 <= latitude <= 90.0:
        errors["latitude"] = [_("The latitude must be a number from -90 to 90.")]
    if errors:
        return errors
    if not (CHINA_LON[0] <= longitude <= CHINA_LON[1] and CHINA_LAT[0] <= latitude <= CHINA_LAT[1]):
        errors["longitude"] = [
            _(
                "Longitude %(lon)s, latitude %(lat)s lies outside China. "
                "Are longitude and latitude swapped?"
            )
            % {"lon": longitude, "lat": latitude}
        ]
    return errors


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
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if "longitude" in self.errors or "latitude" in self.errors:
            return cleaned
        errors = coordinate_errors(cleaned.get("longitude"), cleaned.get("latitude"))
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field, message)
        return cleaned
