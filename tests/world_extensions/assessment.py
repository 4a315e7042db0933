"""Assessment's part of the shared test world (see tests/conftest.py).

Per side: a monthly village scheme of the township with one criteria line (duty attendance,
10 points) and three more schemes the criteria payloads spread over; a conduct rule (the
list is not jurisdictional: one per side); a pending reward for the side's member pointing
at the side's hazard; and a breach by the member.
"""

from __future__ import annotations

from typing import Any

# conftest imports this module while it is still loading: read its names at call time.
import conftest

NAMES = conftest.NAMES
Side = Any
World = Any

#: Measures the payloads use (the world's own line uses duty_attendance).
OTHER_MEASURES = [
    "logs_on_time",
    "hazards_on_time",
    "disputes_resolved",
    "visits_done",
    "trainings_attended",
]


def _service_data(data: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else v) for k, v in data.items()}


def _scheme(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "jurisdiction": s.township.pk,
        "name": f"{NAMES[side]}村月度考核{n + 2}",
        "subject_kind": "village",
        "period_kind": "month",
        "total_points": "100",
        "veto_kinds": ["terror", "major_crime"],
        "active": True,
        "note": f"test {n}",
    }


#: Schemes the criteria payloads spread over (a measure once per scheme): 4 × 5 = 20 lines.
SCHEMES_FOR_CRITERIA = 4


def _criterion(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    index = n % (SCHEMES_FOR_CRITERIA * len(OTHER_MEASURES))
    schemes = [s.extra["scheme"], *s.extra["criterion_schemes"]]
    return {
        "scheme": schemes[index // len(OTHER_MEASURES)].pk,
        "measure": OTHER_MEASURES[index % len(OTHER_MEASURES)],
        "max_points": "5",
        "threshold": None,
        "sort_order": n + 2,
    }


def _conductrule(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "code": f"T{side}{n + 2}",
        "kind": "must_not",
        "text": f"{NAMES[side]}不准事项{n + 2}",
        "default_points": "3",
        "active": True,
        "sort_order": 90 + n + 2,
    }


def _adjustment(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "member": s.member.pk,
        "team": None,
        "village": None,
        "kind": "reward",
        "on_date": f"2026-11-{(n + 2) % 20 + 1:02d}",
        "points": "3",
        "reason": f"{NAMES[side]}提供线索{n}",
        "record_type": "hazard",
        "record_id": s.hazard.pk,
    }


def _breach(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "member": s.member.pk,
        "on_date": f"2026-11-{(n + 2) % 20 + 1:02d}",
        "rule": s.extra["conductrule"].pk,
        "description": f"{NAMES[side]}执勤迟到{n}",
        "points": "2",
    }


BUILDERS = {
    "scheme": _scheme,
    "criterion": _criterion,
    "conductrule": _conductrule,
    "adjustment": _adjustment,
    "breach": _breach,
}

CHANGE_FIELD = {
    "scheme": ("note", "改过的说明"),
    "criterion": ("sort_order", 42),
    "conductrule": ("text", "改过的规则"),
    "adjustment": ("reason", "改过的理由"),
    "breach": ("description", "改过的情况"),
}


def build(world: World, s: Side, side: str, admin: Any) -> None:
    from shouwang.assessment import services

    s.extra["scheme"] = services.create_scheme(
        actor=admin, data=_service_data(_scheme(world, s, side, -1))
    )
    s.extra["criterion_schemes"] = [
        services.create_scheme(actor=admin, data=_service_data(_scheme(world, s, side, 100 + k)))
        for k in range(SCHEMES_FOR_CRITERIA - 1)
    ]
    s.extra["criterion"] = services.create_criterion(
        actor=admin,
        data=_service_data(
            {
                **_criterion(world, s, side, -1),
                "scheme": s.extra["scheme"].pk,
                "measure": "duty_attendance",
                "max_points": "10",
            }
        ),
    )
    s.extra["conductrule"] = services.create_rule(
        actor=admin, data=_service_data(_conductrule(world, s, side, -1))
    )
    s.extra["adjustment"] = services.create_adjustment(
        actor=admin, data=_service_data(_adjustment(world, s, side, -1))
    )
    s.extra["breach"] = services.create_breach(
        actor=admin, data=_service_data(_breach(world, s, side, -1))
    )
