"""Demo data of railway protection: `load_demo_railway(actor, township)` (idempotent).

Joint-household representatives (爱路护路联户代表) in the township's railway villages (the
villages the demo's railway runs through: 栗子村, 栗子社区, 金龙村, 复兴村; elsewhere the first
two villages), each with a few activities of the last weeks, and two incidents last month:
a buffalo on the line in 金龙村 (the third railway village) and a farmer planting inside the
fence in the first. Running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from shouwang.areas.models import LineKind, Segment
from shouwang.core.models import Jurisdiction, JurisdictionLevel
from shouwang.forces.models import Member
from shouwang.railway import services
from shouwang.railway.models import (
    HouseholdRepresentative,
    IncidentKind,
    RailwayIncident,
    RepresentativeActivity,
)

RAILWAY_VILLAGES = ("栗子村", "栗子社区", "金龙村", "复兴村")

# (village index, name, phone, villager group, households,
#  [(days ago, activity kind, what was done)])
REPRESENTATIVES: list[tuple[int, str, str, str, int, list[tuple[int, str, str]]]] = [
    (
        0,
        "王德明",
        "13896501231",
        "3组",
        12,
        [
            (3, "patrol", "沿K262+300至K263+100步巡，护网完好"),
            (17, "publicity", "入户宣传《铁路安全管理条例》，发放资料12份"),
        ],
    ),
    (
        0,
        "刘桂芳",
        "13896501232",
        "5组",
        10,
        [(9, "help", "看望铁路沿线留守老人2户，提醒不上道捡拾物品")],
    ),
    (
        1,
        "陈建国",
        "13896501233",
        "2组",
        15,
        [
            (5, "dissuasion", "劝阻2名学生在场镇道口附近铁路边玩耍"),
            (24, "publicity", "赶场天在场镇设点宣传爱路护路"),
        ],
    ),
    (
        2,
        "张福贵",
        "13896501234",
        "1组",
        11,
        [
            (6, "hazard_report", "发现栗子河特大桥下堆放杂物，已报护路办"),
            (20, "patrol", "大牲畜养殖户走访，督促圈养"),
        ],
    ),
    (
        3,
        "谢大勇",
        "13896501235",
        "4组",
        9,
        [(12, "publicity", "召开院坝会，讲解不得在护网内放牧耕种")],
    ),
]


def _month_before(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _villages(township: Jurisdiction) -> list[Jurisdiction]:
    villages = list(
        Jurisdiction.objects.filter(
            path__startswith=township.path, level=JurisdictionLevel.VILLAGE
        ).order_by("path")
    )
    by_name = {v.name: v for v in villages}
    named = [by_name[n] for n in RAILWAY_VILLAGES if n in by_name]
    return named or villages[:2]


def _segment_for(village: Jurisdiction, township: Jurisdiction) -> Segment | None:
    segments = list(
        Segment.objects.filter(
            line_kind=LineKind.RAILWAY, jurisdiction__path__startswith=township.path
        ).order_by("start_m", "pk")
    )
    for segment in segments:
        if village.name in segment.name or village.name in segment.note:
            return segment
    return segments[0] if segments else None


def _incident(actor: Any, data: dict[str, Any], village: Jurisdiction) -> RailwayIncident:
    existing = RailwayIncident.objects.filter(
        jurisdiction=village, kind=data["kind"], occurred_at=data["occurred_at"]
    ).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    return services.create_incident(actor=actor, data={**data, "jurisdiction": village.pk})


def load_demo_railway(actor: Any, township: Jurisdiction) -> list[HouseholdRepresentative]:
    """Representatives with activities and two incidents of last month (see module doc)."""
    villages = _villages(township)
    if not villages:
        return []
    today = timezone.localdate()
    reporter = (
        Member.objects.filter(jurisdiction__path__startswith=township.path).order_by("pk").first()
    )
    representatives: list[HouseholdRepresentative] = []
    with transaction.atomic():
        for index, name, phone, group, households, activities in REPRESENTATIVES:
            village = villages[index % len(villages)]
            segment = _segment_for(village, township)
            rep = HouseholdRepresentative.objects.filter(jurisdiction=village, name=name).first()
            if rep is None:
                rep = services.create_representative(
                    actor=actor,
                    data={
                        "jurisdiction": village.pk,
                        "name": name,
                        "phone": phone,
                        "villager_group": group,
                        "households": households,
                        "segment": segment.pk if segment else "",
                        "appointed_on": "2024-03-01",
                        "status": "active",
                        "note": "",
                    },
                )
            representatives.append(rep)
            for days_ago, kind, text in activities:
                day = today - dt.timedelta(days=days_ago)
                if RepresentativeActivity.objects.filter(
                    representative=rep, description=text
                ).exists():
                    continue
                services.create_activity(
                    actor=actor,
                    data={
                        "representative": rep.pk,
                        "done_on": day.isoformat(),
                        "kind": kind,
                        "description": text,
                    },
                )

        month = _month_before(today)
        tz = timezone.get_current_timezone()
        livestock_village = villages[min(2, len(villages) - 1)]
        farming_village = villages[0]
        for village, day_of_month, hour, kind, text, handling, chainage in (
            (
                livestock_village,
                9,
                17,
                IncidentKind.LIVESTOCK,
                "村民放养的水牛钻过破损护网进入线路，D2264次列车紧急制动，未造成伤亡",
                "联户代表与护路队员将水牛赶出防护区域，找到养殖户教育并责令圈养；护网已修复",
                "K267+450",
            ),
            (
                farming_village,
                20,
                10,
                IncidentKind.ILLEGAL_FARMING,
                "村民在铁路护网内侧开荒种植玉米约30平方米",
                "村两委和联户代表上门劝导，村民已自行铲除",
                "K262+800",
            ),
        ):
            moment = timezone.make_aware(
                dt.datetime.combine(month.replace(day=day_of_month), dt.time(hour, 0)), tz
            )
            segment = _segment_for(village, township)
            _incident(
                actor,
                {
                    "segment": segment.pk if segment else "",
                    "chainage": chainage,
                    "occurred_at": moment,
                    "kind": kind,
                    "deaths": 0,
                    "injuries": 0,
                    "description": text,
                    "handling": handling,
                    "police_case_number": "",
                    "reported_by": reporter.pk if reporter else "",
                },
                village,
            )
    return representatives
