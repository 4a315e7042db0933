"""Each role's home page shows what that role needs first, from its own scope only."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_patrol_member_sees_own_team_posts(world: Any, login: Any) -> None:
    html = login("patrol_member").get("/").content.decode()
    assert str(world.a.team) in html
    assert str(world.a.post) in html
    assert str(world.b.post) not in html


def test_office_sees_recent_changes_in_scope_only(world: Any, login: Any) -> None:
    from shouwang.core.registry import get

    posts = get("posts")
    # The latest changes on both sides: only side A's reaches the office's home page.
    for side, name in (("A", "甲侧刚改名的岗"), ("B", "乙侧刚改名的岗")):
        posts.update(world.sides[side].post, actor=world.admin, data={"name": name})
    html = login("township_staff").get("/").content.decode()
    assert "甲侧刚改名的岗" in html
    assert "乙侧刚改名的岗" not in html
    assert str(world.b.member) not in html


def test_county_supervisor_sees_townships_side_by_side(world: Any, login: Any) -> None:
    html = login("county_supervisor").get("/").content.decode()
    assert str(world.a.township) in html
    assert str(world.b.township) not in html


def test_query_count_of_home_is_bounded(
    world: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("township_staff")
    with django_assert_max_num_queries(60):
        assert client.get("/").status_code == 200
