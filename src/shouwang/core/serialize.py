"""Turn records into plain dicts for the API, exports and the detail page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone

from shouwang.core.registry import RecordType


def display_name(record: Any) -> str:
    """How a related record reads to people: a login by its person's name (the login name only
    when no name is set), anything else as its str()."""
    if isinstance(record, AbstractBaseUser):
        return str(record.get_full_name() or record.get_username())  # type: ignore[attr-defined]
    return str(record)


def _value(instance: models.Model, name: str) -> tuple[Any, str | None]:
    """(machine value, display label or None) of one declared field."""
    try:
        field: Any = instance._meta.get_field(name)
    except Exception:
        value = getattr(instance, name)
        return (value() if callable(value) else value), None
    if field.many_to_many:
        related = list(getattr(instance, name).all())
        return [r.pk for r in related], "、".join(display_name(r) for r in related)
    if field.is_relation:
        related = getattr(instance, name)
        return (related.pk if related else None), (display_name(related) if related else None)
    value = getattr(instance, field.attname)
    if getattr(field, "choices", None):
        return value, str(getattr(instance, f"get_{name}_display")())
    if isinstance(value, dt.datetime):
        # Stored in UTC; people read it in Asia/Shanghai, to the minute.
        shown = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.isoformat(), f"{shown:%Y-%m-%d %H:%M}"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(), None
    return value, None


def to_dict(record_type: RecordType, instance: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {"id": instance.pk}
    labels: dict[str, str] = {}
    for name in record_type.field_names():
        value, label = _value(instance, name)
        data[name] = value
        if label is not None:
            labels[name] = label
    data["display"] = str(instance)
    data["labels"] = labels
    return data
