"""Governance's part of the shared test world (see tests/conftest.py).

Per side: one planned training of the township (2026-11-05), one joint meeting (2026-11-28) with
the side's organisation present and one open decision of it; a drafted responsibility pledge
(2029) with the side's village; an emergency plan (railway accident) with v1 in force and a
draft v2; a held drill (2024-10-15, outside the years the gap tests count) against v1, its
review (2024-10-16) and one open finding (deadline 2027-01-31).
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


def _pledge(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    # One pledge per counterpart and year: each payload takes its own year.
    return {
        "jurisdiction": s.township.pk,
        "year": 2030 + n,
        "village": s.village.pk,
        "unit": None,
        "targets": "九无\n杜绝重大刑事案件\n矛盾纠纷不出村",
        "signatories": f"{NAMES[side]}街道办主任；{NAMES[side]}社区书记",
    }


def _plan(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "jurisdiction": s.township.pk,
        "name": f"{NAMES[side]}街道铁路交通事故应急预案{n}",
        "scenario": "railway",
        "note": f"test {n}",
    }


def _version(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "plan": s.extra["emergencyplan"].pk,
        "content": f"一、总则……（草稿 {n}）",
        "effective_from": None,
        "change_summary": f"修订 {n}",
        "approved_by": "街道党工委会议",
        "addresses": [],
    }


def _review(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "drill": s.extra["drill"].pk,
        "held_on": "2024-10-16",
        "participants": "街道平安办、派出所、车站",
        "summary": f"test {n}",
    }


def _finding(world: World, s: Side, side: str, n: int) -> dict[str, Any]:
    return {
        "review": s.extra["drillreview"].pk,
        "text": f"疏散通道指示不清{n}",
        "owner_unit": s.organisation.pk,
        "owner_person": s.member.pk,
        "deadline": "2027-01-31",
    }


BUILDERS = {
    "training": _training,
    "jointmeeting": _meeting,
    "decision": _decision,
    "responsibilitypledge": _pledge,
    "emergencyplan": _plan,
    "planversion": _version,
    "drillreview": _review,
    "drillfinding": _finding,
}

CHANGE_FIELD = {
    "training": ("place", "改过的地点"),
    "jointmeeting": ("situation", "改过的形势分析"),
    "decision": ("text", "改过的决定"),
    "responsibilitypledge": ("signatories", "改过的签订人"),
    "emergencyplan": ("note", "改过的备注"),
    "planversion": ("change_summary", "改过的修订说明"),
    "drillreview": ("participants", "改过的参会人员"),
    "drillfinding": ("text", "改过的问题"),
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
    s.extra["responsibilitypledge"] = services.create_pledge(
        actor=admin, data=_service_data(_pledge(world, s, side, -1))
    )
    plan = services.create_plan(actor=admin, data=_service_data(_plan(world, s, side, -1)))
    s.extra["emergencyplan"] = plan
    v1 = services.create_plan_version(
        actor=admin, data=_service_data({**_version(world, s, side, -1), "addresses": []})
    )
    s.extra["planversion_v1"] = services.adopt_plan_version(
        v1, actor=admin, effective_from="2024-01-01"
    )
    drill = services.create_training(
        actor=admin,
        data=_service_data(
            {
                **_training(world, s, side, -1),
                "kind": "drill",
                "topic": "safety",
                "starts_at": "2024-10-15T09:00:00+08:00",
                "plan_version": v1.pk,
            }
        ),
    )
    s.extra["drill"] = services.hold_training(drill, actor=admin)
    s.extra["planversion"] = services.create_plan_version(
        actor=admin, data=_service_data(_version(world, s, side, -2))
    )
    s.extra["drillreview"] = services.create_review(
        actor=admin, data=_service_data(_review(world, s, side, -1))
    )
    s.extra["drillfinding"] = services.create_finding(
        actor=admin, data=_service_data(_finding(world, s, side, -1))
    )
