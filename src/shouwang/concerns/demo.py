"""Demo people of concern in a township: four fake people at different levels with helpers
and a few visits (one red-level person overdue), all made through the services. Identity
numbers are synthetic but pass the checksum. Safe to run again (matched by blind index)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shouwang.concerns import services, workflow
from shouwang.concerns.models import AttentionLevel, PersonOfConcern, VisitForm
from shouwang.core import crypto
from shouwang.core.models import CodeItem, Jurisdiction, RoleGrant
from shouwang.core.scoping import can, forget_grants
from shouwang.core.validators import make_citizen_id
from shouwang.forces.models import Member

OFFICER_ROLE = "concern_officer"

# name, gender, birth, category, level, days since registration, visits (days ago, form, text)
PEOPLE: list[tuple[str, str, dt.date, str, str, int, list[tuple[int, str, str]]]] = [
    (
        "王某强",
        "male",
        dt.date(1979, 3, 14),
        "released_prisoner",
        AttentionLevel.RED,
        40,
        [(12, VisitForm.HOME, "在家务农，情绪平稳；已联系村里安排务工。")],
    ),
    (
        "李某芳",
        "female",
        dt.date(1986, 11, 2),
        "severe_mental_patient",
        AttentionLevel.YELLOW,
        120,
        [
            (20, VisitForm.FACE_TO_FACE, "按时服药，监护人在家。"),
            (50, VisitForm.PHONE, "电话随访。"),
        ],
    ),
    (
        "张某",
        "male",
        dt.date(1968, 7, 21),
        "livestock_keeper",
        AttentionLevel.BLUE,
        200,
        [(35, VisitForm.HOME, "牛羊已圈养，护网外无放牧。")],
    ),
    (
        "赵某军",
        "male",
        dt.date(2008, 1, 9),
        "at_risk_youth",
        AttentionLevel.YELLOW,
        10,
        [],
    ),
]


def _ensure_grant(actor: Any, township: Jurisdiction) -> None:
    """The demo administrator grants himself the officer role (audited): a superuser's flag
    alone does not reach people of concern."""
    if can(actor, PersonOfConcern, "add"):
        return
    from shouwang.core import services as core_services

    if not RoleGrant.objects.filter(
        user=actor, role__key=OFFICER_ROLE, jurisdiction=township
    ).exists():
        core_services.create_role_grant(
            actor=actor,
            data={"user": actor.get_username(), "role": OFFICER_ROLE, "jurisdiction": township.pk},
        )
    forget_grants(actor)


def load_demo_people(actor: Any, township: Jurisdiction) -> list[PersonOfConcern]:
    """Create (or find) the demo people of `township`; returns them."""
    _ensure_grant(actor, township)
    villages = list(
        Jurisdiction.objects.filter(path__startswith=township.path, level="village").order_by(
            "stat_division_code"
        )
    )
    if not villages:
        return []
    members = list(
        Member.objects.filter(jurisdiction__path__startswith=township.path).order_by("pk")[:4]
    )
    today = timezone.localdate()
    region = township.stat_division_code[:6]
    out: list[PersonOfConcern] = []
    for index, (name, gender, birth, category, level, age, visits) in enumerate(PEOPLE):
        number = make_citizen_id(region, birth, 300 + index)
        existing = PersonOfConcern.objects.filter(citizen_id_digest=crypto.blind_index(number))
        if existing.exists():
            out.append(existing.get())
            continue
        village = villages[index % len(villages)]
        helpers = [m.pk for m in members[index % max(len(members), 1) :][:1]] if members else []
        data = {
            "name": name,
            "gender": gender,
            "birth_date": birth.isoformat(),
            "jurisdiction": village.pk,
            "address": f"{village.name}{index + 3}组{index * 7 + 11}号",
            "category": CodeItem.objects.get(code_list__key="concern_category", code=category).pk,
            "attention_level": level,
            "helpers": helpers,
            "registered_on": (today - dt.timedelta(days=age)).isoformat(),
            "citizen_id_number": number,
            "phone_number": f"139{index:04d}{5678 + index:04d}",
        }
        person = services.create_person(actor=actor, data=data)
        for days_ago, form, text in sorted(visits, reverse=True):
            services.record_visit(
                person,
                actor=actor,
                visited_on=today - dt.timedelta(days=days_ago),
                form=form,
                situation=text,
                visitor=members[0] if members else None,
            )
        out.append(person)
    # One open request, so the inbox shows an approval task.
    youth = out[-1]
    if not youth.level_changes.exists():
        workflow.request_level_change(
            youth,
            actor=actor,
            to_level=AttentionLevel.BLUE,
            reason="近三个月表现良好，建议降为一般关注。",
        )
    return out
