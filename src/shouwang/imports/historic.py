"""The steps every ledger kind's service path for historic rows takes (hazards, disputes, people
of concern): the register's form validates the row as when the office registers a record by
hand, the record is checked and saved inside the actor's scope, and — for case types that keep
a history of transition rows — one transition from nothing to the recorded state and one audit
event record the import. The caller opens the transaction; a refusal raises `RecordInvalid`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from shouwang.core.audit import record_event, snapshot
from shouwang.core.models import CaseTransition
from shouwang.core.records import NON_FIELD, RecordInvalid


def import_reason(source: str, row: int) -> str:
    """The reason written on the transition row and the audit event of an imported row."""
    return _("Imported from %(source)s, row %(row)s.") % {"source": source, "row": row}


def form_values(values: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """Parsed ledger values as form data: an empty cell (None) is an empty form field."""
    return {name: "" if values.get(name) is None else values[name] for name in names}


def form_dates(values: Mapping[str, Any], *names: str) -> dict[str, str]:
    """Parsed ledger dates as form data (ISO text; an empty cell is an empty field)."""
    return {name: values[name].isoformat() if values.get(name) else "" for name in names}


def unsaved_from_form(
    form: forms.ModelForm[Any],
    *,
    field_of: Mapping[str, str] | None = None,
    message: Callable[[str], str] = str,
) -> Any:
    """The form's unsaved record, or `RecordInvalid` with the form's errors; `field_of` renames
    form fields to ledger fields, `message` may rewrite each message (e.g. mask numbers)."""
    if not form.is_valid():
        rename = field_of or {}
        raise RecordInvalid(
            {rename.get(k, k): [message(str(m)) for m in v] for k, v in form.errors.items()}
        )
    return form.save(commit=False)


def save_in_scope(
    record: models.Model,
    actor: Any,
    *,
    exclude: Iterable[str],
    after_save: Callable[[], None] | None = None,
) -> None:
    """Validate (the `exclude`d relations were checked by the form or the parsers already),
    save, and refuse the whole row when the saved record lies outside the actor's scope."""
    from shouwang.core.scoping import in_scope

    try:
        record.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise RecordInvalid.from_validation_error(exc) from exc
    record.save()
    if after_save is not None:
        after_save()
    if not in_scope(record, actor, "add"):
        transaction.set_rollback(True)
        raise RecordInvalid(
            {NON_FIELD: [_("You may not create records outside your jurisdiction.")]}
        )


def record_import(
    case: Any,
    *,
    history: type[CaseTransition],
    code: str,
    actor: Any,
    reason: str,
    after: dict[str, Any] | None = None,
) -> None:
    """One transition row from nothing to the recorded state and one audit event (`after`
    defaults to the case's snapshot)."""
    history.objects.create(
        **{history.case_field: case},
        from_status="",
        to_status=case.status,
        actor=actor,
        reason=reason,
    )
    record_event(
        code,
        actor=actor,
        target=case,
        after=snapshot(case) if after is None else after,
        reason=reason,
    )
