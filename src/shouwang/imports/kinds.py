"""Ledger kinds: how one paper-era ledger (台账) maps onto one record type.

A ledger kind is declared once, in the owning app's `ledger_io.py` (found by
`autodiscover_modules("ledger_io")` when the imports app is ready), and drives the upload,
the column mapping, the row validation, the duplicate check and the Excel export alike:

    register(LedgerKind(key="hazards", label=..., model=Hazard, fields=(LedgerField(...), ...),
                        natural_key=..., candidates=..., create=..., values_of=..., ...))

Each field declares its Chinese header aliases (the first one is the header our own export
writes, so an export always imports back), a parser that turns a cell into a value or raises
`CellInvalid` with a message in the user's language, and how to write the value to a cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core.models import CodeItem, Jurisdiction
from shouwang.core.scoping import is_explicit_only, record_type_key, user_grants


class CellInvalid(Exception):
    """A cell's value was refused; the message is shown with the row and the column."""


@dataclass
class ParseContext:
    """What parsers may need: who imports, the run's jurisdiction (the default place and the
    subtree names are looked up in) and a cache for lookups repeated on every row."""

    actor: Any
    jurisdiction: Jurisdiction
    model: type[models.Model]
    cache: dict[Any, Any] = field(default_factory=dict)


Parser = Callable[[Any, ParseContext], Any]


@dataclass(frozen=True)
class LedgerField:
    """One target field of a ledger kind."""

    name: str
    label: Any  # gettext_lazy
    aliases: tuple[str, ...]  # Chinese headers used by paper ledgers; the first is exported
    parse: Parser
    required: bool = False
    # Value (as `parse` returns it) → what the export writes in the cell.
    to_cell: Callable[[Any], Any] | None = None
    # Excel number format of the exported cell (dates).
    number_format: str = ""
    width: int = 14

    @property
    def header(self) -> str:
        return self.aliases[0]

    def cell(self, value: Any) -> Any:
        if value is None:
            return None
        if self.to_cell is not None:
            return self.to_cell(value)
        return value


@dataclass
class LedgerKind:
    """A ledger layout tied to a record type (see the module docstring and
    docs/ledger-import.md, "Adding a ledger kind")."""

    key: str  # URL part: /imports/<key>/…
    label: Any  # gettext_lazy, e.g. "Hazard register"
    model: type[models.Model]  # the user needs "add" on it to import, "view" to export
    fields: tuple[LedgerField, ...]
    # Parsed row values → the key that makes two rows (or a row and a record) the same.
    natural_key: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    # Parsed rows → the stored records that may share a natural key with them.
    candidates: Callable[[list[dict[str, Any]]], Iterable[Any]]
    # A stored record → its values in the shape `parse` gives (export and duplicate check).
    values_of: Callable[[Any], dict[str, Any]]
    # Create one record through the app's service: (actor=, values=, row=, source=, context=)
    # → record; `context` is the run's ParseContext (its cache may be used).
    create: Callable[..., Any]
    # The records the user may export, filtered by the query parameters of the list page.
    export_queryset: Callable[[Any, Mapping[str, Any]], Any]
    # Checks across fields of one parsed row: field name → message (optional).
    check_row: Callable[[dict[str, Any], ParseContext], dict[str, str]] | None = None
    # Title row of the exported sheet (data: the ledger's Chinese name).
    title: str = ""
    # Optional: (user, record) → the values that user's export writes (e.g. full numbers only
    # where the user's grant allows them); default `values_of`.
    export_values: Callable[[Any, Any], dict[str, Any]] | None = None
    # Optional: (user, params, records) once an export is built, e.g. to audit it.
    exported: Callable[[Any, Mapping[str, Any], list[Any]], None] | None = None
    # Optional: text → what the mapping page's sample cells and the run errors may show of
    # cell contents (privacy-strict kinds mask identity and phone numbers).
    mask_text: Callable[[str], str] | None = None

    def masked(self, text: str) -> str:
        return self.mask_text(text) if self.mask_text is not None else text

    def get_field(self, name: str) -> LedgerField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


KINDS: dict[str, LedgerKind] = {}


def register(kind: LedgerKind) -> LedgerKind:
    """Declare a ledger kind (called at import time of an app's ledger_io.py)."""
    names = [f.name for f in kind.fields]
    if len(names) != len(set(names)):
        raise ValueError(f"ledger kind {kind.key!r} declares a field twice")
    seen: dict[str, str] = {}
    for f in kind.fields:
        for alias in f.aliases:
            norm = normalise_header(alias)
            if seen.setdefault(norm, f.name) != f.name:
                raise ValueError(f"header alias {alias!r} of {kind.key!r} names two fields")
    KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> LedgerKind:
    return KINDS[key]


