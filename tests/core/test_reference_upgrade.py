"""Seeding upgrades built-in roles additively: new grants of roles.json reach existing
databases after `shouwang migrate`; nothing an office changed is removed or overwritten."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import ROLES
from django.db import connection

from shouwang.core import reference
from shouwang.core.models import AuditEvent, Role
from shouwang.core.reference import seed_reference_data

NEW_GRANTS = {
    "forces.memberabsence": ["view", "add", "change", "delete"],
    "forces.memberpostcap": ["view", "add", "change", "delete"],
    "forces.planningpolicy": ["view", "change"],
}


def _seeded_events(role: Role) -> Any:
    return AuditEvent.objects.filter(
        code="core.role.seeded", target_type="core.role", target_id=str(role.pk)
    )


def _as_old_database(role: Role) -> dict[str, list[str]]:
    """Make `role` look as a database seeded before the leave grants existed: without them
    and without any record of what was shipped."""
    old = {k: list(v) for k, v in ROLES[role.key]["permissions"].items() if k not in NEW_GRANTS}
    role.permissions = old
    role.save(update_fields=["permissions"])
    # Audit rows are append-only for the application; the test erases them with raw SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name comes from the model, not from input.
            f"DELETE FROM {AuditEvent._meta.db_table} WHERE code = %s AND target_id = %s",  # noqa: S608
            ["core.role.seeded", str(role.pk)],
        )
    assert not _seeded_events(role).exists()
    return old


def _shipping(monkeypatch: Any, role_key: str, extra: dict[str, list[str]]) -> None:
    """Pretend a newer roles.json ships `extra` grants for `role_key`."""
    real = reference._load

    def fake(name: str) -> Any:
        data = real(name)
        if name == "roles.json":
            data = copy.deepcopy(data)
            for record_type, actions in extra.items():
                have = data[role_key]["permissions"].setdefault(record_type, [])
                have.extend(a for a in actions if a not in have)
        return data

    monkeypatch.setattr(reference, "_load", fake)


def test_roles_json_gives_team_leaders_the_members_side_of_planning() -> None:
    perms = ROLES["team_leader"]["permissions"]
    for record_type, actions in NEW_GRANTS.items():
        assert perms[record_type] == actions


def test_existing_database_gets_new_grants_and_keeps_office_edits(world: Any) -> None:
    role = Role.objects.get(key="team_leader")
    old = _as_old_database(role)
    # An office widened one grant and renamed the role; both must survive the upgrade.
    role.permissions = {**old, "forces.organisation": ["view", "change"]}
    role.name = "巡防队长"
    role.save(update_fields=["permissions", "name"])

    seed_reference_data()

    role.refresh_from_db()
    for record_type, actions in NEW_GRANTS.items():
        assert role.permissions[record_type] == actions
        assert role.allows(record_type, "change")
    assert role.permissions["forces.organisation"] == ["view", "change"]
    assert role.name == "巡防队长"
    for record_type, actions in old.items():
        if record_type != "forces.organisation":
            assert role.permissions[record_type] == actions
    event = _seeded_events(role).latest("pk")
    assert sorted(event.after["added"]) == sorted(
        f"{rt}:{a}" for rt, actions in NEW_GRANTS.items() for a in actions
    )
    assert "forces.memberabsence" not in event.before["permissions"]
    assert event.actor is None and event.reason == "roles.json"


def test_seeding_again_changes_nothing_and_writes_no_event(world: Any) -> None:
    seed_reference_data()
    stored = {r.key: r.permissions for r in Role.objects.all()}
    events = AuditEvent.objects.filter(code="core.role.seeded").count()
    seed_reference_data()
    assert {r.key: r.permissions for r in Role.objects.all()} == stored
    assert AuditEvent.objects.filter(code="core.role.seeded").count() == events


def test_a_grant_the_office_took_away_is_not_added_again(world: Any) -> None:
    role = Role.objects.get(key="team_leader")
    _as_old_database(role)
    seed_reference_data()  # the upgrade adds the leave grants once
    role.refresh_from_db()
    assert "delete" in role.permissions["forces.memberpostcap"]
    # The office decides team leaders must not delete post caps, and drops absences wholly.
    role.permissions["forces.memberpostcap"] = ["view", "add", "change"]
    del role.permissions["forces.memberabsence"]
    role.save(update_fields=["permissions"])

    seed_reference_data()

    role.refresh_from_db()
    assert role.permissions["forces.memberpostcap"] == ["view", "add", "change"]
    assert "forces.memberabsence" not in role.permissions
    assert not role.allows("forces.memberabsence", "view")


def test_a_later_roles_json_adds_only_its_new_grants(world: Any, monkeypatch: Any) -> None:
    seed_reference_data()
    role = Role.objects.get(key="patrol_member")
    role.permissions = {k: v for k, v in role.permissions.items() if k != "forces.team"}
    role.save(update_fields=["permissions"])  # an office removed a shipped grant

    _shipping(monkeypatch, "patrol_member", {"forces.memberabsence": ["view"]})
    seed_reference_data()

    role.refresh_from_db()
    assert role.permissions["forces.memberabsence"] == ["view"]
    assert "forces.team" not in role.permissions  # the office's removal stands
    event = _seeded_events(role).latest("pk")
    assert event.after["added"] == ["forces.memberabsence:view"]
    # Other roles had nothing new: no event for them in this seeding.
    leader = Role.objects.get(key="team_leader")
    assert _seeded_events(leader).latest("pk").pk < event.pk


def test_a_new_action_on_a_known_record_type_is_added(world: Any, monkeypatch: Any) -> None:
    seed_reference_data()
    role = Role.objects.get(key="patrol_member")
    assert role.permissions["forces.member"] == ["view"]
    _shipping(monkeypatch, "patrol_member", {"forces.member": ["change"]})
    seed_reference_data()
    role.refresh_from_db()
    assert role.permissions["forces.member"] == ["view", "change"]


@pytest.mark.parametrize("role_key", list(ROLES))
def test_every_seeded_role_holds_all_of_roles_json(world: Any, role_key: str) -> None:
    """A fresh database (the test database) holds every shipped grant of every role."""
    role = Role.objects.get(key=role_key)
    for record_type, actions in ROLES[role_key]["permissions"].items():
        for action in actions:
            assert role.allows(record_type, action), (record_type, action)
