"""Import pages of the calendar records (office roles): upload, all rows or none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shouwang.areas.models import Segment
from shouwang.calendars import services
from shouwang.calendars.models import TrainPassage, WeatherWarning
from shouwang.core.models import Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.scoping import can
from shouwang.core.tables import read_table


@dataclass(frozen=True)
class ImportKind:
    """One import: its title, columns, permission model, service and where to go after."""

    title: Any
    columns: str
    model: Any
    run: Callable[..., dict[str, int]]
    list_slug: str
    mark_complete: bool = False
    segment: bool = False


def _holiday_model() -> Any:
    from shouwang.rostering.models import HolidayArrangement

    return HolidayArrangement


KINDS: dict[str, Callable[[], ImportKind]] = {
    "holiday-arrangements": lambda: ImportKind(
        gettext_lazy("Import a holiday arrangement"),
        "date, kind (holiday/workday or 休/班), name",
        _holiday_model(),
        services.import_holiday_arrangements,
        "holiday-arrangements",
        mark_complete=True,
    ),
    "weather-warnings": lambda: ImportKind(
        gettext_lazy("Import weather warnings"),
        "kind, level, starts_at, ends_at, zones, issuer, note",
        WeatherWarning,
        services.import_weather_warnings,
        "weather-warnings",
    ),
    "train-passages": lambda: ImportKind(
        gettext_lazy("Import a train timetable"),
        "train, direction, time, chainage, days, valid_from, valid_to (segment)",
        TrainPassage,
        services.import_train_timetable,
        "train-passages",
        segment=True,
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload a CSV or Excel file of one kind; every row is checked, nothing is written on error."""
    if kind not in KINDS:
        raise Http404("unknown import")
    spec = KINDS[kind]()
    if not can(request.user, spec.model, "add"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise RecordInvalid({"file": [_("Choose a file to upload.")]})
            extra: dict[str, Any] = {}
            if spec.mark_complete:
                extra["mark_complete"] = request.POST.get("mark_complete") == "on"
            if spec.segment:
                extra["segment"] = request.POST.get("segment") or None
            result = spec.run(
                actor=request.user,
                jurisdiction=request.POST.get("jurisdiction") or "",
                rows=read_table(upload, upload.name or ""),
                **extra,
            )
        except RecordInvalid as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("Imported %(created)s, already present %(skipped)s.") % result
            )
            return redirect("record-list", key=spec.list_slug)
    return render(
        request,
        "calendars/import.html",
        {
            "spec": spec,
            "kind": kind,
            "errors": errors,
            "jurisdictions": Jurisdiction.objects.visible_to(request.user, "view").filter(
                level__in=("county", "township")
            ),
            "segments": Segment.objects.visible_to(request.user, "view") if spec.segment else [],
        },
    )


@login_required
def import_index(request: HttpRequest) -> HttpResponse:
    """The calendar imports the user may run."""
    kinds = [(key, make()) for key, make in KINDS.items()]
    allowed = [(key, spec) for key, spec in kinds if can(request.user, spec.model, "add")]
    return render(request, "calendars/import_index.html", {"kinds": allowed})