# -- headers ----------------------------------------------------------------------------------

_SPACE = re.compile(r"[\s*＊:：]+")


def normalise_header(value: Any) -> str:
    """Headers compare after NFKC (full-width → half-width), without spaces, line breaks,
    required-field stars and colons, case-insensitively: "隐患地点 *" == "隐患地点"."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return _SPACE.sub("", text).lower()


# -- scope ------------------------------------------------------------------------------------


def may_add_at(actor: Any, model: type[models.Model], place: Jurisdiction) -> bool:
    """Whether the actor may add records of `model` at `place` (a grant at it or above it)."""
    key = record_type_key(model)
    if getattr(actor, "is_superuser", False) and actor.is_active and not is_explicit_only(key):
        return True
    for grant in user_grants(actor):
        if not grant.role.allows(key, "add"):
            continue
        if grant.role.is_global or place.path.startswith(grant.jurisdiction.path):
            return True
    return False


# -- parsers ----------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text: numbers typed as numbers lose the ".0" Excel adds (13900001111.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def text(max_length: int = 0) -> Parser:
    def parse(value: Any, ctx: ParseContext) -> str:
        result = cell_text(value)
        if max_length and len(result) > max_length:
            raise CellInvalid(_("At most %(max)d characters.") % {"max": max_length})
        return result

    return parse


def number(value: Any, ctx: ParseContext) -> float | None:
    """A number typed as a number or as text ("107.5", "１０７.５")."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise CellInvalid(_("Enter a number."))
    if isinstance(value, int | float):
        return float(value)
    raw = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    try:
        return float(Decimal(raw))
    except (InvalidOperation, ValueError):
        raise CellInvalid(_("Enter a number.")) from None


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时點点]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2})\s*秒?)?\s*分?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Excel serial numbers of 1954-10-03 … 2119-01-16: a date cell typed as "General".
_SERIAL_RANGE = (20_000, 80_000)
DATE_HINT = "2026-03-05, 2026/3/5, 2026年3月5日"


def _date_parts(value: Any) -> tuple[dt.date, dt.time | None]:
    if isinstance(value, dt.datetime):
        moment = value.replace(microsecond=0)
        if value.microsecond >= 500_000:
            moment += dt.timedelta(seconds=1)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment).replace(tzinfo=None)
        return moment.date(), (moment.time() if moment.time() != dt.time(0) else None)
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and _COMPACT.match(str(int(value))):
            value = str(int(value))
        elif _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            from openpyxl.utils.datetime import from_excel

            return _date_parts(from_excel(value))
        else:
            raise CellInvalid(_("Enter a date such as %(examples)s.") % {"examples": DATE_HINT})
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    compact = _COMPACT.match(raw)
    if compact:
        parts: list[str | None] = [*compact.groups(), None, None, None]
    else:
        match = _DATE.match(raw)
        if match is None:
            raise CellInvalid(_("Enter a date such as %(examples)s.") % {"examples": DATE_HINT})
        parts = list(match.groups())
    try:
        day = dt.date(int(parts[0] or 0), int(parts[1] or 0), int(parts[2] or 0))
        clock = (
            dt.time(int(parts[3]), int(parts[4] or 0), int(parts[5] or 0))
            if parts[3] is not None
            else None
        )
    except ValueError:
        raise CellInvalid(_("“%(value)s” is not a real date.") % {"value": raw[:30]}) from None
    return day, clock


def date(value: Any, ctx: ParseContext) -> dt.date | None:
    """A calendar day: an Excel date cell, 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日,
    20260305, or a date serial typed as a number."""
    if _blank(value):
        return None
    day, _time = _date_parts(value)
    return day


def moment(value: Any, ctx: ParseContext) -> dt.datetime | None:
    """A date with an optional time (local time, Asia/Shanghai); a bare date is midnight."""
    if _blank(value):
        return None
    day, clock = _date_parts(value)
    return timezone.make_aware(dt.datetime.combine(day, clock or dt.time(0)))


def date_cell(value: dt.date) -> dt.date:
    return value


def moment_cell(value: dt.datetime) -> dt.datetime | dt.date:
    """Local time without a zone (Excel has none); a midnight is written as a bare date."""
    local = timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return local.date() if local.time() == dt.time(0) else local


