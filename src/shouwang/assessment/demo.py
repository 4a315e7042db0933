"""Demo assessment of a township: a monthly village scheme with four outcome criteria and one
reward (一事一奖) awaiting a second person's approval, made through the services. Safe to run
again (matched by the scheme's name and the reward's reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shouwang.assessment import services
from shouwang.assessment.models import Adjustment, Scheme
from shouwang.core.models import Jurisdiction

SCHEME_NAME = "村（社区）平安建设月度考核"
REWARD_REASON = "提供盗割电缆线索，协助派出所破案（一事一奖）"

#: measure, maximum points, pass threshold (%)
CRITERIA: list[tuple[str, str, str]] = [
    ("hazards_on_time", "30", "60"),
    ("disputes_resolved", "30", ""),
    ("visits_done", "20", ""),
    ("duty_attendance", "20", "80"),
]


def load_demo_assessment(actor: Any, township: Jurisdiction) -> Scheme:
    """The township's village scheme (created once) and one reward for its first village."""
    scheme = Scheme.objects.filter(jurisdiction=township, name=SCHEME_NAME).first()
    if scheme is None:
        scheme = services.create_scheme(
            actor=actor,
            data={
                "jurisdiction": township.pk,
                "name": SCHEME_NAME,
                "subject_kind": "village",
                "period_kind": "month",
                "total_points": "100",
                "veto_kinds": [
                    "terror",
                    "major_crime",
                    "mass_blocking",
                    "train_accident",
                    "mass_casualty",
                ],
                "active": True,
                "note": "按结果考核：隐患按期整改、矛盾纠纷化解、重点人员走访、勤务到岗。",
            },
        )
    have = set(scheme.criteria.values_list("measure", flat=True))
    for order, (measure, points, threshold) in enumerate(CRITERIA, start=1):
        if measure in have:
            continue
        services.create_criterion(
            actor=actor,
            data={
                "scheme": scheme.pk,
                "measure": measure,
                "max_points": points,
                "threshold": threshold,
                "sort_order": order,
            },
        )
    village = (
        Jurisdiction.objects.filter(path__startswith=township.path, level="village")
        .order_by("path")
        .first()
    )
    if (
        village is not None
        and not Adjustment.objects.filter(village=village, reason=REWARD_REASON).exists()
    ):
        day = timezone.localdate() - dt.timedelta(days=3)
        services.create_adjustment(
            actor=actor,
            data={
                "village": village.pk,
                "member": "",
                "team": "",
                "kind": "reward",
                "on_date": day.isoformat(),
                "points": "5",
                "reason": REWARD_REASON,
                "record_type": "",
                "record_id": "",
            },
        )
    return scheme
