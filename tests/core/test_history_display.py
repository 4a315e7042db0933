"""History entries read as people know the records: labels, choice names, object names."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import page_url
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from shouwang.assessment.measures import MEASURES
from shouwang.assessment.models import Criterion
from shouwang.core.audit import history_for, record_event
from shouwang.core.history import history_rows
from shouwang.disputes.models import Dispute, MediationLevel, MediationOutcome
from shouwang.rostering.models import Duty, DutyAssignment, Roster, RosterStatus

pytestmark = pytest.mark.django_db


def _rows(obj: Any) -> list[tuple[str, str, str]]:
    """The changes of the record's latest event, in Chinese."""
    with translation.override("zh-hans"):
        entry = history_rows(history_for(obj)[:1], type(obj))[0]
        return entry["changes"]


def _by_label(rows: list[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    return {label: (before, after) for label, before, after in rows}


def _label(model: Any, name: str) -> str:
    with translation.override("zh-hans"):
        return str(model._meta.get_field(name).verbose_name)


def _duty(world: Any, day: int) -> Duty:
    start = dt.datetime(2026, 3, day, 8, tzinfo=timezone.get_current_timezone())
    return Duty.objects.create(
        roster=world.a.roster,
        post=world.a.post,
        date=start.date(),
        start=start,
        end=start + dt.timedelta(hours=4),
    )


def _assign(world: Any, duty: Duty) -> None:
    record_event(
        "rostering.roster.assigned",
        actor=world.admin,
        target=world.a.roster,
        after={"duty": duty.pk, "date": duty.date.isoformat(), "member": world.a.member.pk},
    )


def test_field_key_shows_verbose_name_and_choice_label(world: Any) -> None:
    roster = world.a.roster
    record_event(
        "rostering.roster.changed",
        actor=world.admin,
        target=roster,
        before={"status": RosterStatus.DRAFT},
        after={"status": RosterStatus.PUBLISHED},
    )
    rows = _by_label(_rows(roster))
    with translation.override("zh-hans"):
        expected = (str(RosterStatus.DRAFT.label), str(RosterStatus.PUBLISHED.label))
    assert rows[_label(Roster, "status")] == expected
    assert "status" not in rows


def test_fk_ids_of_a_hand_assignment_show_the_objects(world: Any) -> None:
    duty = _duty(world, 2)
    _assign(world, duty)
    rows = _by_label(_rows(world.a.roster))
    assert rows[_label(DutyAssignment, "member")] == ("—", str(world.a.member))
    assert rows[_label(Duty, "date")] == ("—", "2026-03-02")
    assert ("—", str(duty)) in rows.values()
    assert not {"duty", "member", "date"} & set(rows)


def test_unknown_keys_and_odd_payloads_show_raw(world: Any) -> None:
    roster = world.a.roster
    record_event(
        "rostering.roster.changed",
        actor=world.admin,
        target=roster,
        after={"mystery_key": "abc", "nested": {"a": 1}},
    )
    rows = _by_label(_rows(roster))
    assert rows["mystery_key"] == ("—", "abc")
    assert rows["nested"] == ("—", "a：1")
    # A payload that is no dict at all (written long ago) is shown without changes.
    record_event("rostering.roster.changed", actor=world.admin, target=roster, after=["x"])
    assert _rows(roster) == []


def test_partial_payload_keys_of_a_dispute_read_as_choices(world: Any) -> None:
    dispute = world.a.extra["dispute"]
    record_event(
        "disputes.dispute.changed",
        actor=world.admin,
        target=dispute,
        before={"title": dispute.title, "status": dispute.status},
        after={"level": "village", "round": 1, "outcome": "no_agreement"},
    )
    rows = _rows(dispute)
    with translation.override("zh-hans"):
        level = str(MediationLevel.VILLAGE.label)
        outcome = str(MediationOutcome.NO_AGREEMENT.label)
    afters = [after for _label_, _before, after in rows]
    assert level in afters and outcome in afters
    # Keys left out of `after` were not changed: the title is not listed as emptied.
    assert _label(Dispute, "title") not in _by_label(rows)


def test_criterion_code_shows_title_with_points(world: Any, login: Any) -> None:
    criterion: Criterion = world.a.extra["criterion"]
    record_event(
        "assessment.criterion.changed",
        actor=world.admin,
        target=criterion,
        before={"measure": "duty_attendance", "max_points": "10.00"},
        after={"measure": "hazards_on_time", "max_points": "30.00"},
    )
    with translation.override("zh-hans"):
        old = str(MEASURES["duty_attendance"].label)
        new = str(MEASURES["hazards_on_time"].label)
        title = str(criterion)
    rows = _by_label(_rows(criterion))
    assert rows[_label(Criterion, "measure")] == (old, new)
    assert rows[_label(Criterion, "max_points")] == ("10", "30")
    assert old in title and "(10)" in title and "duty_attendance" not in title
    html = login("township_staff").get(page_url("assessment-criteria", criterion.pk))
    text = html.content.decode()
    assert new in text and "hazards_on_time" not in text


def test_queries_do_not_grow_with_history_entries(world: Any, login: Any) -> None:
    client = login("township_staff")
    url = page_url("rosters", world.a.roster.pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _assign(world, _duty(world, 1))
    client.get(url)  # warm caches (content types, sessions)
    few = queries()
    for day in range(2, 26):
        _assign(world, _duty(world, day))
    assert queries() <= few
