"""The dispute register's part of the shared test world (see tests/conftest.py).

Per side: a weekly screening of the village, a dispute file found in it, a party with a phone
number, and a dispute policy at the township.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

# conftest imports this module while it is still loading: read its names at call time.
import conftest

NAMES = conftest.NAMES
VILLAGE_CODES = conftest.VILLAGE_CODES
Side = Any
World = Any


def code_item(list_key: str, index: int = 0) -> Any:
    return conftest.code_item(list_key, index)


def _service_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else v) for k, v in data.items()}


#: The Monday of the world's own screening; payloads take the weeks after it.
BASE_WEEK = date(2025, 1, 6)


def _screening(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    week = BASE_WEEK + timedelta(weeks=n + 1)
    return {
        "village": s.village.pk,
        "week": week.isoformat(),
        "screened_on": (week + timedelta(days=2)).isoformat(),
        "disputes_found": (n + 2) % 3,
        "note": f"{NAMES[side]}村第{n + 2}周排查",
    }


def _dispute(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "jurisdiction": s.village.pk,
        "title": f"{NAMES[side]}宅基地纠纷{n}",
        "category": code_item("dispute_category").pk,
        "description": "两户因宅基地边界发生争执",
        "people_involved": 4,
        "risk_level": "medium",
        "source": "walk_in",
        "screening": None,
        "source_record": "来访登记第12号",
        "registered_on": "2026-11-02",
        "civil_to_criminal": False,
        "civil_to_criminal_note": "",
        "longitude": None,
        "latitude": None,
        "responsible_unit": s.organisation.pk,
        "responsible_person": s.member.pk,
        "plan": "村调委会先行调解",
        "resolve_by": None,
        "expected_result": "双方达成协议",
        "segment": s.segment.pk,
        "key_place": s.keyplace.pk,
        "key_point": "K261 道口",
    }


def _party(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "dispute": s.extra["dispute"].pk,
        "name": f"{NAMES[side]}当事人{n}",
        "role": "respondent",
        "phone_number": f"1380000{n + 2:04d}",
        "note": "test",
    }


def _spare_grid(s: Side, side: str, n: int) -> Any:
    from shouwang.core.models import Jurisdiction

    code = f"{VILLAGE_CODES[side]}{500 + n:03d}"
    node = Jurisdiction.objects.filter(stat_division_code=code).first()
    if node is None:
        node = Jurisdiction.objects.create(
            name=f"{NAMES[side]}调解网格{n}",
            level="grid",
            stat_division_code=code,
            parent=s.village,
        )
        node.after_save()
    return node


def _policy(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # One policy per jurisdiction: the world's on the township, payloads on the village, the
    # grid, then on spare grids made directly (no audit event).
    if n < 0:
        place = s.township
    elif n == 0:
        place = s.village
    elif n == 1:
        place = s.grid
    else:
        place = _spare_grid(s, side, n)
    return {
        "jurisdiction": place.pk,
        "resolve_days": 30,
        "village_rounds": 2,
        "township_rounds": 2,
        "follow_up_days": "7,30",
        "note": f"test {n}",
    }


BUILDERS = {
    "screening": _screening,
    "dispute": _dispute,
    "disputeparty": _party,
    "disputepolicy": _policy,
}

CHANGE_FIELD = {
    "screening": ("note", "改过的备注"),
    "dispute": ("title", "改过的纠纷名称"),
    "disputepolicy": ("note", "改过的备注"),
}


def build(world: World, s: Side, side: str, admin: Any) -> None:
    from shouwang.disputes import services

    s.extra["screening"] = services.create_screening(
        actor=admin, data=_service_data(_screening(world, s, side, -1))
    )
    s.extra["disputepolicy"] = services.create_policy(
        actor=admin, data=_service_data(_policy(world, s, side, -1))
    )
    data = _dispute(world, s, side, -1)
    data.update(source="screening", screening=s.extra["screening"].pk)
    s.extra["dispute"] = services.create_dispute(actor=admin, data=_service_data(data))
    s.extra["disputeparty"] = services.create_party(
        actor=admin, data=_service_data(_party(world, s, side, -1))
    )