def choice(words: Mapping[str, tuple[str, ...]], labels: Iterable[tuple[str, Any]] = ()) -> Parser:
    """A value from a fixed list; `words` maps each stored value to the words ledgers use for
    it (the first is exported); the stored value and the choice labels are accepted too."""
    lookup: dict[str, str] = {}
    for stored, spoken in words.items():
        for word in (stored, *spoken):
            lookup[normalise_header(word)] = stored
    label_pairs = list(labels)

    def parse(value: Any, ctx: ParseContext) -> str | None:
        if _blank(value):
            return None
        key = normalise_header(cell_text(value))
        if key in lookup:
            return lookup[key]
        for stored, label in label_pairs:  # the labels in the user's language
            if normalise_header(label) == key:
                return stored
        accepted = "、".join(spoken[0] for spoken in words.values())
        raise CellInvalid(
            _("Unknown value “%(value)s”; use one of: %(accepted)s.")
            % {"value": cell_text(value)[:30], "accepted": accepted}
        )

    return parse


def choice_cell(words: Mapping[str, tuple[str, ...]]) -> Callable[[Any], str]:
    return lambda value: words[value][0] if value in words else str(value)


def code_item(list_key: str, suffixes: tuple[str, ...] = ()) -> Parser:
    """An item of a code list by its label, English label or code; a label may also be written
    without one of `suffixes` ("消防" for "消防隐患"). Retired items are refused."""

    def parse(value: Any, ctx: ParseContext) -> CodeItem | None:
        if _blank(value):
            return None
        cache_key = ("code_item", list_key)
        if cache_key not in ctx.cache:
            index: dict[str, CodeItem] = {}
            for item in CodeItem.objects.filter(code_list__key=list_key).order_by("-active"):
                names = [item.code, item.label, item.label_en]
                names += [item.label.removesuffix(s) for s in suffixes if item.label.endswith(s)]
                for name in names:
                    if name:
                        index.setdefault(normalise_header(name), item)
            ctx.cache[cache_key] = index
        wanted = cell_text(value)
        item = ctx.cache[cache_key].get(normalise_header(wanted))
        if item is None:
            raise CellInvalid(_("Unknown category “%(value)s”.") % {"value": wanted[:50]})
        if not item.active:
            raise CellInvalid(
                _("The category “%(value)s” is no longer in use.") % {"value": wanted}
            )
        return item  # type: ignore[no-any-return]

    return parse


def code_item_cell(item: CodeItem) -> str:
    return item.label


def jurisdiction(value: Any, ctx: ParseContext) -> Jurisdiction:
    """A village, community or grid by its name (within the run's jurisdiction) or its
    statistical division code; empty → the run's jurisdiction. It must lie inside the scope
    where the actor may add records of the kind."""
    if _blank(value):
        place = ctx.jurisdiction
    else:
        wanted = cell_text(value)
        cache_key = ("jurisdiction", wanted)
        if cache_key not in ctx.cache:
            ctx.cache[cache_key] = _find_jurisdiction(wanted, ctx)
        place = ctx.cache[cache_key]
    if not may_add_at(ctx.actor, ctx.model, place):
        raise CellInvalid(
            _("“%(place)s” is outside your jurisdiction: you may not add records there.")
            % {"place": place.name}
        )
    return place


def _find_jurisdiction(wanted: str, ctx: ParseContext) -> Jurisdiction:
    if wanted.isdigit():
        found = Jurisdiction.objects.filter(stat_division_code=wanted).first()
        if found is None:
            raise CellInvalid(_("Unknown division code “%(code)s”.") % {"code": wanted[:15]})
        return found
    within = list(
        Jurisdiction.objects.filter(path__startswith=ctx.jurisdiction.path, name=wanted)[:2]
    )
    if len(within) > 1:
        raise CellInvalid(
            _("Several places are called “%(name)s”: write the division code instead.")
            % {"name": wanted[:50]}
        )
    if within:
        return within[0]
    # Outside the run's jurisdiction: still fine if it is inside the actor's scope.
    named = list(Jurisdiction.objects.filter(name=wanted)[:20])
    allowed = [j for j in named if may_add_at(ctx.actor, ctx.model, j)]
    if len(allowed) == 1:
        return allowed[0]
    if len(allowed) > 1:
        raise CellInvalid(
            _("Several places are called “%(name)s”: write the division code instead.")
            % {"name": wanted[:50]}
        )
    if named:
        raise CellInvalid(
            _("“%(place)s” is outside your jurisdiction: you may not add records there.")
            % {"place": wanted[:50]}
        )
    raise CellInvalid(_("No jurisdiction is called “%(name)s”.") % {"name": wanted[:50]})


