"""The duties' and logs' tallies (patrols.tallies) follow every change of the facts.

Each step goes through the services the phone and the leader use; after each one the stored
tallies equal what the logs, attendance rows and assignments say (`tallies.stale()` is empty)
and have the expected values.
"""

from __future__ import annotations

from typing import Any

from patrols.field_helpers import log_payload, make_duty, new_uuid, patrol_user, team_member
from shouwang.patrols import review, services, tallies
from shouwang.patrols.models import PatrolLog
from shouwang.rostering.models import Duty


def _duty(pk: int) -> tuple[bool, int, int]:
    duty = Duty.objects.get(pk=pk)
    return duty.covered, duty.assigned_count, duty.attended_count


def _turnouts(uuid: str) -> int:
    return PatrolLog.objects.get(uuid=uuid).turnouts


def _save(actor: Any, uuid: str, data: dict[str, Any], base: int | None) -> int:
    outcome = services.save_patrol_log(actor=actor, uuid=uuid, data=data, base_version=base)
    assert outcome.status == services.SAVED, outcome.errors
    assert not tallies.stale()
    return int(outcome.version)


def test_log_lifecycle_keeps_duty_and_log_tallies(world: Any) -> None:
    helper = team_member(world, 7, "统计队员")
    duty = make_duty(world, members=[world.a.member, helper])
    other = make_duty(world, members=[world.a.member])
    tallies.rebuild()  # the duties above are test setup written directly
    assert _duty(duty.pk) == (False, 2, 0)
    user = patrol_user(world)
    uuid = new_uuid()
    data = log_payload(duty)

    # An open log is not handed in: the duty is not covered yet, but the log has turnouts.
    version = _save(user, uuid, data, None)
    assert _duty(duty.pk) == (False, 2, 0)
    assert _turnouts(uuid) == 2

    # Handed in, one member late and one absent.
    data["attendance"][1]["status"] = "absent"
    data["attendance"][0]["status"] = "late"
    data["submit"] = True
    version = _save(user, uuid, data, version)
    assert _duty(duty.pk) == (True, 2, 1)
    assert _turnouts(uuid) == 1

    # The leader sends it back: open again, nothing counts for the duty.
    log = PatrolLog.objects.get(uuid=uuid)
    review.return_log(log, actor=world.admin, reason="缺少签到")
    assert not tallies.stale()
    assert _duty(duty.pk) == (False, 2, 0)

    # Corrected (both present) and handed in again, then confirmed.
    for row in data["attendance"]:
        row["status"] = "present"
    version = _save(user, uuid, data, version + 1)
    assert _duty(duty.pk) == (True, 2, 2)
    assert _turnouts(uuid) == 2
    review.confirm_log(PatrolLog.objects.get(uuid=uuid), actor=world.admin)
    assert not tallies.stale()
    assert _duty(duty.pk) == (True, 2, 2)

    # A second log moved from one duty to another: the first loses it, the second gains it.
    moved = new_uuid()
    second = log_payload(other, submit=True)
    version = _save(user, moved, second, None)
    assert _duty(other.pk) == (True, 1, 1)
    second = log_payload(duty, submit=True)
    _save(user, moved, second, version)
    assert _duty(other.pk) == (False, 1, 0)
    assert _duty(duty.pk) == (True, 2, 2)


def test_paper_log_from_the_office_counts(world: Any) -> None:
    duty = make_duty(world)
    tallies.rebuild()
    review.record_log_from_office(actor=world.admin, data=log_payload(duty))
    assert not tallies.stale()
    assert _duty(duty.pk) == (True, 1, 1)


def test_stale_finds_and_rebuild_repairs(world: Any) -> None:
    duty = make_duty(world)
    Duty.objects.filter(pk=duty.pk).update(assigned_count=5)
    found = tallies.stale()
    assert duty.pk in found.duties and found
    duties, _logs = tallies.rebuild()
    assert duties >= 1 and not tallies.stale()
    assert _duty(duty.pk) == (False, 1, 0)


def test_command_checks_and_rebuilds(world: Any, capsys: Any) -> None:
    from shouwang import cli

    duty = make_duty(world)
    tallies.rebuild()
    Duty.objects.filter(pk=duty.pk).update(covered=True)
    assert cli.main(["tallies"]) == 1
    out = capsys.readouterr().out
    assert "1 duties" in out and str(duty.pk) in out
    assert cli.main(["tallies", "--rebuild"]) == 0
    assert cli.main(["tallies"]) == 0
    assert "0 duties, 0 patrol logs" in capsys.readouterr().out
