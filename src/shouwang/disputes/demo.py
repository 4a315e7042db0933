"""Demo data of the dispute register: `load_demo_disputes(actor, township)` (idempotent).

Screenings of the last two weeks in the township's first village (one a zero report) and three
files: one being mediated (found in a screening), one resolved with a written agreement and a
follow-up visit made, one referred to the court. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from shouwang.core.models import CodeItem, Jurisdiction
from shouwang.disputes import services, workflow
from shouwang.disputes.models import Dispute, DisputeParty, Screening, week_start
from shouwang.forces.models import Member, Organisation

TITLES = ("宅基地边界纠纷", "拖欠务工工资纠纷", "铁路沿线放牧赔偿纠纷")


def _category(code: str) -> CodeItem:
    item = CodeItem.objects.filter(code_list__key="dispute_category", code=code).first()
    return item or CodeItem.objects.filter(code_list__key="dispute_category").first()  # type: ignore[return-value]


def _file(
    actor: Any,
    village: Jurisdiction,
    title: str,
    category: str,
    registered_on: dt.date,
    **extra: Any,
) -> Dispute:
    existing = Dispute.objects.filter(jurisdiction=village, title=title).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    unit = Organisation.objects.filter(jurisdiction__path__startswith=village.parent.path).first()  # type: ignore[union-attr]
    person = Member.objects.filter(jurisdiction__path__startswith=village.parent.path).first()  # type: ignore[union-attr]
    data = {
        "jurisdiction": village.pk,
        "title": title,
        "category": _category(category).pk,
        "people_involved": 2,
        "risk_level": "low",
        "source": "walk_in",
        "source_record": "来访登记",
        "registered_on": registered_on.isoformat(),
        "responsible_unit": unit.pk if unit else "",
        "responsible_person": person.pk if person else "",
        "plan": "村调委会调解，必要时提交镇调委会",
        "expected_result": "双方达成调解协议，矛盾不上交",
        **extra,
    }
    return services.create_dispute(actor=actor, data=data)


def _party(dispute: Dispute, name: str, role: str, phone: str = "") -> None:
    if dispute.parties.filter(name=name).exists():
        return
    party = DisputeParty(dispute=dispute, name=name, role=role)
    party.set_phone(phone)
    party.save()


def load_demo_disputes(actor: Any, township: Jurisdiction) -> list[Dispute]:
    """Screenings and three dispute files in the township's first village (see module doc)."""
    village = (
        Jurisdiction.objects.filter(path__startswith=township.path, level="village")
        .order_by("path")
        .first()
    )
    if village is None:
        return []
    today = timezone.localdate()
    last_week = week_start(today) - dt.timedelta(days=7)
    with transaction.atomic():
        screenings = []
        for week, found in ((last_week - dt.timedelta(days=7), 0), (last_week, 1)):
            screening = Screening.objects.filter(village=village, week=week).first()
            if screening is None:
                screening = services.create_screening(
                    actor=actor,
                    data={
                        "village": village.pk,
                        "week": week.isoformat(),
                        "screened_on": (week + dt.timedelta(days=1)).isoformat(),
                        "disputes_found": found,
                        "note": "" if found else "本周未排查出矛盾纠纷",
                    },
                )
            screenings.append(screening)

        mediating = _file(
            actor,
            village,
            TITLES[0],
            "housing_homestead",
            last_week + dt.timedelta(days=1),
            source="screening",
            screening=screenings[1].pk,
            risk_level="medium",
            description="两户因宅基地边界围墙发生争执，曾有推搡",
            civil_to_criminal=True,
            civil_to_criminal_note="一方扬言报复，需防止民转刑",
        )
        _party(mediating, "李明", "applicant", "13800138001")
        _party(mediating, "张强", "respondent", "13900139002")
        if mediating.status == workflow.S.REGISTERED:
            workflow.record_session(
                mediating,
                actor=actor,
                held_on=last_week + dt.timedelta(days=2),
                level="village",
                participants="李明、张强、村调解员",
                summary="双方陈述意见，约定实地测量后再调",
                outcome="no_agreement",
            )

        start = today - dt.timedelta(days=25)
        resolved = _file(
            actor,
            village,
            TITLES[1],
            "labour",
            start,
            description="务工人员讨要工资 8,600 元",
        )
        _party(resolved, "王芳", "applicant", "13700137003")
        _party(resolved, "某建筑劳务队", "respondent")
        if resolved.status == workflow.S.REGISTERED:
            day = start + dt.timedelta(days=5)
            workflow.record_investigation(
                resolved, actor=actor, text="核对考勤表与工资条", investigated_on=day
            )
            workflow.record_session(
                resolved,
                actor=actor,
                held_on=day,
                level="village",
                participants="王芳、劳务队负责人、村调解员",
                summary="核对工资，劳务队同意分两次支付",
                outcome="agreement",
            )
            workflow.record_agreement(
                resolved, actor=actor, terms="劳务队于十日内分两次付清工资 8,600 元", signed_on=day
            )
            resolved = workflow.resolve_dispute(resolved, actor=actor, resolved_on=day)
            first = resolved.follow_ups.order_by("due_on").first()
            if first is not None and first.due_on <= today:
                workflow.record_follow_up(
                    resolved,
                    actor=actor,
                    finding="stable",
                    visited_on=first.due_on,
                    note="工资已付清，双方无异议",
                    follow_up=first,
                )

        referred = _file(
            actor,
            village,
            TITLES[2],
            "railway_related",
            today - dt.timedelta(days=12),
            description="放牧牛只上道被撞，养殖户要求赔偿",
            risk_level="high",
        )
        _party(referred, "赵大", "applicant")
        if referred.status == workflow.S.REGISTERED:
            workflow.record_session(
                referred,
                actor=actor,
                held_on=today - dt.timedelta(days=10),
                level="township",
                participants="赵大、铁路方代表、镇调解员",
                summary="赔偿数额分歧大，建议诉讼",
                outcome="no_agreement",
            )
            referred = workflow.refer_dispute(
                referred, actor=actor, target="court", note="引导当事人向法院起诉"
            )
    return [Dispute.objects.get(pk=d.pk) for d in (mediating, resolved, referred)]
