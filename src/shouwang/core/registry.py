"""The record-type registry: one declaration per record type drives its pages, API and exports.

Like NetBox, every record type has the same parts; unlike a framework, the parts are plain
functions here and in `views.py`/`api.py`, and business writes still go through the app's
services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shouwang.core.audit import register_record_actions
from shouwang.core.periods import day_bounds

#: Query parameters of a list's date range (whole local days, both included).
DATE_FROM = "date_from"
DATE_TO = "date_to"


@dataclass(frozen=True)
class DateRange:
    """A list's date filter (?date_from=&date_to=, whole local days, both included) on the
    record's date — or, with `end`, on its span: the records whose [field, end] overlaps the
    chosen days (an absence, a warning, a special operation); an empty end is open."""

    field: str
    end: str | None = None

    def _bound(self, model: Any, name: str, day: dt.date, upper: bool) -> tuple[str, Any]:
        """Lookup and value for `name` ≥ start of `day` (or ≤ end of `day` with `upper`)."""
        if isinstance(model._meta.get_field(name), models.DateTimeField):
            lo, hi = day_bounds(day, day)
            return (f"{name}__lt", hi) if upper else (f"{name}__gte", lo)
        return (f"{name}__lte", day) if upper else (f"{name}__gte", day)

    def condition(self, model: Any, start: dt.date | None, end: dt.date | None) -> Q:
        q = Q()
        if start is not None:
            lookup, value = self._bound(model, self.end or self.field, start, upper=False)
            bound = Q(**{lookup: value})
            if self.end:
                bound |= Q(**{f"{self.end}__isnull": True})
            q &= bound
        if end is not None:
            lookup, value = self._bound(model, self.field, end, upper=True)
            q &= Q(**{lookup: value})
        return q


def date_range_of(
    params: Mapping[str, Any],
) -> tuple[dt.date | None, dt.date | None, dict[str, list[str]]]:
    """The (from, to) days of a list's date range and the errors of what was not a date."""
    days: dict[str, dt.date | None] = {}
    errors: dict[str, list[str]] = {}
    for name in (DATE_FROM, DATE_TO):
        raw = str(params.get(name) or "").strip()
        days[name] = None
        if raw:
            try:
                days[name] = dt.date.fromisoformat(raw)
            except ValueError:
                errors[name] = [_("Not a date (YYYY-MM-DD): %(v)s.") % {"v": raw}]
    start, end = days[DATE_FROM], days[DATE_TO]
    if start is not None and end is not None and end < start:
        errors[DATE_TO] = [_("The end date must not be before the start date.")]
    return start, end, errors


@dataclass(frozen=True)
class ComputedFilter:
    """A list filter that is no model field (e.g. "overdue": a deadline passed and the case
    not finished): its label, the values offered, and how a chosen value narrows the list."""

    label: Any
    apply: Callable[[QuerySet[Any], str], QuerySet[Any]]
    #: (value, label) offered on the list page; the default offers "yes" only.
    options: tuple[tuple[str, Any], ...] = ()


