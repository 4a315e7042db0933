"""People are shown by name, not by login name, wherever a record points at a login."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from shouwang.core.models import RoleGrant


def test_a_login_reads_as_its_person(world: Any, login: Any) -> None:
    user = world.users["grid_worker"]
    get_user_model().objects.filter(pk=user.pk).update(first_name="谭林")
    grant = RoleGrant.objects.filter(user=user).first()
    assert grant is not None
    page = login("system_admin").get(f"/r/role-grants/{grant.pk}/").content.decode()
    assert "谭林" in page
    answer = login("system_admin").get(f"/api/v1/role-grants/{grant.pk}")
    assert answer.json()["labels"]["user"] == "谭林"
    # Without a name the login name is shown.
    get_user_model().objects.filter(pk=user.pk).update(first_name="")
    answer = login("system_admin").get(f"/api/v1/role-grants/{grant.pk}")
    assert answer.json()["labels"]["user"] == user.username
