"""What the ledger-kind tests share: paper-era workbooks built the way offices type them, and
the upload, mapping and re-import steps (a module, not a conftest: a nested conftest would
shadow `from conftest import …` of tests/conftest.py)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shouwang.imports import services
from shouwang.imports.kinds import LedgerKind, ParseContext
from shouwang.imports.models import ImportRun


def paper_ledger(
    rows: list[list[Any]],
    header: list[str],
    *,
    title: str = "",
    office: str = "甲街道综治办",
    filed_on: str = "2026年11月30日",
) -> bytes:
    """An .xlsx ledger: with a `title`, the title row, a blank row and the "填报单位" line come
    before the header (data then starts at sheet row 5); without, the header is row 1."""
    book = Workbook()
    sheet: Any = book.active
    if title:
        sheet.append([title])
        sheet.append([])
        sheet.append([f"填报单位：{office}", None, None, None, f"填报日期：{filed_on}"])
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cells(header: list[str], **values: Any) -> list[Any]:
    """A data row under `header`: the cells named by their header, the others empty."""
    return [values.get(h) for h in header]


def import_ledger(kind: LedgerKind, actor: Any, raw: bytes, name: str) -> ImportRun:
    """Upload and import in one step, as the API does without a mapping."""
    return services.import_file(actor=actor, kind=kind, file_name=name, raw=raw)


def upload(client: Any, key: str, raw: bytes, name: str, **extra: Any) -> Any:
    """The upload page of ledger kind `key`."""
    return client.post(f"/imports/{key}/upload/", {"file": SimpleUploadedFile(name, raw), **extra})


def api_upload(client: Any, key: str, raw: bytes, name: str, **extra: Any) -> Any:
    """The import API of ledger kind `key`."""
    return client.post(f"/api/v1/imports/{key}/", {"file": SimpleUploadedFile(name, raw), **extra})


def post_mapping(client: Any, run: ImportRun, mapping: dict[str, str], **extra: Any) -> Any:
    """The mapping page, confirmed with header → field `mapping` (other columns unmapped)."""
    data = {f"col-{i}": mapping.get(h, "") for i, h in enumerate(run.headers)}
    return client.post(f"/imports/runs/{run.pk}/mapping/", {**data, **extra})


def parse_export(kind: LedgerKind, actor: Any, raw: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The rows of an exported ledger parsed as an import would parse them (none refused)."""
    check = services.start_run(actor=actor, kind=kind, file_name="e.xlsx", raw=raw)
    ctx = ParseContext(actor=actor, jurisdiction=check.jurisdiction, model=kind.model)
    parsed, errors = services.validate_rows(
        kind, check.headers, check.mapping, services.data_rows(check), ctx
    )
    assert not errors
    return parsed
