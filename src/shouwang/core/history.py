"""Audit events as people read them: labelled keys and readable values instead of the stored
payload (field names, choice codes, ids, ISO timestamps).

`history_rows` is the one place that turns events into display rows; every page showing a
record's history (or recent changes) goes through it. Keys are labelled from the record's
model first (field verbose names), then from a small table of keys that services add to
payloads, then from the models next to the record (the dispute's sessions, the roster's
duties and their assignments), where a payload key usually comes from. Anything unknown is
shown as stored: old events must never break a page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from shouwang.core.audit import label_for
from shouwang.core.models import AuditEvent
from shouwang.core.serialize import display_name

EMPTY = "—"

# Keys services put into payloads that are no field of the record (nor of a neighbour).
KEY_LABELS: dict[str, Any] = {
    "round": gettext_lazy("round"),
    "approved": gettext_lazy("approved"),
    "file": gettext_lazy("file"),
    "size": gettext_lazy("size (bytes)"),
    "content_type": gettext_lazy("file type"),
    "sha256": gettext_lazy("checksum"),
    "scores": gettext_lazy("scores"),
    "removed": gettext_lazy("removed"),
    "added": gettext_lazy("added"),
    "period": pgettext_lazy("history", "period"),
    "week": gettext_lazy("week"),
    "villages": pgettext_lazy("history", "villages"),
    "checklists": gettext_lazy("checklists"),
    "points": gettext_lazy("number of points"),
}

# Never shown: internal columns.
HIDDEN = {"id", "path"}

# How far to look for a key among the record's neighbours (child records, then parents).
_DEPTH = 2
# Related objects looked up per model at most (one query per model, never one per entry).
_MAX_IDS = 500

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass
class _Key:
    """How one payload key of one model reads: its label, the related model its values are
    ids of (if any), its choice labels and the field that decides date / number display."""

    label: Any
    related: type[models.Model] | None = None
    choices: dict[str, Any] = field(default_factory=dict)
    field: Any = None


@cache
def _children(model: type[models.Model]) -> list[type[models.Model]]:
    """Models that point at `model` (its sessions, duties, extensions...)."""
    return [
        f.related_model
        for f in model._meta.get_fields()
        if f.auto_created and not f.concrete and (f.one_to_many or f.one_to_one)
        if f.related_model is not None and f.related_model is not model
    ]


def _parents(model: type[models.Model]) -> list[type[models.Model]]:
    return [
        f.related_model
        for f in model._meta.get_fields()
        if f.concrete and f.many_to_one and f.related_model not in (None, model)
    ]


@cache
def _neighbours(model: type[models.Model]) -> tuple[type[models.Model], ...]:
    """Children first (payload keys come from records made on the record), breadth first,
    then the direct parents."""
    seen: list[type[models.Model]] = [model]
    layer = [model]
    for _depth in range(_DEPTH):
        layer = [c for m in layer for c in _children(m) if c not in seen]
        layer = list(dict.fromkeys(layer))
        seen.extend(layer)
    seen.extend(p for p in _parents(model) if p not in seen)
    return tuple(seen[1:])


def _field(model: type[models.Model], name: str) -> Any:
    try:
        found: Any = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not found.concrete and not found.many_to_many:
        return None  # a reverse relation is no stored value
    return found


def _form_choices(model: type[models.Model], name: str) -> dict[str, Any]:
    """Choices the record type's form offers for a plain field (a code from a fixed list kept
    in code, like assessment measures). Model choices are not queried here."""
    from shouwang.core import registry

    rt = registry.for_model(model)
    form_field = rt.form.base_fields.get(name) if rt is not None else None
    if not isinstance(form_field, forms.ChoiceField) or isinstance(
        form_field, forms.ModelChoiceField
    ):
        return {}
    return _flat_choices(form_field.choices)


def _flat_choices(choices: Any) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, label in choices or ():
        if isinstance(label, list | tuple):  # option groups
            flat.update(_flat_choices(label))
        else:
            flat.setdefault(str(key), label)
    return flat


def _choices_of(found: Any, model: type[models.Model]) -> dict[str, Any]:
    if found is None or found.is_relation:
        return {}
    return _flat_choices(getattr(found, "choices", None)) or _form_choices(model, found.name)


def _extra_label(model: type[models.Model], name: str) -> Any:
    from shouwang.core import registry

    rt = registry.for_model(model)
    return rt.extra_labels.get(name) if rt is not None else None


def _resolve(model: type[models.Model] | None, name: str) -> _Key:
    if model is None:
        return _Key(label=KEY_LABELS.get(name, name))
    own = _field(model, name)
    neighbours = _neighbours(model)
    if own is not None:
        key = _Key(label=own.verbose_name, field=own, choices=_choices_of(own, model))
        if own.is_relation:
            key.related = own.related_model
        elif key.choices:
            # A code missing from the record's own (narrower) list may be a code of the same
            # key next door: a mediation session's outcome recorded on its dispute.
            for other in neighbours:
                for code, label in _choices_of(_field(other, name), other).items():
                    key.choices.setdefault(code, label)
        return key
    label = KEY_LABELS.get(name) or _extra_label(model, name)
    compact = name.replace("_", "").lower()
    for other in neighbours:
        if other._meta.model_name == compact:
            # The id of a record made alongside ("duty", "follow_up").
            return _Key(label=label or other._meta.verbose_name, related=other)
    key = _Key(label=label or name)
    for other in neighbours:
        candidate = _field(other, name)
        if candidate is None:
            continue
        if key.field is None:
            key.field = candidate
            key.label = label or candidate.verbose_name
            if candidate.is_relation:
                key.related = candidate.related_model
        # The same key on several neighbours: any of their lists may hold the code.
        for code, choice in _choices_of(candidate, other).items():
            key.choices.setdefault(code, choice)
    if key.field is None and len(compact) >= 4:
        for other in neighbours:
            if (other._meta.model_name or "").endswith(compact):
                # "session" → mediation session, "extension" → hazard extension.
                return _Key(label=label or other._meta.verbose_name, related=other)
    return key


def _model_of(label_lower: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label_lower)
    except (LookupError, ValueError):
        return None


def _changes(event: AuditEvent) -> list[tuple[str, Any, Any]]:
    """What the event changed. A payload whose `after` holds only a few keys (a session
    recorded on a dispute, with the full record before) changed those keys only."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(after) if before and after else [*before, *(k for k in after if k not in before)]
    rows = []
    for name in keys:
        if name in HIDDEN or before.get(name) == after.get(name):
            continue
        rows.append((name, before.get(name), after.get(name)))
    return rows


