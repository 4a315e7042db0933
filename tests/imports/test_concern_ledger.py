"""Importing the people-of-concern register (重点人员管理台账) from paper-era Excel registers, and
exporting it — under the privacy rules of the concerns app: explicit grants only, numbers
validated and encrypted, masked exports unless the grant allows full ones, every import and
export audited, and no identity or phone number in audit rows, run errors or messages.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from conftest import PASSWORD, citizen_id_for
from openpyxl import load_workbook

from shouwang.concerns import ledger_io
from shouwang.concerns.models import PersonOfConcern
from shouwang.core import crypto
from shouwang.core import services as core_services
from shouwang.core.models import AuditEvent
from shouwang.core.records import RecordInvalid
from shouwang.imports import services
from shouwang.imports.kinds import KINDS, CellInvalid, ParseContext
from shouwang.imports.models import ImportRun, RunStatus

from .ledger_helpers import (
    api_upload,
    import_ledger,
    paper_ledger,
    parse_export,
    post_mapping,
    upload,
)

KIND = KINDS["concerns"]
ID1 = citizen_id_for("A", 501)
ID2 = citizen_id_for("A", 502)
ID_BAD = ID1[:17] + ("0" if ID1[17] != "0" else "1")  # wrong check digit
PHONE1 = "13911112222"

HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号码",
    "联系电话",
    "现住址",
    "所属村（社区）",
    "人员类别",
    "管控等级",
    "帮扶责任人",
    "最近走访日期",
    "备注",
]
FIRST_DATA_ROW = 5  # title, blank, 填报单位, header


def good_rows() -> list[list[Any]]:
    spaced = f"{ID2[:6]} {ID2[6:14]} {ID2[14:]}"  # typed with spaces
    return [
        [
            1,
            "刘一",
            "男",
            ID1,
            PHONE1,
            "甲社区3组",
            "甲社区",
            "刑满释放人员",
            "红色",
            "甲队员",
            "2026-11-20",
            "",
        ],
        [
            2,
            "陈二",
            "女",
            spaced,
            None,
            "甲社区5组",
            "甲社区",
            "社区矫正对象",
            "黄",
            None,
            None,
            "",
        ],
        [3, "周三", "男", None, None, "甲网格内", "甲网格", "吸毒", "blue", "甲队员", None, ""],
    ]


def bad_rows() -> list[list[Any]]:
    return [
        [4, "错号", "男", ID_BAD, None, "", "甲社区", "其他", "蓝色", None, None, ""],
        [5, "错电话", "男", None, "98765", "", "甲社区", "其他", "蓝色", None, None, ""],
        [6, "错等级", "男", None, None, "", "甲社区", "其他", "紫色", None, None, ""],
        [7, "错帮扶", "男", None, None, "", "甲社区", "其他", "蓝色", "无此人", None, ""],
        [
            8,
            "脱敏号",
            "男",
            "500230********1234",
            None,
            "",
            "甲社区",
            "其他",
            "蓝色",
            None,
            None,
            "",
        ],
        [9, "外县人", "男", None, None, "", "乙社区", "其他", "蓝色", None, None, ""],
    ]


def ledger(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    return paper_ledger(rows, header or HEADER, title="甲街道重点人员管理台账")


def officer(world: Any) -> Any:
    return world.users["concern_officer"]


def run_import(world: Any, raw: bytes, *, user: Any = None, name: str = "重点人员.xlsx") -> Any:
    return import_ledger(KIND, user or officer(world), raw, name)


SECRETS = (ID1, ID2, ID_BAD, PHONE1, "98765")


def assert_no_numbers(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret
    assert ID1[6:14] not in text  # not even the birth date inside the number


# -- the paper register ----------------------------------------------------------------------


def test_bad_rows_import_nothing_and_every_bad_row_is_listed(world: Any, login: Any) -> None:
    client = login("concern_officer")
    before = PersonOfConcern.objects.count()
    response = upload(client, "concerns", ledger(good_rows() + bad_rows()), "重点人员.xlsx")
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ImportRun.objects.latest("pk")
    assert run.header_row == 4 and run.row_count == 9
    assert run.mapping["身份证号码"] == "citizen_id" and run.mapping["联系电话"] == "phone"
    assert run.mapping["管控等级"] == "attention_level" and run.mapping["帮扶责任人"] == "helpers"
    # The mapping page shows sample cells with the numbers masked.
    page = client.get(f"/imports/runs/{run.pk}/mapping/").content.decode()
    assert "刘一" in page and ID1[:3] in page
    assert_no_numbers(page)
    assert post_mapping(client, run, run.mapping).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert PersonOfConcern.objects.count() == before
    by_row = {e["row"]: e for e in run.errors}
    assert set(by_row) == {8, 9, 10, 11, 12, 13}, run.errors
    assert (by_row[8]["column"], by_row[8]["field"]) == ("身份证号码", "citizen_id")
    assert "check digit" in by_row[8]["message"] or "校验" in by_row[8]["message"]
    assert by_row[9]["column"] == "联系电话"
    assert "紫色" in by_row[10]["message"] and by_row[10]["column"] == "管控等级"
    assert "无此人" in by_row[11]["message"] and by_row[11]["column"] == "帮扶责任人"
    assert by_row[12]["column"] == "身份证号码" and by_row[12]["field"] == "citizen_id"
    assert by_row[13]["column"] == "所属村（社区）"
    assert_no_numbers(json.dumps(run.errors, ensure_ascii=False))
    result = client.get(f"/imports/runs/{run.pk}/").content.decode()
    assert_no_numbers(result)
    assert not AuditEvent.objects.filter(code=ledger_io.PERSON_IMPORTED).exists()


def test_corrected_register_is_imported_encrypted_and_audited(world: Any) -> None:
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    run = run_import(world, ledger(good_rows()))
    assert run.status == RunStatus.COMPLETED, run.errors
    assert (run.created_count, run.skipped_count) == (3, 0)

    first = PersonOfConcern.objects.get(name="刘一")
    assert first.citizen_id_full() == ID1 and first.citizen_id_digest == crypto.blind_index(ID1)
    assert first.citizen_id_masked == ID1[:6] + "********" + ID1[-4:]
    assert ID1 not in first.citizen_id_encrypted
    assert first.phone_full() == PHONE1 and first.phone_masked == "139****2222"
    assert first.attention_level == "red" and first.gender == "male"
    assert first.jurisdiction == world.a.village
    assert first.category.code == "released_prisoner"
    assert list(first.helpers.all()) == [world.a.member]
    assert str(first.last_visit_on) == "2026-11-20"
    assert first.next_visit_due == first.compute_next_visit_due() is not None

    second = PersonOfConcern.objects.get(name="陈二")
    assert second.citizen_id_full() == ID2 and second.attention_level == "yellow"
    third = PersonOfConcern.objects.get(name="周三")
    assert third.citizen_id_digest == "" and third.jurisdiction == world.a.grid
    assert third.category.code == "drug_user" and third.attention_level == "blue"

    events = AuditEvent.objects.filter(pk__gt=mark)
    assert events.filter(code=ledger_io.PERSON_IMPORTED).count() == 3
    assert events.filter(code="imports.run.completed").count() == 1
    dumped = json.dumps(
        [[e.before, e.after, e.reason, e.target_repr] for e in events], ensure_ascii=False
    )
    assert_no_numbers(dumped)
    assert "刘一" not in dumped and "刘*" in dumped  # masked names only


def test_same_file_twice_creates_no_duplicates(world: Any) -> None:
    raw = ledger(good_rows())
    assert run_import(world, raw).created_count == 3
    count = PersonOfConcern.objects.count()
    again = run_import(world, raw)
    assert again.status == RunStatus.COMPLETED
    assert (again.created_count, again.skipped_count) == (0, 3)
    assert PersonOfConcern.objects.count() == count
    # The identity number decides, whatever the name or place says (blind index).
    renamed = [[1, "刘壹", "男", ID1.lower(), None, "", "甲网格", "其他", "蓝", None, None, ""]]
    third = run_import(world, ledger(renamed))
    assert third.created_count == 0 and third.skipped == [
        {"row": FIRST_DATA_ROW, "reason": third.skipped[0]["reason"]}
    ]
    assert PersonOfConcern.objects.count() == count


def test_file_without_data_rows_is_an_error(world: Any, login: Any) -> None:
    client = login("concern_officer")
    api = api_upload(client, "concerns", ledger([]), "x.xlsx")
    assert api.status_code == 422
    assert [e["field"] for e in api.json()["errors"]] == ["file"]
    assert not ImportRun.objects.filter(kind="concerns").exists()


def test_unmasked_export_imports_back_unchanged(world: Any, login: Any) -> None:
    run_import(world, ledger(good_rows()))
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client = login("concern_officer")
    response = client.get("/imports/concerns/export.xlsx")
    assert response.status_code == 200
    raw = response.content
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    assert [c.value for c in sheet[2]] == [f.header for f in KIND.fields]
    cells = [str(c.value) for r in sheet.iter_rows(min_row=3) for c in r if c.value]
    assert ID1 in cells and PHONE1 in cells  # the officer's grant allows full numbers
    event = AuditEvent.objects.get(pk__gt=mark, code=ledger_io.PERSON_EXPORTED)
    assert event.after["unmasked"] is True and event.after["rows"] == 3
    assert event.after["via"] == "ledger"
    assert_no_numbers(json.dumps(event.after, ensure_ascii=False))

    count = PersonOfConcern.objects.count()
    again = run_import(world, raw, name="export.xlsx")
    assert again.status == RunStatus.COMPLETED, again.errors
    assert (again.created_count, again.skipped_count) == (0, 3)
    assert PersonOfConcern.objects.count() == count

    staff = officer(world)
    parsed = parse_export(KIND, staff, raw)
    stored = {KIND.natural_key(KIND.values_of(p)): p for p in PersonOfConcern.objects.all()}
    for _number, values in parsed:
        assert values == KIND.values_of(stored[KIND.natural_key(values)])


def test_masked_export_is_refused_on_import_with_a_clear_reason(world: Any, login: Any) -> None:
    run_import(world, ledger(good_rows()))
    staff = world.users["township_staff"]  # concerns grant, no unmasked-export flag
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = login("township_staff").get("/imports/concerns/export.xlsx")
    assert response.status_code == 200
    raw = response.content
    cells = [str(c.value) for r in load_workbook(io.BytesIO(raw)).worksheets[0] for c in r]
    assert_no_numbers(" ".join(cells))
    assert ID1[:6] + "********" + ID1[-4:] in cells and "139****2222" in cells
    event = AuditEvent.objects.get(pk__gt=mark, code=ledger_io.PERSON_EXPORTED)
    assert event.after["unmasked"] is False and event.after["rows"] == 3

    count = PersonOfConcern.objects.count()
    refused = run_import(world, raw, user=staff, name="masked.xlsx")
    assert refused.status == RunStatus.FAILED and PersonOfConcern.objects.count() == count
    masked = {(e["row"], e["field"]) for e in refused.errors}
    # 刘一 has both numbers masked, 陈二 the identity number; 周三 has none (not refused).
    assert masked == {(3, "citizen_id"), (3, "phone"), (4, "citizen_id")}, refused.errors


@pytest.mark.parametrize("role", ["county_supervisor", "auditor", "system_admin", "grid_worker"])
def test_roles_without_the_explicit_grant_may_not_import(world: Any, login: Any, role: str) -> None:
    raw = ledger(good_rows())
    client = login(role)
    assert client.get("/imports/concerns/upload/").status_code == 403
    response = api_upload(client, "concerns", raw, "a.xlsx")
    assert response.status_code == 403
    assert not PersonOfConcern.objects.filter(name="刘一").exists()
    if role != "grid_worker":  # grid workers see (masked) the people they help
        assert client.get("/imports/concerns/export.xlsx").status_code == 403


def test_superuser_without_an_explicit_role_is_refused_and_sees_no_runs(
    world: Any, login: Any
) -> None:
    run = run_import(world, ledger(good_rows()))
    root = core_services.create_user(actor=world.admin, username="root3", password=PASSWORD)
    root.is_superuser = True
    root.save()
    client = login(root)
    assert client.get("/imports/concerns/upload/").status_code == 403
    response = api_upload(client, "concerns", ledger(good_rows()), "a.xlsx")
    assert response.status_code == 403
    assert client.get("/imports/concerns/export.xlsx").status_code == 403
    assert client.get(f"/imports/runs/{run.pk}/").status_code == 404
    assert client.get(f"/api/v1/imports/runs/{run.pk}").status_code == 404
    assert "concerns" not in [k["key"] for k in client.get("/api/v1/imports/").json()]
    # The world's administrator (superuser, "*" grants) alike.
    admin = login(world.admin)
    assert admin.get(f"/imports/runs/{run.pk}/").status_code == 404
    assert admin.get("/imports/concerns/upload/").status_code == 403


def test_office_staff_may_import_but_only_in_their_township(world: Any) -> None:
    staff = world.users["township_staff"]
    run = run_import(world, ledger(good_rows()), user=staff)
    assert run.status == RunStatus.COMPLETED and run.created_count == 3
    with pytest.raises(RecordInvalid) as refused:
        services.import_file(
            actor=staff,
            kind=KIND,
            file_name="b.xlsx",
            raw=ledger(good_rows()),
            jurisdiction=world.b.township.pk,
        )
    assert set(refused.value.errors) == {"jurisdiction"}


def test_identity_numbers_typed_as_numbers_and_other_spellings(world: Any) -> None:
    ctx = ParseContext(officer(world), world.a.township, PersonOfConcern)
    field = KIND.get_field("citizen_id")
    with pytest.raises(CellInvalid) as lost:
        field.parse(float(ID1[:15] + "000"), ctx)
    assert "text" in str(lost.value) or "文本" in str(lost.value)
    value = field.parse("５" + ID1[1:], ctx)  # a full-width digit
    assert value.full == ID1 and repr(value).count(ID1) == 0
    with pytest.raises(CellInvalid) as short:
        field.parse(ID1[:17], ctx)
    assert ID1[:17] not in str(short.value)
    level = KIND.get_field("attention_level")
    for cell, stored in (("红", "red"), ("红色", "red"), ("RED", "red"), ("重点关注", "yellow")):
        assert level.parse(cell, ctx) == stored
    assert ledger_io.mask_numbers(f"号码 {ID1} 与 {PHONE1}") == (
        f"号码 {ID1[:3]}{'*' * 11}{ID1[-4:]} 与 139****2222"
    )


def test_the_upload_is_kept_encrypted_until_the_run_is_finished(world: Any) -> None:
    text = "\n".join(
        [
            "姓名,身份证号码,所属村（社区）,人员类别,关注等级",
            f"刘一,{ID1},甲社区,刑满释放人员,红色",
        ]
    )
    run = services.start_run(
        actor=officer(world), kind=KIND, file_name="a.csv", raw=text.encode("utf-8")
    )
    kept = bytes(ImportRun.objects.get(pk=run.pk).content)
    assert ID1.encode() not in kept and "刘一".encode() not in kept
    assert services.data_rows(run)[0][1][1] == ID1
    done = services.execute_run(run, actor=officer(world))
    assert done.status == RunStatus.COMPLETED and done.content is None
    assert PersonOfConcern.objects.get(name="刘一").citizen_id_full() == ID1


def test_numbers_in_the_wrong_column_are_masked_in_run_errors(world: Any) -> None:
    # Columns shifted by one: the identity number lands in the village column.
    rows = [[1, "刘一", "男", None, None, "甲社区3组", ID1[:17], "其他", "红色", None, None, ""]]
    run = run_import(world, ledger(rows))
    assert run.status == RunStatus.FAILED
    (error,) = run.errors
    assert error["column"] == "所属村（社区）" and "*" in error["message"]
    assert ID1[:15] not in error["message"] and ID1[6:14] not in error["message"]
