"""One workflow step posted from a page: run the service, show its refusal or its success as
messages. The caller fetches the record in scope first and redirects afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shouwang.core.records import RecordInvalid


def show_errors(
    request: HttpRequest,
    exc: RecordInvalid,
    field_label: Callable[[str], str] | None = None,
    separator: str = "：",
) -> None:
    """Each error as a message, after its field's label when `field_label` gives one."""
    for name, errors in exc.errors.items():
        label = field_label(name) if field_label is not None else ""
        for error in errors:
            messages.error(request, f"{label}{separator}{error}" if label else error)


def run_step(
    request: HttpRequest,
    action: Callable[[], object],
    *,
    field_label: Callable[[str], str] | None = None,
    separator: str = "：",
    success: str | None = None,
    refuse_as_message: bool = True,
) -> bool:
    """Run `action`; RecordInvalid becomes field-labelled error messages, PermissionDenied
    "You may not do this." (or, without `refuse_as_message`, is raised on: a 403), else
    `success` ("Saved." by default). Whether the step went through."""
    try:
        action()
    except RecordInvalid as exc:
        show_errors(request, exc, field_label, separator)
        return False
    except PermissionDenied:
        if not refuse_as_message:
            raise
        messages.error(request, _("You may not do this."))
        return False
    messages.success(request, success if success is not None else _("Saved."))
    return True


def posted_pk(value: str) -> int:
    """A primary key posted by a step's form; 0 (matching nothing) when it is not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def posted_date(value: str, name: str) -> dt.date | None:
    """A date posted by a step's form (ISO); None when empty; refused on `name` when invalid."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RecordInvalid({name: [_("Enter a valid date.")]}) from None