def flag_filter(label: Any, narrow: Callable[[QuerySet[Any]], QuerySet[Any]]) -> ComputedFilter:
    """A yes-only computed filter: `?name=1` applies `narrow`, e.g. `lambda qs: qs.overdue()`."""

    def apply(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return narrow(qs) if value.lower() in ("1", "true", "yes", "on") else qs

    return ComputedFilter(label=label, apply=apply)


@dataclass(frozen=True)
class ListLink:
    """A button on a record type's list page that another app contributes (e.g. Excel import)."""

    label: Any
    #: A path, or a lazy one (reverse_lazy: the URL map is not loaded when apps register).
    url: Any
    #: The action on the record type a user needs to see the button.
    needs: str = "view"
    #: Pass the list's current filters on (an export of what the list shows).
    keep_filters: bool = False


@dataclass
class RecordType:
    """How one model is listed, filtered, searched, shown and written."""

    model: type[models.Model]
    form: type[Any]
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., None]
    slug: str
    columns: list[str]
    filters: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    detail_fields: list[str] | None = None
    select_related: list[str] = field(default_factory=list)
    prefetch: list[str] = field(default_factory=list)
    section: str = "records"
    on_map: bool = False
    # Labels of computed (non-field) attributes shown on pages.
    extra_labels: dict[str, Any] = field(default_factory=dict)
    # Template fragment rendered below the fields on the detail page (optional).
    detail_extra: str | None = None
    # Buttons other apps add to the list page (ListLink).
    list_links: list[ListLink] = field(default_factory=list)
    # Filters that are no model field, by query parameter name (pages, API and exports).
    computed_filters: dict[str, ComputedFilter] = field(default_factory=dict)
    # The date the list can be narrowed by (?date_from=&date_to=), if any.
    dated: DateRange | None = None

    @property
    def key(self) -> str:
        return self.model._meta.model_name or ""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def verbose_name(self) -> Any:
        return self.model._meta.verbose_name

    @property
    def verbose_name_plural(self) -> Any:
        return self.model._meta.verbose_name_plural

    def field_names(self) -> list[str]:
        return list(self.detail_fields or self.form.base_fields)

    def base_queryset(self, user: Any, action: str = "view") -> QuerySet[Any]:
        qs = self.model.objects.visible_to(user, action)  # type: ignore[attr-defined]
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return qs  # type: ignore[no-any-return]

    def filter_queryset(self, qs: QuerySet[Any], params: Mapping[str, Any]) -> QuerySet[Any]:
        """Apply the declared filters and free-text search; shared by pages, API and exports."""
        for name in self.filters:
            value = params.get(name)
            if value in (None, "", []):
                continue
            model_field: Any = self.model._meta.get_field(name)
            if name == "jurisdiction" or (
                model_field.is_relation
                and getattr(model_field, "related_model", None) is not None
                and model_field.related_model._meta.label_lower == "core.jurisdiction"
            ):
                # A jurisdiction filter includes the whole subtree below it.
                from shouwang.core.models import Jurisdiction

                node = Jurisdiction.objects.filter(pk=_int(value)).first()
                if node is None:
                    return qs.none()
                qs = qs.filter(**{f"{name}__path__startswith": node.path})
            elif isinstance(model_field, models.BooleanField):
                qs = qs.filter(**{name: str(value).lower() in ("1", "true", "yes", "on")})
            elif model_field.is_relation:
                qs = qs.filter(**{name: _int(value)})
            else:
                qs = qs.filter(**{name: value})
        for name, computed in self.computed_filters.items():
            value = params.get(name)
            if value not in (None, "", []):
                qs = computed.apply(qs, str(value))
        if self.dated is not None:
            # A bound that is not a date is left out here; pages and the API report it
            # (filter_errors) before listing.
            start, end, _errors = date_range_of(params)
            qs = qs.filter(self.dated.condition(self.model, start, end))
        query = str(params.get("q") or "").strip()
        if query and self.search:
            condition = Q()
            for name in self.search:
                condition |= Q(**{f"{name}__icontains": query})
            qs = qs.filter(condition)
        if any(getattr(f, "many_to_many", False) for f in self._filter_fields()):
            qs = qs.distinct()
        return qs

    def filter_errors(self, params: Mapping[str, Any]) -> dict[str, list[str]]:
        """What in the list's filters cannot be applied (a date range that is not dates)."""
        if self.dated is None:
            return {}
        return date_range_of(params)[2]

    def _filter_fields(self) -> list[Any]:
        return [self.model._meta.get_field(n) for n in self.filters]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


REGISTRY: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    REGISTRY[record_type.key] = record_type
    register_record_actions(record_type.model)
    return record_type


def get(key: str) -> RecordType:
    """Look a record type up by model name ("member") or URL slug ("members")."""
    if key in REGISTRY:
        return REGISTRY[key]
    for record_type in REGISTRY.values():
        if record_type.slug == key:
            return record_type
    raise KeyError(key)


def for_model(model: type[models.Model]) -> RecordType | None:
    for record_type in REGISTRY.values():
        if record_type.model is model:
            return record_type
    return None