def _ids(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, int | str) and not isinstance(v, bool)]


def _pk(model: type[models.Model], value: Any) -> Any:
    try:
        return model._meta.pk.to_python(value)  # type: ignore[union-attr]
    except (ValidationError, TypeError, ValueError):
        return None


def _names(wanted: dict[type[models.Model], set[Any]]) -> dict[tuple[Any, Any], str]:
    """One query per related model: pk → display name."""
    names: dict[tuple[Any, Any], str] = {}
    for model, raw in wanted.items():
        pks = {p for p in (_pk(model, v) for v in raw) if p is not None}
        if not pks:
            continue
        # str() of a record often reads its parents (a duty shows its post): fetch them along.
        parents = [f.name for f in model._meta.concrete_fields if f.many_to_one]
        rows = model._default_manager.filter(pk__in=sorted(pks, key=str)[:_MAX_IDS])
        for obj in rows.select_related(*parents):
            names[(model, str(obj.pk))] = display_name(obj)
    return names


def _datetime_text(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment:%Y-%m-%d %H:%M}"


def _show(value: Any, key: _Key, names: dict[tuple[Any, Any], str]) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "、".join(_show(v, key, names) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_show(v, _Key(label=k), names)}" for k, v in value.items())
    if key.related is not None:
        pk = _pk(key.related, value)
        name = names.get((key.related, str(pk))) if pk is not None else None
        return name if name is not None else f"#{value}"
    if str(value) in key.choices:
        return str(key.choices[str(value)])
    if isinstance(value, str) and (
        isinstance(key.field, models.DateTimeField) or _DATETIME.match(value)
    ):
        return _datetime_text(value)
    if isinstance(key.field, models.DecimalField) and isinstance(value, str | int | float):
        try:
            return f"{Decimal(str(value)).normalize():f}"
        except InvalidOperation:
            return str(value)
    return str(value)


def _display(
    rows: list[tuple[_Key, Any, Any]], names: dict[tuple[Any, Any], str]
) -> list[tuple[str, str, str]]:
    shown = []
    for spec, before, after in rows:
        old, new = _show(before, spec, names), _show(after, spec, names)
        if old != new:  # "" and None, "10.00" and "10" read the same: no change to people
            shown.append((str(spec.label), old, new))
    return shown


def history_rows(events: Any, model: type[models.Model] | None = None) -> list[dict[str, Any]]:
    """Events as {"event", "label", "changes": [(label, before, after)]}.

    `model` is the record's model when every event is about one record (a detail page);
    otherwise each event's own record type is used. Related names are fetched once per
    related model, so the queries do not grow with the events.
    """
    events = list(events)
    keys: dict[tuple[Any, str], _Key] = {}
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    prepared = []
    for event in events:
        event_model = model or _model_of(event.target_type)
        rows = []
        for name, before, after in _changes(event):
            spec = keys.get((event_model, name))
            if spec is None:
                try:
                    spec = _resolve(event_model, name)
                except Exception:  # a model that changed shape since: show the key as stored
                    spec = _Key(label=name)
                keys[(event_model, name)] = spec
            if spec.related is not None:
                for value in (before, after):
                    wanted[spec.related].update(_ids(value))
            rows.append((spec, before, after))
        prepared.append((event, rows))
    names = _names(wanted)
    out = []
    for event, rows in prepared:
        out.append(
            {
                "event": event,
                "label": label_for(event.code),
                "changes": _display(rows, names),
            }
        )
    return out
