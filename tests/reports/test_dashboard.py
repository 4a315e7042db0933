"""The dashboard page, its records pages, the indicators API and who may see which place."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from reports.test_indicators import JUNE, Data, build
from shouwang.reports.indicators import compute

QUERY = "period=month&month=2025-06"


@pytest.fixture
def data(world: Any) -> Data:
    return build(world)


def charts(response: Any) -> dict[str, Any]:
    html = response.content.decode()
    match = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', html)
    assert match, "the chart data is on the page"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def record_links(response: Any) -> list[str]:
    html = response.content.decode()
    table = html.split('id="figure-records"', 1)[1]
    return re.findall(r'<a href="([^"]+)">', table)


# -- page ----------------------------------------------------------------------------------------


def test_dashboard_shows_figures_charts_and_children(world: Any, data: Data, login: Any) -> None:
    client = login("township_staff")
    response = client.get(f"/reports/dashboard/?jurisdiction={world.a.township.pk}&{QUERY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in html
    assert "reports/dashboard.js" in html
    result = response.context["result"]
    assert result.period == JUNE
    assert result.figures["turnouts"].value == 4
    # The cards: value, previous, change; each a link.
    assert 'data-figure="turnouts"' in html
    assert result.figures["turnouts"].link in html.replace("&amp;", "&")
    # The charts: one bar per child, the same numbers as the table.
    data_ = charts(response)
    assert data_["children"]["names"] == ["甲社区", "甲二村"]
    counts = {s["key"]: s["data"] for s in data_["children"]["counts"]}
    assert counts["turnouts"] == [2, 2]
    assert counts["hazards_found"] == [1, 1]
    rates = {s["key"]: s["data"] for s in data_["children"]["rates"]}
    assert rates["rectification_rate"] == [100.0, 0.0]
    compare = data_["compare"]
    i = compare["names"].index(str(result.figures["patrols"].label))
    assert (compare["values"][i], compare["previous_values"][i]) == (2, 1)
    # Drill-down: each child row links to the same dashboard for the child and period.
    child_link = data_["children"]["links"][1]
    assert parse_qs(urlparse(child_link).query) == {
        "jurisdiction": [str(data.village2.pk)],
        "period": ["month"],
        "month": ["2025-06"],
    }
    assert child_link.replace("&", "&amp;") in html
    drilled = client.get(child_link)
    assert drilled.status_code == 200
    assert drilled.context["result"].figures["turnouts"].value == 2
    # The railway tables.
    assert "无破坏防护栅栏(护网)案件" in html
    assert "杜绝爆炸、破坏等暴力恐怖事件" in html


def test_default_is_own_jurisdiction_and_last_full_month(world: Any, login: Any) -> None:
    from shouwang.reports.indicators import Period

    response = login("township_staff").get("/reports/dashboard/")
    assert response.status_code == 200
    assert response.context["place"] == world.a.township
    assert response.context["period"] == Period.last_full_month()
    response = login("county_supervisor").get("/reports/dashboard/")
    assert response.context["place"] == world.a.county
    assert [c.jurisdiction for c in response.context["result"].children] == [world.a.township]


def test_period_kinds_and_bad_period(world: Any, data: Data, login: Any) -> None:
    client = login("township_staff")
    base = f"/reports/dashboard/?jurisdiction={world.a.township.pk}"
    quarter = client.get(f"{base}&period=quarter&quarter=2025-Q2")
    assert quarter.context["period"].label == "2025-Q2"
    # April–June against January–March: the May and June logs count.
    assert quarter.context["result"].figures["patrols"].value == 3
    assert quarter.context["result"].figures["patrols"].previous == 0
    year = client.get(f"{base}&period=year&year=2025")
    assert year.context["result"].figures["turnouts"].value == 5
    custom = client.get(f"{base}&period=custom&start=2025-06-01&end=2025-06-05")
    assert custom.context["result"].figures["patrols"].value == 1
    bad = client.get(f"{base}&period=month&month=2025-13")
    assert bad.status_code == 200
    assert "YYYY-MM" in bad.content.decode()


# -- links resolve to exactly the records counted ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("patrols", ["log1", "log2"]),
        ("hazards_overdue", ["h2"]),
        ("hazards_found", ["h1", "h2"]),
        ("disputes_resolved", ["p1"]),
    ],
)
def test_figure_links_list_exactly_its_records(
    world: Any, data: Data, login: Any, key: str, expected: list[str]
) -> None:
    client = login("township_staff")
    result = compute(world.a.township, JUNE, user=world.users["township_staff"])
    link = result.figures[key].link
    assert link is not None
    response = client.get(link)
    assert response.status_code == 200
    assert response.context["total"] == result.figures[key].value
    pool = {**data.logs, **data.hazards, **data.disputes}
    shown = {int(re.findall(r"/(\d+)/$", u)[0]) for u in record_links(response)}
    assert shown == {pool[name].pk for name in expected}
    for url in record_links(response)[:1]:
        assert client.get(url).status_code == 200


def test_turnout_and_child_links(world: Any, data: Data, login: Any) -> None:
    client = login("township_staff")
    result = compute(world.a.township, JUNE)
    response = client.get(result.figures["turnouts"].link)
    assert response.context["total"] == 4
    assert len(response.context["rows"]) == 4
    village2 = next(c for c in result.children if c.jurisdiction == data.village2)
    response = client.get(village2.figures["hazards_overdue"].link)
    assert response.context["total"] == 1
    # The mediation rate opens the dispute figures page of the same place and period.
    link = result.figures["mediation_rate"].link
    assert link.startswith("/disputes/figures/?")
    page = client.get(link)
    assert page.status_code == 200
    assert page.context["figures"].mediation_rate == 50.0


def test_visit_rate_link_lists_the_people_of_the_level(world: Any, data: Data, login: Any) -> None:
    result = compute(world.a.township, JUNE)
    response = login("concern_officer").get(result.figures["visit_rate_red"].link)
    assert response.status_code == 200
    names = {p.name for p in response.context["rows"]}
    assert {"甲指标人1", "甲指标人2"} <= names
    assert "甲指标人3" not in names  # yellow


def test_nine_no_link_lists_the_village_incidents(world: Any, data: Data, login: Any) -> None:
    result = compute(world.a.township, JUNE)
    row = result.nine_no[0]
    fence = next(t for t in row.targets if t.key == "fence")
    response = login("township_staff").get(fence.url)
    assert response.status_code == 200
    assert "fence" in fence.url and "2025-06-01" in fence.url


def test_unknown_figure_is_404(world: Any, login: Any) -> None:
    response = login("township_staff").get("/reports/dashboard/records/online_minutes/")
    assert response.status_code == 404


# -- API -----------------------------------------------------------------------------------------


def test_api_returns_the_same_numbers(world: Any, data: Data, login: Any) -> None:
    client = login("township_staff")
    response = client.get(
        f"/api/v1/reports/indicators?jurisdiction={world.a.township.pk}"
        "&start=2025-06-01&end=2025-06-30"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"start": "2025-06-01", "end": "2025-06-30", "label": "2025-06"}
    assert body["previous_period"]["label"] == "2025-05"
    figures = {f["key"]: f for f in body["figures"]}
    assert (figures["turnouts"]["value"], figures["turnouts"]["previous"]) == (4, 1)
    assert figures["turnouts"]["change"] == 3
    assert figures["attendance_rate"]["value"] == 50.0
    assert figures["attendance_rate"]["unit"] == "%"
    assert figures["visit_rate_red"]["value"] == 46.67
    assert figures["hazards_overdue"]["link"].startswith("/reports/dashboard/records/")
    children = {c["jurisdiction"]["name"]: c for c in body["children"]}
    assert set(children) == {"甲社区", "甲二村"}
    kid = {f["key"]: f["value"] for f in children["甲二村"]["figures"]}
    assert (kid["turnouts"], kid["hazards_overdue"], kid["mediation_rate"]) == (2, 1, 0.0)
    assert body["nine_no"][0]["village"]["name"] == "甲社区"
    assert {t["key"]: t["count"] for t in body["four_never"]}["terror"] == 1
    casualties = next(d for d in body["four_decline"] if d["key"] == "casualties")
    assert (casualties["value"], casualties["previous"], casualties["declined"]) == (0, 1, True)


def test_api_bad_period_is_422(world: Any, login: Any) -> None:
    response = login("township_staff").get("/api/v1/reports/indicators?start=2025-06-10")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["end"]


# -- scoping -------------------------------------------------------------------------------------


def test_places_outside_the_grants_are_not_found(world: Any, login: Any) -> None:
    client = login("township_staff")  # granted at township A
    for place in (world.a.county, world.b.county, world.b.village):
        assert client.get(f"/reports/dashboard/?jurisdiction={place.pk}").status_code == 404
        api = client.get(f"/api/v1/reports/indicators?jurisdiction={place.pk}")
        assert api.status_code == 404
        link = f"/reports/dashboard/records/patrols/?jurisdiction={place.pk}"
        assert client.get(link).status_code == 404
    assert client.get("/reports/dashboard/?jurisdiction=999999").status_code == 404
    assert client.get(f"/reports/dashboard/?jurisdiction={world.a.village.pk}").status_code == 200
    assert login("township_staff").get("/reports/dashboard/").context["places"] == [
        world.a.township
    ]
    village = client.get(f"/reports/dashboard/?jurisdiction={world.a.village.pk}")
    assert village.context["places"] == [world.a.township, world.a.village]


def test_users_without_reports_role_are_refused(world: Any, login: Any) -> None:
    client = login("patrol_member")
    assert client.get("/reports/dashboard/").status_code == 403
    assert client.get("/api/v1/reports/indicators").status_code == 403
    assert client.get("/reports/dashboard/records/patrols/").status_code == 403
    assert Client().get("/reports/dashboard/").status_code == 302
    assert Client().get("/api/v1/reports/indicators").status_code == 401


def test_no_app_activity_figures(world: Any, data: Data, login: Any) -> None:
    """Outcomes only: nothing about online time, check-in counts or posting quotas."""
    body = login("township_staff").get("/api/v1/reports/indicators").json()
    keys = {f["key"] for f in body["figures"]}
    for word in ("online", "check_in", "checkin", "login", "post_count", "points", "rank"):
        assert not any(word in k for k in keys)


def test_api_schema_is_documented(world: Any, login: Any) -> None:
    schema = login("township_staff").get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/reports/indicators"]["get"]
    assert set(operation["responses"]) >= {"200", "403", "404", "422"}
    assert "IndicatorsOut" in schema["components"]["schemas"]
