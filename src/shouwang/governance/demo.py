"""Demo data of governance: `load_demo_governance(actor, township)` (idempotent).

A first-aid training held last month; the railway accident emergency plan (铁路交通事故应急预案)
with version 1 in force since 1 January; a drill against it held about a month ago, its review
meeting the next day with one finding (now past its deadline, so it shows in the office's
tasks); this year's responsibility pledges of the first two villages (the first signed with
its signed copy, the second drafted) — or of one village and one member unit when the township
has a single village. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shouwang.core.models import Jurisdiction
from shouwang.forces.models import Member, Organisation
from shouwang.governance import services
from shouwang.governance.models import (
    DrillFinding,
    DrillReview,
    EmergencyPlan,
    PlanVersionStatus,
    ResponsibilityPledge,
    SessionKind,
    Training,
    TrainingStatus,
)

DEMO_NOTE = "演示数据"
PLAN_NAME = "铁路交通事故应急预案"
TARGETS = "九无（无命案、无重大刑事案件、无重大治安案件……）\n杜绝路外伤亡事故\n矛盾纠纷不出村"
#: A one-page PDF standing in for the scanned, signed pledge.
SIGNED_COPY = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _at(day: dt.date, hour: int) -> str:
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())
    return moment.isoformat()


def _session(actor: Any, township: Jurisdiction, kind: str, day: dt.date, **data: Any) -> Training:
    existing = Training.objects.filter(jurisdiction=township, kind=kind, note=DEMO_NOTE).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    training = services.create_training(
        actor=actor,
        data={
            "jurisdiction": township.pk,
            "kind": kind,
            "topic_other": "",
            "starts_at": _at(day, 9),
            "materials": "",
            "note": DEMO_NOTE,
            "plan_version": "",
            **data,
        },
    )
    return services.hold_training(training, actor=actor)


def _plan(actor: Any, township: Jurisdiction, today: dt.date) -> Any:
    plan = EmergencyPlan.objects.filter(jurisdiction=township, name=PLAN_NAME).first()
    if plan is None:
        plan = services.create_plan(
            actor=actor,
            data={
                "jurisdiction": township.pk,
                "name": PLAN_NAME,
                "scenario": "railway",
                "note": "与车务段、工务段、派出所共同执行",
            },
        )
    version = plan.versions.exclude(status=PlanVersionStatus.DRAFT).order_by("number").first()
    if version is None:
        version = services.create_plan_version(
            actor=actor,
            data={
                "plan": plan.pk,
                "content": (
                    "一、总则：适用于辖区铁路沿线发生列车撞人、路外伤亡、危及行车安全等事件。\n"
                    "二、组织体系：镇平安办牵头，派出所、护路联防队、村（社区）配合。\n"
                    "三、响应程序：发现即报告（110、车站值班室），现场警戒，疏散群众，"
                    "配合铁路部门处置。\n"
                    "四、保障措施：应急物资、通讯联络、培训演练。"
                ),
                "effective_from": today.replace(month=1, day=1).isoformat(),
                "change_summary": "首次制定",
                "approved_by": "镇党委会议",
                "addresses": [],
            },
        )
        version = services.adopt_plan_version(version, actor=actor)
    return version


def _pledge(actor: Any, township: Jurisdiction, year: int, sign: bool, **side: Any) -> None:
    key = {k: v for k, v in side.items() if v is not None}
    if ResponsibilityPledge.objects.filter(jurisdiction=township, year=year, **key).exists():
        return
    pledge = services.create_pledge(
        actor=actor,
        data={
            "jurisdiction": township.pk,
            "year": year,
            "village": side["village"].pk if side.get("village") else "",
            "unit": side["unit"].pk if side.get("unit") else "",
            "targets": TARGETS,
            "signatories": "镇长；村党支部书记、村委会主任",
        },
    )
    if sign:
        services.sign_pledge(
            pledge,
            actor=actor,
            signed_on=min(dt.date(year, 1, 10), timezone.localdate()),
            upload=ContentFile(SIGNED_COPY, name="signed.pdf"),
        )


def load_demo_governance(actor: Any, township: Jurisdiction) -> list[Any]:
    """A held training, a drill against an emergency plan with its review and one finding,
    and this year's pledges with two villages (see the module doc). Returns what it made or
    found."""
    today = timezone.localdate()
    with transaction.atomic():
        training = _session(
            actor,
            township,
            SessionKind.TRAINING,
            today.replace(day=1) - dt.timedelta(days=20),
            topic="first_aid",
            place="镇综治中心会议室",
            organiser="镇卫生院医生",
        )
        version = _plan(actor, township, today)
        drill = _session(
            actor,
            township,
            SessionKind.DRILL,
            today - dt.timedelta(days=30),
            topic="safety",
            place="铁路沿线3号道口",
            organiser="镇平安办",
            plan_version=version.pk,
        )
        review = DrillReview.objects.filter(drill=drill).first()
        if review is None and drill.status == TrainingStatus.HELD:
            review = services.create_review(
                actor=actor,
                data={
                    "drill": drill.pk,
                    "held_on": (
                        timezone.localdate(drill.starts_at) + dt.timedelta(days=1)
                    ).isoformat(),
                    "participants": "镇平安办、派出所、护路联防队、车站值班员、沿线村干部",
                    "summary": "现场复盘：报警及时，警戒到位；疏散指示不清，通讯联络有延误。",
                },
            )
        if review is not None and not DrillFinding.objects.filter(review=review).exists():
            unit = Organisation.objects.filter(jurisdiction__path__startswith=township.path)
            person = Member.objects.filter(jurisdiction__path__startswith=township.path)
            first_unit, first_person = unit.order_by("pk").first(), person.order_by("pk").first()
            services.create_finding(
                actor=actor,
                data={
                    "review": review.pk,
                    "text": "道口疏散指示牌缺失，群众疏散方向不清",
                    "owner_unit": first_unit.pk if first_unit else "",
                    "owner_person": first_person.pk if first_person else "",
                    "deadline": (review.held_on + dt.timedelta(days=14)).isoformat(),
                },
            )
        villages = list(
            Jurisdiction.objects.filter(path__startswith=township.path, level="village").order_by(
                "path"
            )[:2]
        )
        if villages:
            _pledge(actor, township, today.year, True, village=villages[0])
        if len(villages) > 1:
            _pledge(actor, township, today.year, False, village=villages[1])
        else:
            unit = (
                Organisation.objects.filter(jurisdiction__path__startswith=township.path)
                .order_by("pk")
                .first()
            )
            if unit is not None:
                _pledge(actor, township, today.year, False, unit=unit)
    return [training, version, drill, review]
