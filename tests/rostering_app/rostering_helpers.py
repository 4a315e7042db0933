"""Builders shared by the duty-planning tests: a small team with posts and rules in side A."""

from __future__ import annotations

from typing import Any

from conftest import code_item, make_payload

from shouwang.areas import services as areas
from shouwang.forces import services as forces
from shouwang.rostering import services


def role_pk(code: str) -> int:
    from shouwang.core.models import CodeItem

    return CodeItem.objects.get(code_list__key="member_role", code=code).pk


def small_team(
    world: Any, roles: list[list[str]], name: str = "排班测试队"
) -> tuple[Any, list[Any]]:
    """A team in township A with one member per entry of `roles` (their role codes)."""
    a = world.a
    team = forces.create_team(
        actor=world.admin,
        data={
            "name": name,
            "kind": code_item("team_kind").pk,
            "jurisdiction": a.township.pk,
            "composition_rule": [],
        },
    )
    members = []
    for n, codes in enumerate(roles):
        payload = make_payload("members", world, "A", n=60 + n)
        payload.update(
            {
                "name": f"排班队员{n}",
                "roles": [role_pk(c) for c in codes],
                "teams": [team.pk],
                "citizen_id_number": "",
            }
        )
        members.append(
            forces.create_member(
                actor=world.admin, data={k: ("" if v is None else v) for k, v in payload.items()}
            )
        )
    return team, members


def post(world: Any, team: Any, name: str, start: str = "16:00", minutes: int = 60) -> Any:
    a = world.a
    return areas.create_post(
        actor=world.admin,
        data={
            "name": name,
            "kind": code_item("post_kind").pk,
            "jurisdiction": a.township.pk,
            "team": team.pk,
            "zone": a.zone.pk,
            "key_place": a.keyplace.pk,
            "start_time": start,
            "duration_minutes": minutes,
            "lead_minutes": 0,
        },
    )


def rule(world: Any, post_obj: Any, **values: Any) -> Any:
    data: dict[str, Any] = {
        "post": post_obj.pk,
        "jurisdiction": world.a.township.pk,
        "recurrence": "daily",
        "head_count": 1,
        "role_minimums": {},
        "priority": 0,
        "active": True,
    }
    data.update(values)
    return services.create_duty_rule(actor=world.admin, data=data)
