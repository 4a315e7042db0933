"""Field work in the demo township: the seed's three checklists and two past patrol logs (one
written on the phone and confirmed by the leader, one handed in on paper and entered by the
office, waiting for confirmation), all made through the services. Safe to run again."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model

from shouwang.core.models import Jurisdiction
from shouwang.forces.models import Team
from shouwang.patrols import checklists, review, services
from shouwang.patrols.models import LogStatus, PatrolLog

BEIJING = dt.timezone(dt.timedelta(hours=8))
DEMO_NAMESPACE = uuid_lib.UUID("5b0c7a52-3f0e-4b8e-9a4c-6c1f0a9d2e11")
PAPER_PLACE = "高山留守区 · 走村入户（纸质日志补录）"


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


def _answers(checklist: Any, failed: Mapping[str, str]) -> dict[str, Any]:
    return {
        "checklist": checklist.pk,
        "items": [
            {
                "code": item["code"],
                "result": "fail" if item["code"] in failed else "pass",
                "note": failed.get(item["code"], ""),
            }
            for item in checklist.items
        ],
    }


def load_field_work(
    actor: Any, township: Jurisdiction, team: Team, routes: Mapping[str, Any]
) -> None:
    installed = checklists.install_standard_checklists(township, actor=actor)
    by_category = {c.category: c for c in installed}
    patrol, leader, office = _user("patrol"), _user("leader"), _user("office")
    members = list(team.members.order_by("pk"))
    if patrol is None or leader is None or office is None or len(members) < 3:
        return
    own = next((m for m in members if m.user_id == patrol.pk), members[0])
    others = [m for m in members if m.pk != own.pk]
    route = next(iter(routes.values()), None)

    # A night vehicle patrol written on the phone, handed in and confirmed by the leader.
    night_uuid = uuid_lib.uuid5(DEMO_NAMESPACE, "night-patrol-2026-11-03")
    if not PatrolLog.objects.filter(uuid=night_uuid).exists():
        outcome = services.save_patrol_log(
            actor=patrol,
            uuid=str(night_uuid),
            base_version=None,
            data={
                "duty": None,
                "team": team.pk,
                "post": None,
                "route": route.pk if route else None,
                "place": "场镇集中区 · 主街、农贸市场、车站",
                "method": "vehicle",
                "started_at": dt.datetime(2026, 11, 3, 19, 30, tzinfo=BEIJING).isoformat(),
                "ended_at": dt.datetime(2026, 11, 3, 21, 40, tzinfo=BEIJING).isoformat(),
                "attendance": [
                    {"member": own.pk, "status": "present", "substitute_for": None, "note": ""},
                    {
                        "member": others[0].pk,
                        "status": "present",
                        "substitute_for": None,
                        "note": "",
                    },
                    {
                        "member": others[1].pk,
                        "status": "late",
                        "substitute_for": None,
                        "note": "迟到 15 分钟",
                    },
                ],
                "checklists": [
                    _answers(
                        by_category["public_order"],
                        {"po-04": "新街 12 号出租房两户未备案，已告知房东本周内到派出所备案"},
                    )
                ],
                "findings": [
                    {"kind": "hazard", "text": "车站旁路灯两盏不亮，已报乡村建设办"},
                    {"kind": "dispute", "text": "农贸市场两摊主因占道发生口角，现场劝解平息"},
                    {"kind": "help_given", "text": "护送一名迷路老人回家"},
                ],
                "publicity": "沿街发放反诈骗宣传单 40 份，提醒商户关好门窗、夜间防盗",
                "notes": "天气晴，街面秩序总体平稳。",
                "submit": True,
                "client_updated_at": dt.datetime(2026, 11, 3, 21, 45, tzinfo=BEIJING).isoformat(),
            },
        )
        log = outcome.record
        if log is not None and log.status == LogStatus.SUBMITTED:
            review.confirm_log(log, actor=leader)

    # A visit round in the mountain villages, handed in on paper and typed in by the office.
    if not PatrolLog.objects.filter(team=team, place=PAPER_PLACE).exists():
        review.record_log_from_office(
            actor=office,
            data={
                "duty": None,
                "team": team.pk,
                "post": None,
                "route": None,
                "place": PAPER_PLACE,
                "method": "foot",
                "started_at": dt.datetime(2026, 11, 5, 9, 0, tzinfo=BEIJING).isoformat(),
                "ended_at": dt.datetime(2026, 11, 5, 12, 0, tzinfo=BEIJING).isoformat(),
                "attendance": [
                    {"member": own.pk, "status": "present", "substitute_for": None, "note": ""},
                    {
                        "member": others[1].pk,
                        "status": "present",
                        "substitute_for": None,
                        "note": "",
                    },
                ],
                "checklists": [
                    _answers(
                        by_category["fire_safety"],
                        {"fs-04": "独居老人王某家中私拉电线取暖，已劝其更换并报村委会跟进"},
                    )
                ],
                "findings": [
                    {
                        "kind": "person_met",
                        "text": "走访在册精神障碍患者 1 人，监护人在家，情况稳定",
                    },
                    {"kind": "dispute", "text": "两户宅基地界址纠纷，已报村调委会"},
                ],
                "publicity": "走村入户宣讲防诈骗、防火知识，发放宣传资料 25 份",
                "notes": "无手机信号，纸质日志由队员带回后录入。",
            },
        )
