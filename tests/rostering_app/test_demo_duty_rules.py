"""The demo township's duty rules (seed 001) and a draft roster planned from them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from shouwang.core.models import Jurisdiction
from shouwang.demo.township import load_demo
from shouwang.forces.models import Team
from shouwang.rostering import adapter, services
from shouwang.rostering.models import DutyAssignment, DutyRule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

KEEP = {"core.codelist", "core.codeitem", "core.role"}


@pytest.fixture(autouse=True)
def empty_db(db: None, settings: Any) -> None:
    """As in tests/demo: the shared test world would clash with the demo's natural keys."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        ours = model._meta.app_config.name.startswith("shouwang.")
        users = label == "auth.user" or label.startswith(("auth.user_", "admin."))
        if (ours or users or model._meta.app_label == "sessions") and label not in KEEP:
            model._base_manager.all()._raw_delete(model._base_manager.db)
    assert not Jurisdiction.objects.exists()
    assert not get_user_model().objects.exists()


def test_demo_rules_are_loaded_once_and_plan_a_month() -> None:
    load_demo()
    rules = {(r.post.name, r.recurrence): r for r in DutyRule.objects.select_related("post")}
    rail = [
        (f"{s}护路巡逻", "train_passages")
        for s in ("渝利铁路栗子村段", "渝利铁路场镇段", "渝利铁路复兴村段")
    ]
    assert set(rules) == {
        ("中心校护学岗", "school_days"),
        ("中学护学岗（周五）", "school_days"),
        ("中学护学岗（周日）", "school_days"),
        ("场镇夜巡岗", "daily"),
        ("逢三六九街面岗", "market_days"),
        ("逢三六九街面岗", "key_periods"),
        ("企业区巡逻", "weekly"),
        ("高山走村入户", "monthly"),
        ("渝利铁路场镇段护路巡逻", "weather"),
        *rail,
    }
    gate = rules[("中心校护学岗", "school_days")]
    assert gate.effective_start() == dt.time(16, 0) and gate.effective_lead() == 20
    nov = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    # School days of the 2026 autumn term: Monday to Friday, dismissal at 16:00.
    gate_days = adapter.rule_dates(gate, *nov)
    assert gate_days and {d.isoweekday() for d in gate_days} <= {1, 2, 3, 4, 5}
    assert adapter.window(gate, gate_days[0]).start.time() == dt.time(15, 40)
    friday = rules[("中学护学岗（周五）", "school_days")]
    assert {d.isoweekday() for d in adapter.rule_dates(friday, *nov)} == {5}
    sunday = rules[("中学护学岗（周日）", "school_days")]
    sunday_days = adapter.rule_dates(sunday, *nov)
    assert {d.isoweekday() for d in sunday_days} == {7}
    assert adapter.window(sunday, sunday_days[0]).start.time() == dt.time(13, 40)
    # No school in the winter vacation.
    assert adapter.rule_dates(gate, dt.date(2027, 1, 25), dt.date(2027, 2, 19)) == []
    assert rules[("场镇夜巡岗", "daily")].effective_start() == dt.time(20, 0)
    market = rules[("逢三六九街面岗", "market_days")]
    assert [d.day for d in adapter.rule_dates(market, *nov)] == [1, 4, 7, 11, 14, 17, 21, 24, 27]
    enterprise = adapter.rule_dates(rules[("企业区巡逻", "weekly")], *nov)
    assert enterprise and not set(enterprise) & set(adapter.rule_dates(market, *nov))
    # The Spring Festival security period calls the street post out every day of it.
    festival = adapter.rule_dates(
        rules[("逢三六九街面岗", "key_periods")], dt.date(2027, 2, 1), dt.date(2027, 2, 28)
    )
    assert {dt.date(2027, 2, d) for d in range(1, 15)} <= set(festival)
    train = rules[("渝利铁路场镇段护路巡逻", "train_passages")]
    train_days = adapter.rule_dates(train, *nov)
    assert len(train_days) == 30
    assert adapter.window(train, train_days[0]).start.time() == dt.time(8, 29)
    weather = adapter.rule_dates(rules[("渝利铁路场镇段护路巡逻", "weather")], *nov)
    assert weather == [dt.date(2026, 11, 18), dt.date(2026, 11, 19)]

    load_demo()
    assert DutyRule.objects.count() == len(rules)

    admin = get_user_model().objects.get(username="admin")
    team = Team.objects.get(name="栗子乡专（兼）职巡防队")
    roster = services.generate_draft_roster(
        actor=admin, team=team, month=dt.date(2026, 11, 1), time_limit_s=5
    )
    rows = list(DutyAssignment.objects.filter(duty__roster=roster).select_related("duty"))
    assert rows
    assert max(Counter((a.member_id, a.duty.date) for a in rows).values()) == 1
    team_members = set(team.members.values_list("pk", flat=True))
    assert {a.member_id for a in rows} <= team_members
