"""Governance's part of the shared test world (see tests/conftest.py).

Per side: one planned training of the township (2026-11-05), one joint meeting (2026-11-28) with
the side's organisation present and one open decision of it.
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


def _training(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    day = 5 + (n + 1) % 20
    return {
        "jurisdiction": s.township.pk,
        "kind": "training",
        "topic": "first_aid",
        "topic_other": "",
        "starts_at": f"2026-11-{day:02d}T09:00:00+08:00",
        "place": f"{NAMES[side]}镇综治中心",
        "organiser": "红十字会讲师",
        "materials": "https://example.org/first-aid.pdf",
        "note": f"test {n}",
    }


def _meeting(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "jurisdiction": s.township.pk,
        "held_on": f"2026-11-{(n + 1) % 20 + 5:02d}",
        "units": [s.organisation.pk],
        "situation": f"{NAMES[side]}镇本月治安形势平稳",
        "next_roster": s.roster.pk,
        "note": f"test {n}",
    }


def _decision(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "meeting": s.extra["jointmeeting"].pk,
        "text": f"加强夜间巡防{n}",
        "owner_unit": s.organisation.pk,
        "owner_person": s.member.pk,
        "deadline": "2027-01-31",
    }


BUILDERS = {"training": _training, "jointmeeting": _meeting, "decision": _decision}

CHANGE_FIELD = {
    "training": ("place", "改过的地点"),
    "jointmeeting": ("situation", "改过的形势分析"),
    "decision": ("text", "改过的决定"),
}


def build(world: World, s: Side, side: str, admin: Any) -> None:
    from shouwang.governance import services

    s.extra["training"] = services.create_training(
        actor=admin, data=_service_data(_training(world, s, side, -1))
    )
    s.extra["jointmeeting"] = services.create_meeting(
        actor=admin, data=_service_data(_meeting(world, s, side, -1))
    )
    s.extra["decision"] = services.create_decision(
        actor=admin, data=_service_data(_decision(world, s, side, -1))
    )
