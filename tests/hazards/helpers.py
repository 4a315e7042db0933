"""Shared set-up of the hazard tests: a new hazard of a world side, the office user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shouwang.hazards.models import Hazard


def new_hazard(
    world: Any, side: str = "A", found: dt.datetime | None = None, **fields: Any
) -> Hazard:
    """A reported hazard of the side's category and jurisdiction; `fields` override."""
    base = world.sides[side].hazard
    values: dict[str, Any] = {
        "category": base.category,
        "jurisdiction": base.jurisdiction,
        "description": "铁路护网破损",
        "place": "K301+200",
        "found_by": world.admin,
        "found_at": found or timezone.now(),
        **fields,
    }
    return Hazard.objects.create(**values)


def office(world: Any) -> Any:
    """The township office user (平安办)."""
    return world.users["township_staff"]
