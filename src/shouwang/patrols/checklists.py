"""Inspection checklists (巡查清单): item validation, the seed's three standard checklists, and
the create/update/delete services.

A checklist's `items` is a list of ``{"code", "text", "hint"}`` (optionally ``"text_en"``).
Codes are stable slugs because results refer to them; texts may be reworded (a result keeps
the text it was answered against).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import records
from shouwang.core.audit import ACTIONS, record_event
from shouwang.core.models import Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for, in_scope
from shouwang.patrols.models import Checklist

ACTIONS.setdefault(
    "patrols.checklist.installed", gettext_lazy("Standard inspection checklists added")
)

STANDARD_FILE = Path(__file__).resolve().parent / "data" / "checklists.json"
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CODE_MAX = 50  # ChecklistResult.item_code
TEXT_MAX = 300  # ChecklistResult.item_text
HINT_MAX = 300
ITEM_KEYS = ("code", "text", "hint", "text_en")
MAX_ITEMS = 100


# -- validation --------------------------------------------------------------------------------


def item_errors(items: Any) -> list[str]:
    """Everything wrong with a checklist's items, each message naming the item (1-based)."""
    if not isinstance(items, list):
        return [_("Enter a list of items.")]
    if not items:
        return [_("A checklist needs at least one item.")]
    if len(items) > MAX_ITEMS:
        return [_("A checklist has at most %(max)d items.") % {"max": MAX_ITEMS}]
    errors: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(_("Item %(n)d: enter a code, a text and a hint.") % {"n": n})
            continue
        unknown = sorted(set(item) - set(ITEM_KEYS))
        if unknown:
            errors.append(
                _("Item %(n)d: unknown key %(keys)s.") % {"n": n, "keys": "、".join(unknown)}
            )
        code = item.get("code")
        text = item.get("text")
        if not isinstance(code, str) or not code.strip():
            errors.append(_("Item %(n)d: the code is missing.") % {"n": n})
        elif not CODE_RE.match(code) or len(code) > CODE_MAX:
            errors.append(
                _(
                    "Item %(n)d: the code “%(code)s” may use only lower-case letters, digits "
                    "and hyphens (at most %(max)d characters), e.g. po-01."
                )
                % {"n": n, "code": code, "max": CODE_MAX}
            )
        elif code in seen:
            errors.append(
                _("Item %(n)d: the code “%(code)s” is used twice.") % {"n": n, "code": code}
            )
        else:
            seen.add(code)
        if not isinstance(text, str) or not text.strip():
            errors.append(_("Item %(n)d: the text is missing.") % {"n": n})
        elif len(text) > TEXT_MAX:
            errors.append(
                _("Item %(n)d: the text is longer than %(max)d characters.")
                % {"n": n, "max": TEXT_MAX}
            )
        for key in ("hint", "text_en"):
            value = item.get(key, "")
            if not isinstance(value, str):
                errors.append(_("Item %(n)d: %(key)s must be text.") % {"n": n, "key": key})
            elif len(value) > HINT_MAX:
                errors.append(
                    _("Item %(n)d: %(key)s is longer than %(max)d characters.")
                    % {"n": n, "key": key, "max": HINT_MAX}
                )
    return errors


def validate_checklist_items(items: Any) -> None:
    """Field validator for `Checklist.items` (raises a ValidationError listing every fault)."""
    errors = item_errors(items)
    if errors:
        raise ValidationError(errors)


def normalise_items(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Items with surrounding spaces trimmed and empty optional keys dropped."""
    out = []
    for item in items:
        clean = {
            "code": str(item["code"]).strip(),
            "text": str(item["text"]).strip(),
            "hint": str(item.get("hint", "") or "").strip(),
        }
        text_en = str(item.get("text_en", "") or "").strip()
        if text_en:
            clean["text_en"] = text_en
        out.append(clean)
    return out


def item_text(item: Mapping[str, Any], language: str | None) -> str:
    """The item's text in the user's language (English when given and asked for)."""
    if language and language.startswith("en") and item.get("text_en"):
        return str(item["text_en"])
    return str(item.get("text", ""))


# -- the seed's standard checklists ------------------------------------------------------------


@cache
def standard_checklists() -> list[dict[str, Any]]:
    """The three checklists of the seed (public order, work safety, fire safety)."""
    data = json.loads(STANDARD_FILE.read_text("utf-8"))
    return list(data["checklists"])


def install_standard_checklists(jurisdiction: Jurisdiction, *, actor: Any) -> list[Checklist]:
    """Add the seed's three checklists to a jurisdiction (a township office's starting point).

    Idempotent: a checklist whose name already exists there is left as the office edited it.
    Returns the jurisdiction's standard checklists (existing and new); one audit event when
    anything was added.
    """
    if not can(actor, Checklist, "add"):
        raise PermissionDenied
    with transaction.atomic():
        place = get_for(Jurisdiction, actor, jurisdiction.pk, "view")
        existing = {c.name: c for c in Checklist.objects.filter(jurisdiction=place)}
        result: list[Checklist] = []
        created: list[Checklist] = []
        for spec in standard_checklists():
            checklist = existing.get(spec["name"])
            if checklist is None:
                checklist = Checklist(
                    name=spec["name"],
                    category=spec["category"],
                    jurisdiction=place,
                    items=normalise_items(spec["items"]),
                    active=True,
                )
                try:
                    checklist.full_clean()
                except ValidationError as exc:
                    raise RecordInvalid.from_validation_error(exc) from exc
                validate_checklist_items(checklist.items)
                checklist.save()
                if not in_scope(checklist, actor, "add"):
                    transaction.set_rollback(True)
                    raise RecordInvalid(
                        {NON_FIELD: [_("You may not create records outside your jurisdiction.")]}
                    )
                created.append(checklist)
            result.append(checklist)
        if created:
            record_event(
                "patrols.checklist.installed",
                actor=actor,
                target=place,
                after={
                    "checklists": [
                        {"id": c.pk, "name": c.name, "items": len(c.items)} for c in created
                    ]
                },
            )
        return result


# -- services ----------------------------------------------------------------------------------


def create_checklist(*, actor: Any, data: Mapping[str, Any]) -> Checklist:
    """Add an inspection checklist."""
    from shouwang.patrols.forms import ChecklistForm

    return records.create_record(ChecklistForm, actor=actor, data=data)  # type: ignore[no-any-return]


def update_checklist(checklist: Checklist, *, actor: Any, data: Mapping[str, Any]) -> Checklist:
    """Change a checklist (answers already given keep the item text they were given against)."""
    from shouwang.patrols.forms import ChecklistForm

    return records.update_record(ChecklistForm, checklist, actor=actor, data=data)


def delete_checklist(checklist: Checklist, *, actor: Any) -> None:
    """Remove a checklist never used on a log (a used one is refused: deactivate it instead)."""
    records.delete_record(checklist, actor=actor)
