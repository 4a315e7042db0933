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
    rules = {r.post.name: r for r in DutyRule.objects.select_related("post")}
    assert set(rules) == {
        "中心校护学岗",
        "中学护学岗（周五）",
        "中学护学岗（周日）",
        "场镇夜巡岗",
        "逢三六九街面岗",
    }
    gate = rules["中心校护学岗"]
    assert gate.effective_start() == dt.time(16, 0) and gate.effective_lead() == 20
    assert rules["中学护学岗（周五）"].weekdays == [5]
    assert rules["中学护学岗（周日）"].effective_start() == dt.time(14, 0)
    assert rules["场镇夜巡岗"].effective_start() == dt.time(20, 0)
    market = rules["逢三六九街面岗"]
    nov = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert [d.day for d in adapter.rule_dates(market, *nov)] == [1, 4, 7, 11, 14, 17, 21, 24, 27]

    load_demo()
    assert DutyRule.objects.count() == 5

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
