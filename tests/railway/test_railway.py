"""Railway protection: validation rules, 九无 / 四杜绝 / 四下降 on a hand-checked data set (period
edges, the previous period, township-level incidents, another county never counted), the
list filters the figures link to, the representatives ledger read back with openpyxl, the
status page, the API, the ledger download and the demo data."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import error_fields, send
from django.http import Http404
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shouwang.core import periods
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.railway import exports, services, status
from shouwang.railway.models import (
    HouseholdRepresentative,
    RailwayIncident,
    RepresentativeActivity,
)

TZ = dt.timezone(dt.timedelta(hours=8))
AUG = (dt.date(2026, 8, 1), dt.date(2026, 8, 31))
JUL = (dt.date(2026, 7, 1), dt.date(2026, 7, 31))


def _data(d: dict[str, Any]) -> dict[str, Any]:
    return {k: ("" if v is None else v) for k, v in d.items()}


def incident(world: Any, side: str = "A", **over: Any) -> RailwayIncident:
    from world_extensions.railway import _incident

    s = world.sides[side]
    return services.create_incident(
        actor=world.admin, data=_data({**_incident(world, s, side, 0), **over})
    )


def representative(world: Any, side: str = "A", **over: Any) -> HouseholdRepresentative:
    from world_extensions.railway import _representative

    s = world.sides[side]
    return services.create_representative(
        actor=world.admin, data=_data({**_representative(world, s, side, 0), **over})
    )


def activity(world: Any, rep: HouseholdRepresentative, **over: Any) -> RepresentativeActivity:
    data = {"representative": rep.pk, "kind": "patrol", "description": "沿线巡查", **over}
    return services.create_activity(actor=world.admin, data=data)


def village(world: Any, code_suffix: str, name: str) -> Any:
    from shouwang.core import services as core

    return core.create_jurisdiction(
        actor=world.admin,
        data={
            "name": name,
            "level": "village",
            "stat_division_code": f"500230209{code_suffix}",
            "parent": world.a.township.pk,
            "urban_rural_code": "220",
        },
    )


@pytest.fixture
def rail(world: Any) -> dict[str, Any]:
    """Township A in August 2026 against July 2026 (world records are in October):

    - world village A (a representative): livestock 08-01 00:00 (first minute, counts), fence
      damage 08-31 23:59 (last minute, counts), stone throwing 09-01 00:00 (after: no),
      a casualty 07-31 23:59 (previous period);
    - village V2 (incidents only): a mass casualty 08-15, a vehicle on the line 07-10;
    - village V3 (a railway segment at the village only): nothing — clear;
    - village V4 (only a road segment): no railway village;
    - township A itself: a criminal case 08-10 (no village);
    - county B: livestock and a terror incident in August — never counted for A.
    """
    from shouwang.areas import services as areas

    a = world.a
    v2 = village(world, "210", "二村")
    v3 = village(world, "211", "三村")
    v4 = village(world, "212", "四村")
    for where, kind, start in ((v3, "railway", "K270+000"), (v4, "road", "K1+000")):
        areas.create_segment(
            actor=world.admin,
            data={
                "name": f"{where.name}段",
                "line_kind": kind,
                "line_name": "渝怀铁路" if kind == "railway" else "县道",
                "jurisdiction": where.pk,
                "start_m": start,
                "end_m": start.replace("+000", "+900"),
                "patrol_method": "foot",
            },
        )

    def at(text: str) -> str:
        return f"{text}+08:00"

    incident(world, kind="livestock", occurred_at=at("2026-08-01T00:00:00"))
    incident(world, kind="fence_damage", occurred_at=at("2026-08-31T23:59:59"))
    incident(world, kind="stone_throwing", occurred_at=at("2026-09-01T00:00:00"))
    incident(world, kind="casualty", deaths=1, occurred_at=at("2026-07-31T23:59:00"))
    incident(
        world,
        jurisdiction=v2.pk,
        kind="mass_casualty",
        deaths=3,
        injuries=2,
        occurred_at=at("2026-08-15T10:00:00"),
    )
    incident(
        world, jurisdiction=v2.pk, kind="vehicle_intrusion", occurred_at=at("2026-07-10T10:00:00")
    )
    incident(
        world,
        jurisdiction=a.township.pk,
        segment=None,
        kind="criminal_case",
        occurred_at=at("2026-08-10T10:00:00"),
    )
    incident(world, "B", kind="livestock", occurred_at=at("2026-08-05T10:00:00"))
    incident(world, "B", kind="terror", occurred_at=at("2026-08-05T11:00:00"))
    return {"v2": v2, "v3": v3, "v4": v4}


# -- validation ----------------------------------------------------------------------------------


def test_incident_rules_name_the_field(world: Any) -> None:
    cases = [
        ({"jurisdiction": world.a.county.pk}, "jurisdiction"),
        ({"occurred_at": "2099-01-01T10:00:00+08:00"}, "occurred_at"),
        ({"chainage": "K12-300"}, "chainage"),
        ({"kind": "casualty", "deaths": 0, "injuries": 0}, "deaths"),
        ({"segment": world.b.segment.pk}, "segment"),
        ({"kind": "no_such_kind"}, "kind"),
    ]
    for over, field in cases:
        with pytest.raises(RecordInvalid) as exc:
            incident(world, **over)
        assert field in exc.value.errors, (over, exc.value.errors)
    before = RailwayIncident.objects.count()
    done = incident(world, kind="casualty", injuries=1)
    assert RailwayIncident.objects.count() == before + 1
    assert done.jurisdiction_id == world.a.village.pk
    events = AuditEvent.objects.filter(target_id=str(done.pk), code__startswith="railway.")
    assert list(events.values_list("code", flat=True)) == ["railway.railwayincident.created"]


def test_road_segment_is_refused(world: Any) -> None:
    from shouwang.areas import services as areas

    road = areas.create_segment(
        actor=world.admin,
        data={
            "name": "县道段",
            "line_kind": "road",
            "line_name": "县道X183",
            "jurisdiction": world.a.township.pk,
            "start_m": "K0+000",
            "end_m": "K1+000",
            "patrol_method": "foot",
        },
    )
    with pytest.raises(RecordInvalid) as exc:
        incident(world, segment=road.pk)
    assert "segment" in exc.value.errors
    with pytest.raises(RecordInvalid) as exc:
        representative(world, segment=road.pk)
    assert "segment" in exc.value.errors


def test_representative_and_activity_rules(world: Any) -> None:
    for over, field in (
        ({"jurisdiction": world.a.township.pk}, "jurisdiction"),
        ({"households": 0}, "households"),
        ({"appointed_on": "2099-01-01"}, "appointed_on"),
        ({"phone": "12"}, "phone"),
    ):
        with pytest.raises(RecordInvalid) as exc:
            representative(world, **over)
        assert field in exc.value.errors, (over, exc.value.errors)
    rep = representative(world, appointed_on="2026-03-01")
    with pytest.raises(RecordInvalid) as exc:
        activity(world, rep, done_on="2026-02-28")
    assert "done_on" in exc.value.errors
    assert "2026-03-01" in exc.value.errors["done_on"][0]
    with pytest.raises(RecordInvalid) as exc:
        activity(world, rep, done_on="2099-01-01")
    assert "done_on" in exc.value.errors
    done = activity(world, rep, done_on="2026-03-01")
    assert done.representative_id == rep.pk
    # Leaving keeps the history; the change is audited once.
    services.update_representative(
        rep, actor=world.users["township_staff"], data={"status": "left"}
    )
    rep.refresh_from_db()
    assert rep.status == "left"
    codes = AuditEvent.objects.filter(
        target_id=str(rep.pk), code__startswith="railway.householdrepresentative."
    ).values_list("code", flat=True)
    assert sorted(codes) == [
        "railway.householdrepresentative.changed",
        "railway.householdrepresentative.created",
    ]


def test_patrol_member_may_report_but_not_change(world: Any) -> None:
    from world_extensions.railway import _incident

    member = world.users["patrol_member"]
    data = _data(_incident(world, world.a, "A", 3))
    made = services.create_incident(actor=member, data=data)
    assert made.reported_by_id == world.a.member.pk
    with pytest.raises(Http404):  # no change grant: 404 alike
        services.update_incident(made, actor=member, data={"handling": "x"})
    with pytest.raises(RecordInvalid):
        services.create_incident(actor=member, data={**data, "jurisdiction": world.b.village.pk})


# -- 九无 / 四杜绝 / 四下降 ------------------------------------------------------------


def test_railway_villages_and_nine_no(world: Any, rail: dict[str, Any]) -> None:
    rows = status.nine_no_status(world.a.township, *AUG)
    assert [r.village.name for r in rows] == [world.a.village.name, "二村", "三村"]
    a, v2, v3 = rows
    nonzero = {k: n for k, n in a.counts.items() if n}
    assert nonzero == {"livestock": 1, "fence": 1}
    assert list(a.counts) == [key for key, _l, _k in status.NINE_NO]
    assert not a.clear
    assert {k: n for k, n in v2.counts.items() if n} == {"casualty": 1}
    assert not v2.clear
    assert v3.clear and sum(v3.counts.values()) == 0
    # The previous month: only the casualty of 07-31 and V2's vehicle.
    prev = {
        r.village.name: {k: n for k, n in r.counts.items() if n}
        for r in status.nine_no_status(world.a.township, *JUL)
    }
    assert prev == {world.a.village.name: {"casualty": 1}, "二村": {"vehicle": 1}, "三村": {}}
    # September 1st holds the stone; one village asked for is the one row.
    sept = status.nine_no_status(world.a.village, dt.date(2026, 9, 1), dt.date(2026, 9, 1))
    assert [(r.village.pk, r.counts["stone"]) for r in sept] == [(world.a.village.pk, 1)]
    # County A: the same villages; county B's incidents never appear.
    county = status.nine_no_status(world.a.county, *AUG)
    assert [r.counts for r in county] == [r.counts for r in rows]
    assert world.b.village.pk not in {r.village.pk for r in county}


def test_nine_no_queries_do_not_grow_with_villages(
    world: Any, rail: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(5):
        rows = status.nine_no_status(world.a.county, *AUG)
    assert len(rows) == 3


def test_four_never(world: Any, rail: dict[str, Any]) -> None:
    lines = status.four_never(world.a.township, *AUG)
    assert [(t.key, t.count, t.clear) for t in lines] == [
        ("terror", 0, True),
        ("major_crime", 0, True),
        ("train_accident", 0, True),
        ("mass_casualty", 1, False),
    ]
    county_b = status.four_never(world.b.county, *AUG)
    assert [t.count for t in county_b] == [1, 0, 0, 0]


def test_four_decline_against_the_previous_month(world: Any, rail: dict[str, Any]) -> None:
    assert periods.previous_period(*AUG) == JUL
    figures = {f.key: f for f in status.four_decline(world.a.township, *AUG, *JUL)}
    got = {k: (f.current, f.previous, f.change, f.declined) for k, f in figures.items()}
    assert got == {
        # mass casualty 08-15 against the casualty of 07-31 23:59
        "casualties": (1, 1, 0, False),
        # fence damage 08-31 and the township's criminal case 08-10 (stone 09-01 is later)
        "cases": (2, 0, 2, False),
        "livestock": (1, 0, 1, False),
        "vehicle": (0, 1, -1, True),
    }
    quiet = status.four_decline(
        world.a.township,
        dt.date(2025, 2, 1),
        dt.date(2025, 2, 28),
        dt.date(2025, 1, 1),
        dt.date(2025, 1, 31),
    )
    assert all(f.declined and f.current == f.previous == 0 for f in quiet)


def test_figure_links_list_exactly_the_counted_incidents(
    world: Any, rail: dict[str, Any], login: Any
) -> None:
    client = login("township_staff")
    figures = {f.key: f for f in status.four_decline(world.a.township, *AUG, *JUL)}
    url = figures["cases"].url
    params = parse_qs(urlparse(url).query)
    assert params["target"] == ["four_decline.cases"]
    assert params["period"] == ["2026-08-01..2026-08-31"]
    assert params["jurisdiction"] == [str(world.a.township.pk)]
    page = client.get(url)
    assert page.status_code == 200
    assert len(page.context["rows"]) == 2
    controls = {c["name"]: c for c in page.context["controls"]}
    assert controls["target"]["value"] == "four_decline.cases"
    assert ("nine_no.livestock", "九无：无大牲畜上道肇事事件") in controls["target"]["options"]
    this_month = timezone.localdate().replace(day=1)
    assert controls["period"]["options"][0][0].startswith(this_month.isoformat() + "..")
    api = send(client, "get", "/api/v1/railway-incidents/?" + urlparse(url).query)
    assert api.status_code == 200
    body = api.json()
    items = body["results"]
    assert sorted(i["kind"] for i in items) == ["criminal_case", "fence_damage"]
    cell = status.nine_no_status(world.a.township, *AUG)[0].targets[0]
    assert cell.key == "fence" and "target=nine_no.fence" in cell.url
    api = send(client, "get", "/api/v1/railway-incidents/?" + urlparse(cell.url).query)
    body = api.json()
    items = body["results"]
    assert [i["kind"] for i in items] == ["fence_damage"]
    # A bad period or target lists nothing rather than everything.
    for query in ("period=2026-08-31..2026-08-01", "target=nine_no.nothing"):
        body = send(client, "get", f"/api/v1/railway-incidents/?{query}").json()
        items = body["results"]
        assert items == []


# -- the ledger ----------------------------------------------------------------------------------


def _ledger_people(world: Any, rail: dict[str, Any]) -> dict[str, Any]:
    busy = representative(world, name="赵大", villager_group="3组", households=12)
    activity(world, busy, done_on="2026-08-02", kind="publicity", description="入户宣传")
    activity(world, busy, done_on="2026-08-31", kind="patrol", description="月末巡查")
    activity(world, busy, done_on="2026-07-30", kind="patrol", description="上月巡查")
    quiet = representative(world, jurisdiction=rail["v2"].pk, name="钱二", segment=None)
    gone = representative(world, name="孙三", status="left")
    left_but_worked = representative(world, name="李四", status="left")
    activity(world, left_but_worked, done_on="2026-08-05", kind="help", description="看望老人")
    late = representative(world, name="周五", appointed_on="2026-09-01")
    return {"busy": busy, "quiet": quiet, "gone": gone, "lbw": left_but_worked, "late": late}


def test_ledger_reads_back_with_openpyxl(world: Any, rail: dict[str, Any]) -> None:
    _ledger_people(world, rail)
    body = exports.ledger_xlsx(world.a.township, *AUG)
    ws = load_workbook(io.BytesIO(body)).active
    assert ws is not None
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == exports.ledger_title()
    assert "2026-08-01" in rows[1][0] and world.a.township.name in rows[1][0]
    assert rows[2][2] == "Name" or rows[2][2] == "姓名"
    body_rows = rows[3:]
    names = [r[2] for r in body_rows if r[2]]
    # Village A (world representative, 赵大, 李四 — by name), then V2; 孙三 left without
    # work and 周五 appointed after the period are not listed.
    assert set(names) == {"甲联户代表-1", "赵大", "李四", "钱二"}
    assert names[-1] == "钱二"
    zhao = next(i for i, r in enumerate(body_rows) if r[2] == "赵大")
    assert body_rows[zhao][1] == world.a.village.name
    assert body_rows[zhao][3:6] == ["13800138000", "3组", 12]
    assert body_rows[zhao][9].date() == dt.date(2026, 8, 2)
    assert body_rows[zhao][11] == "入户宣传"
    # The second activity is on the next row, the basic cells merged over both.
    assert body_rows[zhao + 1][11] == "月末巡查" and body_rows[zhao + 1][2] is None
    merged = {str(m) for m in ws.merged_cells.ranges}
    excel_row = zhao + 4
    assert f"C{excel_row}:C{excel_row + 1}" in merged
    assert "上月巡查" not in {r[11] for r in body_rows}
    qian = next(r for r in body_rows if r[2] == "钱二")
    assert qian[9] is None and qian[11] not in (None, "")


def test_ledger_rows_written_and_appending(world: Any, rail: dict[str, Any]) -> None:
    _ledger_people(world, rail)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    written = exports.write_representatives_ledger(ws, world.a.township, *AUG)
    # title + place line + header + 甲联户代表-1 (1 activity row: none in Aug → 1) +
    # 赵大 (2) + 李四 (1) + 钱二 (1)
    assert written == 3 + 1 + 2 + 1 + 1
    assert ws.max_row == written
    again = exports.write_representatives_ledger(ws, world.a.township, *AUG)
    assert again == written
    assert ws.cell(row=written + 2, column=1).value == exports.ledger_title()
    # With a user, only what that user sees: B's grid worker sees none of county A.
    wb3 = Workbook()
    ws3 = wb3.active
    assert ws3 is not None
    assert (
        exports.write_representatives_ledger(ws3, world.a.county, *AUG, user=world.b.spare_user)
        == 3
    )
    # County B's ledger never shows county A's people.
    wb2 = Workbook()
    ws2 = wb2.active
    assert ws2 is not None
    exports.write_representatives_ledger(ws2, world.b.county, *AUG)
    values = {c for r in ws2.iter_rows(values_only=True) for c in r}
    assert "赵大" not in values and "乙联户代表-1" in values


# -- pages and API -------------------------------------------------------------------------------


def test_status_page(world: Any, rail: dict[str, Any], login: Any) -> None:
    client = login("township_staff")
    page = client.get(
        "/railway/status/",
        {"jurisdiction": world.a.township.pk, "start": "2026-08-01", "end": "2026-08-31"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "无大牲畜上道肇事事件" in html and "杜绝路外群死群伤事故" in html and "耕牛挡道" in html
    nine_no = html[html.index('id="nine-no"') : html.index('id="four-never"')]
    assert "三村" in nine_no and "二村" in nine_no and "四村" not in nine_no
    assert "target=nine_no.livestock" in html and "period=2026-08-01..2026-08-31" in html
    assert "prev_start" in html and 'value="2026-07-01"' in html
    assert "/railway/ledger.xlsx?jurisdiction=" in html
    # Defaults: the user's township, this month.
    default = client.get("/railway/status/")
    assert default.status_code == 200
    assert default.context["q"].place.pk == world.a.township.pk
    assert default.context["q"].start.day == 1
    # A bad date is shown as a message, not an error page.
    bad = client.get("/railway/status/", {"start": "2026-13-01"})
    assert bad.status_code == 200 and "q" not in bad.context


def test_status_page_permissions(world: Any, login: Any) -> None:
    assert login("patrol_member").get("/railway/status/").status_code == 200
    assert login("concern_officer").get("/railway/status/").status_code == 403
    other = login("township_staff").get("/railway/status/", {"jurisdiction": world.b.county.pk})
    assert other.status_code == 404


def test_ledger_download(world: Any, rail: dict[str, Any], login: Any) -> None:
    _ledger_people(world, rail)
    client = login("township_staff")
    response = client.get(
        "/railway/ledger.xlsx",
        {"jurisdiction": world.a.township.pk, "start": "2026-08-01", "end": "2026-08-31"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "20260801-20260831" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws is not None
    assert "赵大" in {c for r in ws.iter_rows(values_only=True) for c in r}
    # The activities list links the ledger with its filters: `period` stands for start/end.
    by_period = client.get(
        "/railway/ledger.xlsx",
        {"jurisdiction": world.a.township.pk, "period": "2026-08-01..2026-08-31"},
    )
    assert "20260801-20260831" in by_period["Content-Disposition"]
    activities = client.get("/r/representative-activities/", {"period": "2026-08-01..2026-08-31"})
    assert activities.status_code == 200
    assert len(activities.context["rows"]) == 3  # 赵大 08-02, 08-31; 李四 08-05
    link = next(x for x in activities.context["list_links"] if "ledger.xlsx" in x["url"])
    assert "period=2026-08-01..2026-08-31" in link["url"]
    # The patrol member reports incidents but does not see the representatives.
    assert login("patrol_member").get("/railway/ledger.xlsx").status_code == 403
    api = login("township_staff").get("/api/v1/railway/ledger.xlsx?start=2026-08-01&end=2026-08-31")
    assert api.status_code == 200 and api.content[:2] == b"PK"


def test_api_figures(world: Any, rail: dict[str, Any], login: Any) -> None:
    client = login("township_staff")
    q = f"jurisdiction={world.a.township.pk}&start=2026-08-01&end=2026-08-31"
    nine = send(client, "get", f"/api/v1/railway/nine-no?{q}")
    assert nine.status_code == 200
    body = nine.json()
    assert [v["village_name"] for v in body["villages"]] == [world.a.village.name, "二村", "三村"]
    assert body["villages"][0]["counts"]["livestock"] == 1
    assert [v["clear"] for v in body["villages"]] == [False, False, True]
    assert body["clear_villages"] == 1
    assert len(body["targets"]) == 9
    never = send(client, "get", f"/api/v1/railway/four-never?{q}").json()
    assert [t["count"] for t in never["targets"]] == [0, 0, 0, 1] and never["clear"] is False
    decline = send(client, "get", f"/api/v1/railway/four-decline?{q}").json()
    assert (decline["prev_start"], decline["prev_end"]) == ("2026-07-01", "2026-07-31")
    assert [(f["key"], f["current"], f["previous"]) for f in decline["figures"]] == [
        ("casualties", 1, 1),
        ("cases", 2, 0),
        ("livestock", 1, 0),
        ("vehicle", 0, 1),
    ]
    explicit = send(
        client, "get", f"/api/v1/railway/four-decline?{q}&prev_start=2025-08-01&prev_end=2025-08-31"
    ).json()
    assert [f["previous"] for f in explicit["figures"]] == [0, 0, 0, 0]


def test_api_errors_and_scope(world: Any, rail: dict[str, Any], login: Any) -> None:
    client = login("township_staff")
    bad = send(client, "get", "/api/v1/railway/nine-no?start=2026-08-31&end=2026-08-01")
    assert bad.status_code == 422 and "end" in error_fields(bad)
    bad = send(client, "get", "/api/v1/railway/four-never?start=yesterday")
    assert bad.status_code == 422 and "start" in error_fields(bad)
    out = send(client, "get", f"/api/v1/railway/nine-no?jurisdiction={world.b.county.pk}")
    assert out.status_code == 404
    assert send(login("concern_officer"), "get", "/api/v1/railway/nine-no").status_code == 403
    # The county supervisor of A sees county A only: B's terror incident never shows.
    county = send(
        login("county_supervisor"),
        "get",
        "/api/v1/railway/four-never?start=2026-08-01&end=2026-08-31",
    ).json()
    assert county["jurisdiction"] == world.a.county.pk
    assert [t["count"] for t in county["targets"]] == [0, 0, 0, 1]


# -- demo ----------------------------------------------------------------------------------------


def test_demo_is_idempotent(world: Any) -> None:
    from shouwang.railway.demo import load_demo_railway

    before = set(RailwayIncident.objects.values_list("pk", flat=True))
    first = load_demo_railway(world.admin, world.a.township)
    counts = (
        HouseholdRepresentative.objects.count(),
        RepresentativeActivity.objects.count(),
        RailwayIncident.objects.count(),
    )
    again = load_demo_railway(world.admin, world.a.township)
    assert [r.pk for r in again] == [r.pk for r in first]
    assert (
        HouseholdRepresentative.objects.count(),
        RepresentativeActivity.objects.count(),
        RailwayIncident.objects.count(),
    ) == counts
    assert len(first) == 5
    assert all(r.activities.exists() for r in first)
    new = RailwayIncident.objects.exclude(pk__in=before)
    assert sorted(new.values_list("kind", flat=True)) == ["illegal_farming", "livestock"]
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    assert all(last_month <= timezone.localtime(i.occurred_at).date() < this_month for i in new)
