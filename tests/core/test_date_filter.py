"""Lists narrowed by a date range (?date_from=&date_to=): whole local days, both included; a
span record (a special operation) is listed when it overlaps the days; a bound that is not a
date is a clear error on the page, in the API and in the ledger export."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
from conftest import error_fields, make_payload, send
from django.utils import translation

from shouwang.core import registry

pytestmark = pytest.mark.django_db

MARK = "日期筛选"


def _incident(world: Any, n: int, occurred_at: str) -> Any:
    rt = registry.get("railway-incidents")
    data = make_payload("railway-incidents", world, "A", n=n)
    data.update(occurred_at=occurred_at, description=f"{MARK} {n}")
    return rt.create(actor=world.admin, data={k: ("" if v is None else v) for k, v in data.items()})


@pytest.fixture
def incidents(world: Any) -> dict[str, Any]:
    return {
        "early": _incident(world, 1, "2026-10-09T10:00:00+08:00"),
        "middle": _incident(world, 2, "2026-10-15T10:00:00+08:00"),
        "late_evening": _incident(world, 3, "2026-10-20T23:30:00+08:00"),
        "next_day": _incident(world, 4, "2026-10-21T00:10:00+08:00"),
    }


def _listed(client: Any, query: str) -> set[int]:
    answer = send(client, "get", f"/api/v1/railway-incidents/?q={MARK}&{query}")
    assert answer.status_code == 200, answer.content
    return {row["id"] for row in answer.json()["results"]}


def test_api_lists_whole_local_days(world: Any, login: Any, incidents: dict[str, Any]) -> None:
    client = login("township_staff")
    ids = {k: v.pk for k, v in incidents.items()}
    assert _listed(client, "date_from=2026-10-10&date_to=2026-10-20") == {
        ids["middle"],
        ids["late_evening"],
    }
    assert _listed(client, "date_from=2026-10-21") == {ids["next_day"]}
    assert _listed(client, "date_to=2026-10-09") == {ids["early"]}
    assert _listed(client, "") == set(ids.values())


def test_bad_dates_are_errors(world: Any, login: Any, incidents: dict[str, Any]) -> None:
    client = login("township_staff")
    with translation.override("zh-hans"):
        answer = send(client, "get", "/api/v1/railway-incidents/?date_from=2026-13-01")
        assert answer.status_code == 422
        assert "不是有效日期" in error_fields(answer)["date_from"][0]
        answer = send(
            client, "get", "/api/v1/railway-incidents/?date_from=2026-10-20&date_to=2026-10-01"
        )
        assert answer.status_code == 422
        assert "date_to" in error_fields(answer)
    page = client.get("/r/railway-incidents/?date_from=10/20/2026", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="date" id="f_date_from" name="date_from"' in html
    assert "（起始日期）：不是有效日期（YYYY-MM-DD）：10/20/2026" in html


def test_page_lists_the_chosen_days(world: Any, login: Any, incidents: dict[str, Any]) -> None:
    client = login("township_staff")
    page = client.get(f"/r/railway-incidents/?q={MARK}&date_from=2026-10-15&date_to=2026-10-15")
    html = page.content.decode()

    def shown(key: str) -> bool:
        return f'href="/r/railway-incidents/{incidents[key].pk}/"' in html

    assert shown("middle")
    assert not shown("early") and not shown("late_evening") and not shown("next_day")
    assert 'value="2026-10-15"' in html  # the chosen days stay in the form


def test_span_records_overlapping_the_days(world: Any, login: Any) -> None:
    rt = registry.get("special-operations")
    data = make_payload("special-operations", world, "A", n=7)  # 2026-10-01 – 2026-10-31
    operation = rt.create(
        actor=world.admin, data={k: ("" if v is None else v) for k, v in data.items()}
    )
    client = login("township_staff")

    def listed(query: str) -> bool:
        answer = send(client, "get", f"/api/v1/special-operations/?{query}")
        assert answer.status_code == 200, answer.content
        return operation.pk in {row["id"] for row in answer.json()["results"]}

    assert listed("date_from=2026-10-20&date_to=2026-11-05")
    assert listed("date_from=2026-09-01&date_to=2026-10-01")
    assert not listed("date_from=2026-11-01")
    assert not listed("date_to=2026-09-30")


def test_ledger_export_refuses_a_bad_date(world: Any, login: Any) -> None:
    client = login("township_staff")
    answer = client.get("/imports/hazards/export.xlsx?date_from=2026-02-30")
    assert answer.status_code == 422
    assert "2026-02-30" in answer.content.decode()
    good = client.get("/imports/hazards/export.xlsx?date_from=2026-01-01&date_to=2026-01-31")
    assert good.status_code == 200
    assert good["Content-Type"].startswith("application/vnd.openxmlformats")
    # Named in Chinese for the user (RFC 6266 filename*), ASCII for old clients.
    disposition = unquote(good["Content-Disposition"])
    assert "隐患" in disposition and 'filename="hazards-' in disposition


def test_forms_pick_dates_and_times(world: Any, login: Any) -> None:
    """Record forms offer the browser's date and date-time pickers; a new hazard is found
    "now" unless changed; an edited record shows its own time in local time."""
    client = login("township_staff")
    hazard_form = client.get("/r/hazards/new/").content.decode()
    assert 'type="datetime-local" name="found_at" value="20' in hazard_form
    meeting_form = client.get("/r/joint-meetings/new/").content.decode()
    assert 'type="date" name="held_on"' in meeting_form
    incident = _incident(world, 9, "2026-10-12T16:20:00+08:00")
    edit = client.get(f"/r/railway-incidents/{incident.pk}/edit/").content.decode()
    assert 'value="2026-10-12T16:20"' in edit
