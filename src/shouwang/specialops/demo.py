"""Demo data of special operations: `load_demo_specialops(actor, township)` (idempotent).

The township's security task for the 2026 Spring Festival (春节安保, 2026-02-10 – 2026-02-24,
level III over its first zones), started and ended, with the figures of four days and a
written summary. Running it again changes nothing. Level III without extra posts adds no duty
rules, so the demo's duty rules (and tests/rostering_app/test_demo_duty_rules.py) stay as the
seed describes them; the period is past anyway.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shouwang.areas.models import Zone
from shouwang.core.models import Jurisdiction
from shouwang.specialops import services
from shouwang.specialops.models import OperationStatus, SpecialOperation

NAME = "2026年春节安保"

#: (day, personnel deployed, vehicles, checks, people verified, vehicles checked, items
#: seized, incidents handled, note)
FIGURES: tuple[tuple[str, int, int, int, int, int, int, int, str], ...] = (
    ("2026-02-15", 42, 6, 18, 260, 75, 3, 1, "除夕前夜场镇集中清查"),
    ("2026-02-16", 55, 8, 22, 410, 96, 5, 2, "除夕：烟花爆竹检查，劝离违规燃放2起"),
    ("2026-02-17", 61, 8, 25, 530, 120, 2, 1, "春节当天：赶场人流高峰，增设临时检查点"),
    ("2026-02-18", 38, 5, 15, 220, 64, 1, 0, ""),
)

SUMMARY = (
    "春节安保期间，全镇每日平均出动巡防力量49人次、车辆7台次，"
    "开展治安检查80次，核查人员1420人次、车辆355台次，查获违禁物品11件，"
    "处置警情4起，辖区未发生重大案事件。"
)


def load_demo_specialops(actor: Any, township: Jurisdiction) -> list[SpecialOperation]:
    """The township's Spring Festival security task with four days of figures (see above)."""
    existing = SpecialOperation.objects.filter(jurisdiction=township, name=NAME).first()
    if existing is not None:
        return [existing]
    zones = list(
        Zone.objects.filter(jurisdiction__path__startswith=township.path).order_by("pk")[:2]
    )
    if not zones:
        return []
    with transaction.atomic():
        op = services.create_operation(
            actor=actor,
            data={
                "name": NAME,
                "kind": "security_task",
                "jurisdiction": township.pk,
                "start_date": "2026-02-10",
                "end_date": "2026-02-24",
                "zones": [z.pk for z in zones],
                "level": "level_3",
                "summary": "",
                "note": "春节、元宵期间重点时段：场镇集中区、车站、集市",
            },
        )
        services.start_operation(op, actor=actor)
        for day, people, vehicles, checks, verified, cars, seized, incidents, note in FIGURES:
            services.record_daily_figures(
                actor=actor,
                data={
                    "operation": op.pk,
                    "date": day,
                    "township": township.pk,
                    "person_turnouts": people,
                    "vehicle_turnouts": vehicles,
                    "checks": checks,
                    "people_verified": verified,
                    "vehicles_checked": cars,
                    "items_seized": seized,
                    "incidents_handled": incidents,
                    "note": note,
                },
            )
        services.end_operation(op, actor=actor)
        op = services.update_operation(op, actor=actor, data={"summary": SUMMARY})
    assert op.status == OperationStatus.ENDED
    return [op]
