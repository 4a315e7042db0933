"""The shared write path used by every app's services: validate, save, re-check scope, audit.

App services stay explicit one-line functions (`create_team`, `update_member`, …) that call
these helpers, so each business action is still one function with one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from shouwang.core.audit import record_event, snapshot
from shouwang.core.scoping import can, get_for, in_scope

M = TypeVar("M", bound=models.Model)
NON_FIELD = "__all__"


class RecordInvalid(Exception):
    """Input was refused: field name → list of messages (in the user's language)."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__(dict(errors))
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in errors.items()}

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> RecordInvalid:
        if hasattr(exc, "error_dict"):
            return cls({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
        return cls({NON_FIELD: [str(m) for m in exc.messages]})


def _use_date_picker(field: forms.Field) -> None:
    """Dates and times are picked, not typed: the browser's date / date-time inputs (a field
    that already chose its widget keeps it)."""
    widget = field.widget
    if type(widget) is forms.DateTimeInput and isinstance(field, forms.DateTimeField):
        field.widget = forms.DateTimeInput(
            attrs={**widget.attrs, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        )
    elif type(widget) is forms.DateInput and "type" not in widget.attrs:
        field.widget = forms.DateInput(attrs={**widget.attrs, "type": "date"}, format="%Y-%m-%d")


class RecordForm(forms.ModelForm):
    """Base form: choices of related scoped records are narrowed to the actor's scope."""

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        for field in self.fields.values():
            _use_date_picker(field)
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "visible_to"):
                field.queryset = queryset.visible_to(actor, "view")  # type: ignore[attr-defined]
            if queryset is not None and queryset.model._meta.label_lower == "core.codeitem":
                current = getattr(self.instance, "pk", None)
                if current is None:
                    field.queryset = queryset.filter(active=True)  # type: ignore[attr-defined]


def _form_errors(form: forms.BaseForm) -> RecordInvalid:
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    # A clash with a unique constraint over several fields (e.g. jurisdiction + name) is reported
    # by Django as a form-wide error; name the field the user would change instead.
    model = getattr(getattr(form, "_meta", None), "model", None)
    for constraint in getattr(getattr(model, "_meta", None), "constraints", []):
        message = str(getattr(constraint, "violation_error_message", "") or "")
        fields = list(getattr(constraint, "fields", []) or [])
        if message and fields and message in errors.get(NON_FIELD, []):
            target = next((f for f in reversed(fields) if f in form.fields), None)
            if target is not None:
                errors[NON_FIELD].remove(message)
                errors.setdefault(target, []).append(message)
    if NON_FIELD in errors and not errors[NON_FIELD]:
        del errors[NON_FIELD]
    return RecordInvalid(errors)


def current_data(instance: models.Model, form_class: type[forms.ModelForm]) -> dict[str, Any]:
    """The record's present values in form-data shape, so partial updates keep the rest."""
    fields = list(form_class.base_fields)
    data = model_to_dict(instance, fields=fields)
    for name, value in list(data.items()):
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, models.Model):
            data[name] = value.pk
    for name in fields:
        if name not in data and hasattr(instance, name):
            data[name] = getattr(instance, name)
        # Choice fields keyed by another column (role by key, user by username).
        to_field = getattr(form_class.base_fields[name], "to_field_name", None)
        related = getattr(instance, name, None) if data.get(name) is not None else None
        if to_field and isinstance(related, models.Model):
            data[name] = getattr(related, to_field)
    return data


def _verb_code(model: type[models.Model], verb: str) -> str:
    return f"{model._meta.label_lower}.{verb}"


def create_record(
    form_class: type[RecordForm],
    *,
    actor: Any,
    data: Mapping[str, Any],
    files: Mapping[str, Any] | None = None,
    before_save: Callable[[Any, Any], None] | None = None,
) -> Any:
    """Validate `data` with the record's form, save, check scope, write the audit event."""
    model = form_class._meta.model
    if not can(actor, model, "add"):
        raise PermissionDenied
    with transaction.atomic():
        form = form_class(data=data, files=files, actor=actor)
        if not form.is_valid():
            raise _form_errors(form)
        instance = form.save(commit=False)
        if before_save is not None:
            before_save(instance, form)
        _full_clean(instance)
        instance.save()
        form.save_m2m()
        if hasattr(instance, "after_save"):
            instance.after_save()
        # The record must lie inside the actor's scope after the write (rule 3).
        if not in_scope(instance, actor, "add"):
            transaction.set_rollback(True)
            raise RecordInvalid(
                {NON_FIELD: [_("You may not create records outside your jurisdiction.")]}
            )
        record_event(
            _verb_code(model, "created"), actor=actor, target=instance, after=snapshot(instance)
        )
        return instance


def update_record(
    form_class: type[RecordForm],
    instance: M,
    *,
    actor: Any,
    data: Mapping[str, Any],
    files: Mapping[str, Any] | None = None,
    partial: bool = True,
    before_save: Callable[[Any, Any], None] | None = None,
) -> M:
    """Apply `data` (a partial update by default) to a record the actor may change."""
    model = type(instance)
    with transaction.atomic():
        # Lock and re-read inside the transaction; 404 alike for missing and forbidden.
        locked = get_for(model, actor, instance.pk, "change")
        locked = model.objects.select_for_update().get(pk=locked.pk)  # type: ignore[attr-defined]
        before = snapshot(locked)
        if hasattr(data, "getlist"):
            # A page form posts every field (an unticked box or emptied multi-select is just
            # absent), so it is never merged; dict.update() would also copy the QueryDict's
            # internal value lists.
            merged: Any = data
        else:
            merged = current_data(locked, form_class) if partial else {}
            merged.update(data)
        form = form_class(data=merged, files=files, instance=locked, actor=actor)
        if not form.is_valid():
            raise _form_errors(form)
        updated = form.save(commit=False)
        if before_save is not None:
            before_save(updated, form)
        _full_clean(updated)
        updated.save()
        form.save_m2m()
        if hasattr(updated, "after_save"):
            updated.after_save()
        if not in_scope(updated, actor, "change"):
            transaction.set_rollback(True)
            raise RecordInvalid(
                {NON_FIELD: [_("You may not move records outside your jurisdiction.")]}
            )
        after = snapshot(updated)
        if after != before:
            record_event(
                _verb_code(model, "changed"),
                actor=actor,
                target=updated,
                before=before,
                after=after,
            )
        return updated  # type: ignore[no-any-return]


def delete_record(instance: models.Model, *, actor: Any, reason: str = "") -> None:
    """Delete a record the actor may delete; refuse clearly if other records still use it."""
    model = type(instance)
    with transaction.atomic():
        locked = get_for(model, actor, instance.pk, "delete")
        before = snapshot(locked)
        record_event(
            _verb_code(model, "deleted"), actor=actor, target=locked, before=before, reason=reason
        )
        try:
            with transaction.atomic():
                locked.delete()
        except (ProtectedError, RestrictedError) as exc:
            used_by = sorted({str(o._meta.verbose_name) for o in exc.args[1]})
            raise RecordInvalid(
                {NON_FIELD: [_("Still in use by: %(used)s.") % {"used": "、".join(used_by)}]}
            ) from exc


def _full_clean(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise RecordInvalid.from_validation_error(exc) from exc
