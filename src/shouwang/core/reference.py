"""Reference data seeded after every migrate: national code lists and the built-in roles.

Seeding is idempotent and additive: it creates what is missing and never overwrites what an
office has edited (labels, deactivations, local values).

Built-in roles are upgraded the same way: a grant (record type + action) that a newer
roles.json ships is added to the stored role, so existing databases get it after
`shouwang migrate`. Nothing is ever removed, and a grant that was shipped before is never
added again: if an office took it away, that choice stands. What was shipped is remembered
in the audit trail ("core.role.seeded" events).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shouwang.core.audit import ACTIONS, record_event
from shouwang.core.models import AuditEvent, CodeItem, CodeList, Role

ACTIONS.setdefault("core.role.seeded", _("Built-in role seeded or given new grants"))

Permissions = dict[str, list[str]]


def _load(name: str) -> Any:
    return json.loads(resources.files("shouwang.core.data").joinpath(name).read_text("utf-8"))


@transaction.atomic
def seed_reference_data(**_: Any) -> None:
    for key, spec in _load("codelists.json").items():
        code_list, _created = CodeList.objects.get_or_create(
            key=key,
            defaults={"name": spec["name"], "name_en": spec["name_en"], "source": spec["source"]},
        )
        existing = set(code_list.items.values_list("code", flat=True))
        new_items = [
            CodeItem(
                code_list=code_list,
                code=code,
                label=label,
                label_en=label_en,
                national_code=national,
                sort_order=(index + 1) * 10,
            )
            for index, (code, label, label_en, national) in enumerate(spec["items"])
            if code not in existing
        ]
        CodeItem.objects.bulk_create(new_items)
    for key, spec in _load("roles.json").items():
        role, created = Role.objects.get_or_create(
            key=key,
            defaults={
                "name": spec["name"],
                "name_en": spec["name_en"],
                "home_order": spec["order"],
                "is_global": spec.get("is_global", False),
                "sees_sensitive": spec.get("sees_sensitive", False),
                "permissions": spec["permissions"],
            },
        )
        upgrade_role(role, spec["permissions"], created=created)


def _pairs(permissions: Any) -> set[tuple[str, str]]:
    if not isinstance(permissions, dict):
        return set()
    return {
        (str(record_type), str(action))
        for record_type, actions in permissions.items()
        if isinstance(actions, list)
        for action in actions
    }


def shipped_before(role: Role) -> set[tuple[str, str]]:
    """Every grant earlier seedings shipped for this role, read from the audit trail."""
    events = AuditEvent.objects.filter(
        code="core.role.seeded", target_type="core.role", target_id=str(role.pk)
    ).values_list("after", flat=True)
    shipped: set[tuple[str, str]] = set()
    for after in events:
        shipped |= _pairs((after or {}).get("shipped"))
    return shipped


def upgrade_role(role: Role, shipped: Permissions, *, created: bool = False) -> list[str]:
    """Add the grants of `shipped` that are new since the last seeding and missing from the
    stored role; answers them as "record type:action". Never removes or narrows a grant.

    A database seeded before this upgrade existed has no record of what was shipped: then
    every missing grant of roles.json counts as new.
    """
    known = shipped_before(role)
    offered = _pairs(shipped)
    if not created and offered <= known:
        return []  # roles.json has nothing new for this role since the last seeding
    stored: Permissions = {
        k: list(v) for k, v in (role.permissions or {}).items() if isinstance(v, list)
    }
    before = {k: list(v) for k, v in stored.items()}
    added: list[str] = []
    for record_type, actions in shipped.items():
        for action in actions:
            if (record_type, action) in known:
                continue  # shipped before: if it is missing now, an office took it away
            if action not in stored.get(record_type, []):
                stored.setdefault(record_type, []).append(action)
                added.append(f"{record_type}:{action}")
    if added:
        role.permissions = stored
        role.save(update_fields=["permissions"])
    # Remember what this seeding shipped, so that a later removal by an office stands.
    record_event(
        "core.role.seeded",
        actor=None,
        target=role,
        before=None if created else {"permissions": before},
        after={"permissions": role.permissions, "shipped": shipped, "added": added},
        reason="roles.json",
    )
    return added
