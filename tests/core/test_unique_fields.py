"""A clash with a multi-field unique constraint names the field to change."""

from __future__ import annotations

import pytest

from shouwang.core.models import CodeItem, Jurisdiction
from shouwang.core.records import RecordInvalid
from shouwang.core.services import create_jurisdiction, grant_system_admin
from shouwang.forces.models import Team
from shouwang.forces.services import create_team

pytestmark = pytest.mark.django_db


def test_duplicate_team_name_is_reported_on_the_name_field() -> None:
    admin = grant_system_admin(username="uniq_admin", password="Unique-fields-2024!")
    county = create_jurisdiction(
        actor=admin,
        data={"name": "测试县", "level": "county", "stat_division_code": "510100000000"},
    )
    kind = CodeItem.objects.get(code_list__key="team_kind", code="part_time_patrol")
    data = {"name": "巡防一队", "kind": kind.pk, "jurisdiction": county.pk}
    create_team(actor=admin, data=data)
    with pytest.raises(RecordInvalid) as caught:
        create_team(actor=admin, data=data)
    assert "name" in caught.value.errors
    assert "__all__" not in caught.value.errors
    assert Team.objects.filter(name="巡防一队").count() == 1
    assert Jurisdiction.objects.filter(stat_division_code="510100000000").count() == 1
