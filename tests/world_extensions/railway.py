"""Railway protection's part of the shared test world (see tests/conftest.py).

Per side, in the side's village: one incident (livestock on the line, 2026-10-08), one
joint-household representative on the side's railway segment and one activity of theirs.
"""

from __future__ import annotations

from typing import Any

# conftest imports this module while it is still loading: read its names at call time.
import conftest

NAMES = conftest.NAMES
Side = Any
World = Any


def _service_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else v) for k, v in data.items()}


def _incident(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    day = 8 + (n + 1) % 20
    return {
        "jurisdiction": s.village.pk,
        "segment": s.segment.pk,
        "chainage": f"K261+{(n + 1) % 900 + 100}",
        "occurred_at": f"2026-10-{day:02d}T16:20:00+08:00",
        "kind": "livestock",
        "deaths": 0,
        "injuries": 0,
        "description": f"{NAMES[side]}社区村民的耕牛上道 {n}",
        "handling": "赶出防护区域，找到养殖户教育",
        "police_case_number": "",
        "reported_by": s.member.pk,
    }


def _representative(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "jurisdiction": s.village.pk,
        "name": f"{NAMES[side]}联户代表{n}",
        "phone": "13800138000",
        "villager_group": f"{(n + 1) % 9 + 1}组",
        "households": 12,
        "segment": s.segment.pk,
        "appointed_on": "2025-03-01",
        "status": "active",
        "note": f"test {n}",
    }


def _activity(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "representative": s.extra["householdrepresentative"].pk,
        "done_on": f"2026-10-{(n + 1) % 20 + 5:02d}",
        "kind": "publicity",
        "description": f"入户宣传铁路安全知识 {n}",
    }


BUILDERS = {
    "railwayincident": _incident,
    "householdrepresentative": _representative,
    "representativeactivity": _activity,
}

CHANGE_FIELD = {
    "railwayincident": ("handling", "改过的处置情况"),
    "householdrepresentative": ("villager_group", "改过的组"),
    "representativeactivity": ("description", "改过的内容"),
}


def build(world: World, s: Side, side: str, admin: Any) -> None:
    from shouwang.railway import services

    s.extra["railwayincident"] = services.create_incident(
        actor=admin, data=_service_data(_incident(world, s, side, -1))
    )
    s.extra["householdrepresentative"] = services.create_representative(
        actor=admin, data=_service_data(_representative(world, s, side, -1))
    )
    s.extra["representativeactivity"] = services.create_activity(
        actor=admin, data=_service_data(_activity(world, s, side, -1))
    )
