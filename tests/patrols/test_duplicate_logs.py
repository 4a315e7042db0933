"""One patrol log per duty (docs/field-sync.md, "One log per duty"): a new log for a duty that
already has one is refused on `duty` with the existing log's copy, unless `second_log` is
sent; resends of a known uuid are never refused; GET /today lists each duty's logs."""

from __future__ import annotations

from typing import Any

import pytest

from patrols.field_helpers import (
    TODAY_URL,
    log_item,
    log_payload,
    make_duty,
    patrol_user,
    result_for,
    statuses,
    sync,
)
from shouwang.core.records import RecordInvalid
from shouwang.patrols import review
from shouwang.patrols.models import LogStatus, PatrolLog


@pytest.fixture
def member_client(world: Any, login: Any) -> Any:
    return login(patrol_user(world))


def _first_log(client: Any, duty: Any, **overrides: Any) -> dict[str, Any]:
    item = log_item(log_payload(duty=duty, **overrides))
    assert statuses(sync(client, [item]).json()) == ["saved"]
    return item


def test_new_log_for_a_duty_with_an_open_log_is_refused_with_its_copy(
    world: Any, member_client: Any
) -> None:
    duty = make_duty(world)
    first = _first_log(member_client, duty, notes="第一部手机")
    second = log_item(log_payload(duty=duty, notes="第二部手机"))
    result = result_for(sync(member_client, [second]).json(), second["uuid"])
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["duty"]
    assert result["existing"]["uuid"] == first["uuid"]
    assert result["existing"]["version"] == 1
    assert result["existing"]["status"] == "open"
    assert result["existing"]["notes"] == "第一部手机"
    assert result["existing"]["mine"] is True
    assert result["existing"]["author"] == world.a.member.name
    assert PatrolLog.objects.filter(duty=duty).count() == 1
    # Refused again when resent unchanged (the phone keeps it until the member decides).
    again = result_for(sync(member_client, [second]).json(), second["uuid"])
    assert again["status"] == "rejected"
    assert PatrolLog.objects.filter(duty=duty).count() == 1


def test_resend_and_update_of_the_existing_log_are_never_refused(
    world: Any, member_client: Any
) -> None:
    duty = make_duty(world)
    first = _first_log(member_client, duty)
    assert statuses(sync(member_client, [first]).json()) == ["unchanged"]
    first["data"]["notes"] = "路灯坏了两盏"
    first["base_version"] = 1
    assert result_for(sync(member_client, [first]).json(), first["uuid"]) == {
        "uuid": first["uuid"],
        "kind": "patrol_log",
        "status": "saved",
        "version": 2,
    }
    # A stale base_version is still a conflict, not a duty refusal.
    first["data"]["notes"] = "另一部手机的修改"
    assert result_for(sync(member_client, [first]).json(), first["uuid"])["status"] == "conflict"


def test_a_handed_in_log_also_blocks_a_new_one(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    first = _first_log(member_client, duty, submit=True)
    second = log_item(log_payload(duty=duty))
    result = result_for(sync(member_client, [second]).json(), second["uuid"])
    assert result["status"] == "rejected"
    assert result["existing"]["uuid"] == first["uuid"]
    assert result["existing"]["status"] == LogStatus.SUBMITTED


def test_second_log_on_purpose_is_saved(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    _first_log(member_client, duty)
    second = log_item(log_payload(duty=duty, second_log=True))
    assert statuses(sync(member_client, [second]).json()) == ["saved"]
    assert PatrolLog.objects.filter(duty=duty).count() == 2
    # The flag is a consent, not content: resending it is unchanged.
    assert statuses(sync(member_client, [second]).json()) == ["unchanged"]
    bad = log_item(log_payload(duty=duty, second_log="yes"))
    result = result_for(sync(member_client, [bad]).json(), bad["uuid"])
    assert result["status"] == "rejected"
    assert [e["field"] for e in result["errors"]] == ["second_log"]


def test_unplanned_patrols_are_not_limited(world: Any, member_client: Any) -> None:
    patrol_user(world)
    one = log_item(log_payload(team=world.a.team))
    two = log_item(log_payload(team=world.a.team))
    assert statuses(sync(member_client, [one, two]).json()) == ["saved", "saved"]


def test_office_paper_log_is_told_about_the_phone_log(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    _first_log(member_client, duty)
    office = world.users["township_staff"]
    with pytest.raises(RecordInvalid) as exc:
        review.record_log_from_office(actor=office, data=log_payload(duty=duty))
    assert list(exc.value.errors) == ["duty"]
    assert PatrolLog.objects.filter(duty=duty).count() == 1
    # On purpose, the office may still enter it.
    log = review.record_log_from_office(actor=office, data=log_payload(duty=duty, second_log=True))
    assert log.duty_id == duty.pk


def test_a_teammates_log_blocks_the_members_new_one(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    office = world.users["township_staff"]
    paper = review.record_log_from_office(actor=office, data=log_payload(duty=duty))
    item = log_item(log_payload(duty=duty))
    result = result_for(sync(member_client, [item]).json(), item["uuid"])
    assert result["status"] == "rejected"
    assert result["existing"]["uuid"] == str(paper.uuid)
    assert result["existing"]["mine"] is False


def test_today_lists_each_duties_logs(world: Any, member_client: Any) -> None:
    duty = make_duty(world)
    other = make_duty(world, hours=1)
    first = _first_log(member_client, duty, notes="继续写")
    body = member_client.get(TODAY_URL).json()
    rows = {d["id"]: d for d in body["duties"]}
    assert rows[other.pk]["logs"] == []
    [entry] = rows[duty.pk]["logs"]
    assert entry["uuid"] == first["uuid"]
    assert entry["version"] == 1 and entry["status"] == "open"
    assert entry["mine"] is True and entry["author"] == world.a.member.name
    # The whole copy, so the phone can take the log over and continue it offline.
    assert entry["notes"] == "继续写" and entry["duty"] == duty.pk
    assert {a["member"] for a in entry["attendance"]} == {world.a.member.pk}
    # The old answer is still there for older phones.
    assert [o["uuid"] for o in body["open_logs"]] == [first["uuid"]]
