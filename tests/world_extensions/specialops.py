"""Special operations' part of the shared test world (see tests/conftest.py).

Per side: a township security task over the side's zone in October 2026 at level III (no
extra rounds, so the world's rosters are untouched), a temporary checkpoint post of the
side's reserve team (policy_team, which has no members or rosters) as its extra post, and the
figures of 2026-10-02.
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


def _operation(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "name": f"{NAMES[side]}国庆安保{n + 2}",
        "kind": "security_task",
        "jurisdiction": s.township.pk,
        "start_date": "2026-10-01",
        "end_date": "2026-10-31",
        "zones": [s.zone.pk],
        "level": "level_3",
        "summary": "",
        "note": f"test {n}",
    }


def _operation_post(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "operation": s.extra["specialoperation"].pk,
        "post": s.extra["checkpoint_post"].pk,
        "start_time": f"{8 + (n + 1) % 10:02d}:00",
        "duration_minutes": 120,
        "head_count": 1,
        "role_minimums": {},
        "note": f"test {n}",
    }


def _figure(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "operation": s.extra["specialoperation"].pk,
        "date": f"2026-10-{2 + (n + 1) % 28:02d}",
        "township": s.township.pk,
        "person_turnouts": 20 + n,
        "vehicle_turnouts": 3,
        "checks": 40,
        "people_verified": 120,
        "vehicles_checked": 15,
        "items_seized": 2,
        "incidents_handled": 1,
        "note": f"test {n}",
    }


BUILDERS = {
    "specialoperation": _operation,
    "operationpost": _operation_post,
    "dailyfigure": _figure,
}

CHANGE_FIELD = {
    "specialoperation": ("summary", "改过的总结"),
    "operationpost": ("note", "改过的备注"),
    "dailyfigure": ("note", "改过的备注"),
}


def build(world: World, s: Side, side: str, admin: Any) -> None:
    from shouwang.areas import services as areas
    from shouwang.specialops import services

    s.extra["checkpoint_post"] = areas.create_post(
        actor=admin,
        data={
            "name": f"{NAMES[side]}临时检查站",
            "kind": conftest.code_item("post_kind").pk,
            "jurisdiction": s.township.pk,
            "team": s.policy_team.pk,
            "route": s.route.pk,
            "start_time": "08:00",
            "duration_minutes": 240,
            "lead_minutes": 0,
        },
    )
    s.extra["specialoperation"] = services.create_operation(
        actor=admin, data=_service_data(_operation(world, s, side, -1))
    )
    s.extra["operationpost"] = services.create_operation_post(
        actor=admin, data=_service_data(_operation_post(world, s, side, -1))
    )
    s.extra["dailyfigure"] = services.record_daily_figures(
        actor=admin, data=_service_data(_figure(world, s, side, -1))
    )