def name_cell(value: Any) -> str:
    return str(getattr(value, "name", value))


def scoped_by_name(model: type[models.Model], what: Any) -> Parser:
    """A record of `model` the actor may see, by its exact name (a unit, a member).
    `what` names the kind of record in messages ("unit", "member")."""

    def parse(value: Any, ctx: ParseContext) -> Any:
        if _blank(value):
            return None
        wanted = cell_text(value)
        cache_key = (model._meta.label_lower, wanted)
        if cache_key not in ctx.cache:
            found = list(
                model.objects.visible_to(ctx.actor).filter(name=wanted)[:2]  # type: ignore[attr-defined]
            )
            ctx.cache[cache_key] = found
        found = ctx.cache[cache_key]
        if not found:
            raise CellInvalid(
                _("No %(what)s called “%(name)s” in your jurisdiction.")
                % {"what": str(what), "name": wanted[:50]}
            )
        if len(found) > 1:
            raise CellInvalid(
                _("Several %(what)s records are called “%(name)s”; keep one name unique.")
                % {"what": str(what), "name": wanted[:50]}
            )
        return found[0]

    return parse


_LONG_NUMBER = re.compile(r"\d(?: ?\d){8,}[Xx]?")


def mask_numbers(text: str) -> str:
    """Text with every run of 9 or more digits (identity and phone numbers, also typed with
    spaces) masked to its first 3 and last 4 characters; dates and short numbers stay.
    A kind's `mask_text` for ledgers that hold such numbers."""

    def mask(match: re.Match[str]) -> str:
        run = match.group(0).replace(" ", "")
        return run[:3] + "*" * (len(run) - 7) + run[-4:]

    return _LONG_NUMBER.sub(mask, text)


def squash(value: Any) -> str:
    """Text compared for duplicates: NFKC, without any whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))


_LIST_SPLIT = re.compile(r"\s*[、,，;；/\n]\s*")


def split_list(text: str) -> list[str]:
    """Entries written in one cell with 、 , ， ; ； / or line breaks between them (empty
    entries keep their place)."""
    return _LIST_SPLIT.split(text)


def is_masked(text: str) -> bool:
    """Whether a cell holds a masked number (139****5678, as masked exports write it)."""
    return "*" in text or "＊" in text


# -- fields several ledgers declare alike ---------------------------------------------------------


def choice_field(
    name: str,
    label: Any,
    aliases: tuple[str, ...],
    words: Mapping[str, tuple[str, ...]],
    labels: Iterable[tuple[str, Any]] = (),
    *,
    required: bool = False,
    width: int = 14,
) -> LedgerField:
    """A field with a value from a fixed list (see `choice`); the export writes each value's
    first word, so an export always imports back."""
    return LedgerField(
        name,
        label,
        aliases,
        choice(words, labels),
        required=required,
        to_cell=choice_cell(words),
        width=width,
    )


def coordinate_fields() -> tuple[LedgerField, LedgerField]:
    """Longitude and latitude (经度, 纬度) as numbers."""
    return (
        LedgerField("longitude", gettext_lazy("longitude"), ("经度",), number, width=11),
        LedgerField("latitude", gettext_lazy("latitude"), ("纬度",), number, width=11),
    )


def responsible_fields(
    unit_aliases: tuple[str, ...], person_aliases: tuple[str, ...], *, unit_width: int
) -> tuple[LedgerField, LedgerField]:
    """The responsible unit and person, each by its name among the records the actor sees."""
    from shouwang.forces.models import Member, Organisation

    return (
        LedgerField(
            "responsible_unit",
            gettext_lazy("responsible unit"),
            unit_aliases,
            scoped_by_name(Organisation, gettext_lazy("unit")),
            to_cell=name_cell,
            width=unit_width,
        ),
        LedgerField(
            "responsible_person",
            gettext_lazy("responsible person"),
            person_aliases,
            scoped_by_name(Member, gettext_lazy("member")),
            to_cell=name_cell,
            width=10,
        ),
    )


def list_page_records(key: str, user: Any, params: Mapping[str, Any]) -> models.QuerySet[Any]:
    """The records of a registered record type's list page with the same filters (for a
    kind's `export_queryset`)."""
    from shouwang.core import registry

    record_type = registry.get(key)
    return record_type.filter_queryset(record_type.base_queryset(user), params)
