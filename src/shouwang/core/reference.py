"""Reference data seeded after every migrate: national code lists and the built-in roles.

Seeding is idempotent and additive: it creates what is missing and never overwrites what an
office has edited (labels, deactivations, local values).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from django.db import transaction

from shouwang.core.models import CodeItem, CodeList, Role


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
        Role.objects.get_or_create(
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
