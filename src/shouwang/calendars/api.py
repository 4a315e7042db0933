"""API of the calendar imports (/api/v1/calendars/…); the records' CRUD comes from the registry.

Thin handlers: read the upload, call the import service. All rows or none; a bad row answers
422 with one error per row ("row N": "column X: reason").
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, UploadedFile

from shouwang.calendars import services
from shouwang.core.api import ErrorOut
from shouwang.core.tables import read_table

router = Router(tags=["calendars"])

ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ImportOut(Schema):
    created: int
    skipped: int


@router.post("/import/holiday-arrangements", response={200: ImportOut, **ERRORS})
def import_holiday_arrangements(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    jurisdiction: int = Form(...),
    mark_complete: bool = Form(False),
) -> Any:
    """Import a holiday arrangement (date, kind, name); optionally mark its years complete."""
    return services.import_holiday_arrangements(
        actor=request.user,
        jurisdiction=jurisdiction,
        rows=read_table(file, file.name or ""),
        mark_complete=mark_complete,
    )


@router.post("/import/weather-warnings", response={200: ImportOut, **ERRORS})
def import_weather_warnings(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    jurisdiction: int = Form(...),
) -> Any:
    """Import weather warnings (kind, level, starts_at, ends_at, zones, issuer, note)."""
    return services.import_weather_warnings(
        actor=request.user, jurisdiction=jurisdiction, rows=read_table(file, file.name or "")
    )


@router.post("/import/train-passages", response={200: ImportOut, **ERRORS})
def import_train_passages(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    jurisdiction: int = Form(...),
    segment: int | None = Form(None),
) -> Any:
    """Import a train timetable (train, direction, time, chainage, days, valid_from, valid_to)."""
    return services.import_train_timetable(
        actor=request.user,
        jurisdiction=jurisdiction,
        rows=read_table(file, file.name or ""),
        segment=segment,
    )
