"""The duty-rule page: weekdays are ticked and role minimums entered as a number per role —
nobody types JSON; wrong numbers are refused on their field."""

from __future__ import annotations

from typing import Any

from conftest import as_form_data, make_payload

from shouwang.rostering.models import DutyRule


def test_weekdays_ticked_and_roles_counted(world: Any, login: Any) -> None:
    client = login("township_staff")
    page = client.get("/r/duty-rules/new/").content.decode()
    assert 'type="checkbox" name="weekdays" value="5"' in page
    assert 'name="role_minimums__police_officer"' in page
    assert "[5, 7]" not in page and '{"police_officer": 1}' not in page  # no JSON examples

    payload = make_payload("duty-rules", world, "A", n=4)
    data = as_form_data("duty-rules", {**payload, "role_minimums": {}})
    data.update(
        {"recurrence": "weekdays", "weekdays": ["7", "5"], "role_minimums__police_officer": "1"}
    )
    data["role_minimums__auxiliary_police"] = ""  # an empty box is no minimum
    answer = client.post("/r/duty-rules/new/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    rule = DutyRule.objects.order_by("-pk").first()
    assert rule is not None
    assert rule.weekdays == [5, 7]
    assert rule.role_minimums == {"police_officer": 1}
    edit = client.get(f"/r/duty-rules/{rule.pk}/edit/").content.decode()
    assert 'value="5" id="id_weekdays_4" checked' in edit
    assert 'name="role_minimums__police_officer" value="1"' in edit

    data["role_minimums__police_officer"] = "一个"
    refused = client.post("/r/duty-rules/new/", data)
    assert refused.status_code == 200
    assert "每个人数必须是≥1的整数" in refused.content.decode()
