"""Inspection checklists: the seed's standard three, installing them, item validation on the
page (one line per item) and through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import api_url, error_fields, send
from django.core.exceptions import PermissionDenied
from django.http import Http404

from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.patrols import checklists
from shouwang.patrols.forms import items_to_lines, lines_to_items
from shouwang.patrols.models import Checklist


def test_standard_checklists_follow_the_seed() -> None:
    specs = checklists.standard_checklists()
    assert [s["category"] for s in specs] == ["public_order", "work_safety", "fire_safety"]
    prefixes = {"public_order": "po-", "work_safety": "ws-", "fire_safety": "fs-"}
    for spec in specs:
        assert checklists.item_errors(spec["items"]) == []
        for n, item in enumerate(spec["items"], start=1):
            assert item["code"] == f"{prefixes[spec['category']]}{n:02d}"
            assert item["text_en"] and item["hint"]
    texts = {spec["category"]: " ".join(i["text"] for i in spec["items"]) for spec in specs}
    for words in ("聚众赌博", "实名登记", "五必须", "出租房备案率", "流动人口登记率", "封闭式管理"):
        assert words in texts["public_order"]
    assert "精神障碍患者" in texts["public_order"] and "超载" in texts["public_order"]
    for words in ("安全出口", "持证上岗", "三合一", "电动自行车", "灭火器"):
        assert words in texts["work_safety"]
    for words in ("出租房", "重大火灾隐患", "老旧住宅小区", "独居老人", "九小场所"):
        assert words in texts["fire_safety"]


def test_install_is_idempotent_and_audited_once(world: Any) -> None:
    office = world.users["township_staff"]
    township = world.a.township
    installed = checklists.install_standard_checklists(township, actor=office)
    assert [c.category for c in installed] == ["public_order", "work_safety", "fire_safety"]
    assert all(c.jurisdiction == township and c.active for c in installed)
    assert installed[0].items[0]["code"] == "po-01"
    events = AuditEvent.objects.filter(code="patrols.checklist.installed")
    assert events.count() == 1
    assert len(events.get().after["checklists"]) == 3

    # The office rewords an item; installing again adds nothing and keeps the edit.
    items = [dict(i) for i in installed[0].items]
    items[0]["text"] = "公共场所赌博（改）"
    checklists.update_checklist(installed[0], actor=office, data={"items": items})
    again = checklists.install_standard_checklists(township, actor=office)
    assert [c.pk for c in again] == [c.pk for c in installed]
    assert Checklist.objects.filter(jurisdiction=township).count() == 3 + 1  # + the world's
    assert again[0].items[0]["text"] == "公共场所赌博（改）"
    assert events.count() == 1


def test_install_outside_scope_or_without_permission_is_refused(world: Any) -> None:
    with pytest.raises(Http404):
        checklists.install_standard_checklists(
            world.b.township, actor=world.users["township_staff"]
        )
    with pytest.raises(PermissionDenied):
        checklists.install_standard_checklists(world.a.township, actor=world.users["patrol_member"])
    assert not Checklist.objects.filter(name="社会治安巡查清单").exists()


def test_install_page(world: Any, login: Any) -> None:
    client = login("township_staff")
    page = client.get("/patrols/checklists/install/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "九小场所" in body and "三合一" in body
    assert f'value="{world.b.township.pk}"' not in body
    response = client.post("/patrols/checklists/install/", {"jurisdiction": world.a.township.pk})
    assert response.status_code == 302 and response.url == "/r/checklists/"
    assert (
        Checklist.objects.filter(jurisdiction=world.a.township, name__endswith="巡查清单").count()
        == 3
    )
    # Outside the office's scope: 404, nothing made.
    response = client.post("/patrols/checklists/install/", {"jurisdiction": world.b.township.pk})
    assert response.status_code == 404
    assert not Checklist.objects.filter(
        jurisdiction=world.b.township, name__endswith="巡查清单"
    ).exists()
    assert login("patrol_member").get("/patrols/checklists/install/").status_code == 403


def test_lines_round_trip() -> None:
    items = [
        {"code": "po-01", "text": "公共场所有无聚众赌博", "hint": "棋牌室"},
        {"code": "po-02", "text": "宾馆实名登记", "hint": "", "text_en": "Hotels register guests"},
    ]
    text = items_to_lines(items)
    assert text.splitlines()[0] == "po-01 | 公共场所有无聚众赌博 | 棋牌室"
    assert lines_to_items(text) == items


def _form(world: Any, items: str, name: str = "夜巡检查清单") -> dict[str, Any]:
    return {
        "name": name,
        "category": "public_order",
        "jurisdiction": world.a.township.pk,
        "items": items,
        "active": "on",
        "note": "",
    }


def test_page_accepts_one_item_per_line(world: Any, login: Any) -> None:
    client = login("township_staff")
    text = "po-01 | 公共场所有无聚众赌博 | 棋牌室、茶馆\n\n  po-02 | 宾馆实名登记  \n"
    response = client.post("/r/checklists/new/", _form(world, text))
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Checklist.objects.get(name="夜巡检查清单")
    assert made.items == [
        {"code": "po-01", "text": "公共场所有无聚众赌博", "hint": "棋牌室、茶馆"},
        {"code": "po-02", "text": "宾馆实名登记", "hint": ""},
    ]
    edit = client.get(f"/r/checklists/{made.pk}/edit/")
    assert "po-01 | 公共场所有无聚众赌博 | 棋牌室、茶馆" in edit.content.decode()


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("po-01 | 甲\npo-01 | 乙", "po-01"),  # a code used twice
        ("PO 01 | 甲", "PO 01"),  # not a slug
        ("po-01 |   | 提示", "1"),  # no text
        ("只有一段文字", "1"),  # no separator
        ("", ""),  # no items at all
        ('[{"code": "po-01"}]', "1"),  # JSON without a text
    ],
)
def test_page_refuses_bad_items_naming_the_field(
    world: Any, login: Any, text: str, fragment: str
) -> None:
    client = login("township_staff")
    response = client.post("/r/checklists/new/", _form(world, text))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["items"]
    assert fragment in " ".join(errors["items"])
    # What the clerk typed is shown again (JSON is shown as lines).
    if text.startswith("["):
        assert "po-01 |" in response.content.decode()
    elif text:
        assert text.splitlines()[0].split("|")[0].strip() in response.content.decode()
    assert not Checklist.objects.filter(name="夜巡检查清单").exists()


def test_api_refuses_bad_items_with_422(world: Any, login: Any) -> None:
    client = login("township_staff")
    before = AuditEvent.objects.count()
    payload = {
        "name": "接口清单",
        "category": "fire_safety",
        "jurisdiction": world.a.township.pk,
        "items": [{"code": "fs-01", "text": "甲"}, {"code": "fs-01", "text": "乙"}],
    }
    response = send(client, "post", api_url("checklists"), payload)
    assert response.status_code == 422
    assert "items" in error_fields(response)
    assert "fs-01" in error_fields(response)["items"][0]
    payload["items"] = [{"code": "fs-01", "text": "甲", "colour": "red"}]
    response = send(client, "post", api_url("checklists"), payload)
    assert response.status_code == 422 and "colour" in json.dumps(response.json())
    assert AuditEvent.objects.count() == before
    payload["items"] = [{"code": "fs-01", "text": " 甲 ", "hint": "看"}]
    response = send(client, "post", api_url("checklists"), payload)
    assert response.status_code in (200, 201), response.content
    assert Checklist.objects.get(name="接口清单").items == [
        {"code": "fs-01", "text": "甲", "hint": "看"}
    ]


def test_a_used_checklist_cannot_be_deleted(world: Any) -> None:
    from patrols.office_helpers import at, rich_log

    log = rich_log(world, start=at(2026, 10, 5))
    used = log.checklist_results.first().checklist
    with pytest.raises(RecordInvalid) as exc:
        checklists.delete_checklist(used, actor=world.users["township_staff"])
    assert "__all__" in exc.value.errors
    assert Checklist.objects.filter(pk=used.pk).exists()


def test_item_text_follows_language() -> None:
    item = {"code": "po-01", "text": "赌博", "text_en": "Gambling"}
    assert checklists.item_text(item, "en") == "Gambling"
    assert checklists.item_text(item, "zh-hans") == "赌博"
    assert checklists.item_text({"code": "x", "text": "赌博"}, "en") == "赌博"


def test_detail_page_lists_the_items(world: Any, login: Any) -> None:
    installed = checklists.install_standard_checklists(
        world.a.township, actor=world.users["township_staff"]
    )
    response = login("patrol_member").get(f"/r/checklists/{installed[1].pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<code>ws-03</code>" in body and "三合一" in body
