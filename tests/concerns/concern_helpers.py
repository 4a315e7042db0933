"""Shared set-up for the people-of-concern tests: people on both sides, a grid worker who
helps one of them, an officer for side B."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from conftest import PASSWORD, citizen_id_for, code_item
from django.utils import timezone

from shouwang.concerns import services
from shouwang.concerns.models import PersonOfConcern
from shouwang.core import services as core_services
from shouwang.forces.models import Member

PHONE_A = "13912345678"
PHONE_B = "13887654321"


@dataclass
class Cast:
    a: PersonOfConcern  # helped by the grid worker
    a2: PersonOfConcern  # same village, not helped by the grid worker
    b: PersonOfConcern  # side B
    id_a: str
    helper: Member  # the grid worker's member record
    officer_b: Any


def person_data(world: Any, side: str, *, n: int, level: str = "yellow", **extra: Any) -> dict:
    s = world.sides[side]
    data = {
        "name": f"{'甲乙'[side == 'B']}测试人{n}",
        "gender": "male",
        "jurisdiction": s.village.pk,
        "address": f"测试村{n}组",
        "category": code_item("concern_category").pk,
        "attention_level": level,
        "citizen_id_number": citizen_id_for(side, 400 + n),
        "phone_number": f"1370000{n:04d}",
        "risk_notes": "情绪易激动",
    }
    data.update(extra)
    return data


def officer(world: Any) -> Any:
    return world.users["concern_officer"]


def make_cast(world: Any) -> Cast:
    gw = world.users["grid_worker"]
    helper = Member.objects.filter(user=gw).first() or Member.objects.create(
        name="网格员甲", jurisdiction=world.a.township, user=gw
    )
    id_a = citizen_id_for("A", 401)
    a = services.create_person(
        actor=officer(world),
        data=person_data(
            world, "A", n=1, citizen_id_number=id_a, phone_number=PHONE_A, helpers=[helper.pk]
        ),
    )
    a2 = services.create_person(actor=officer(world), data=person_data(world, "A", n=2))
    admin = world.admin
    officer_b = core_services.create_user(actor=admin, username="officer_b", password=PASSWORD)
    core_services.create_role_grant(
        actor=admin,
        data={"user": "officer_b", "role": "concern_officer", "jurisdiction": world.b.township.pk},
    )
    b = services.create_person(
        actor=officer_b, data=person_data(world, "B", n=3, phone_number=PHONE_B)
    )
    return Cast(a=a, a2=a2, b=b, id_a=id_a, helper=helper, officer_b=officer_b)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)
