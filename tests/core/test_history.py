"""The detail page's history speaks the user's words: labels and names, not columns and ids."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import page_url

from shouwang.forces import services as forces

pytestmark = pytest.mark.django_db


def test_history_shows_field_labels_and_readable_values(world: Any, login: Any) -> None:
    client = login("township_staff")
    member = world.a.member
    forces.update_member(
        member,
        actor=world.admin,
        data={"employment_type": "volunteer", "home_village": world.a.village.pk},
    )
    html = client.get(page_url("members", member.pk)).content.decode()
    assert "聘用类型" in html or "employment type" in html.lower() or "用工" in html
    assert "志愿" in html  # the label of "volunteer", not the code
    assert str(world.a.village) in html  # the village's name, not its id
    assert "employment_type" not in html
