"""Ledger import API (/api/v1/imports/).

`POST /{kind}/` (multipart: `file`, optional `mapping` as JSON {column header: field name or
""}, optional `jurisdiction` id, optional `dry_run`, optional `header_row` when the header is
not found by its column names) uploads, maps and imports in one call:
200 with the counts (created, skipped duplicates and their rows); 422 when the file, the
mapping or any row is refused — then nothing is imported and `errors` lists every problem with
its `row` (sheet row number) and `column` (header as written). `GET /mappings` lists the saved
column mappings, `GET /runs/{id}` one run, `GET /` the ledger kinds and their fields.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.imports import services
from shouwang.imports.kinds import KINDS, LedgerKind
from shouwang.imports.models import ColumnMapping, ImportRun, RunStatus

router = Router(tags=["ledger imports"])


class FieldOut(Schema):
    name: str
    label: str
    required: bool
    header: str
    aliases: list[str]


class KindOut(Schema):
    key: str
    label: str
    may_import: bool
    fields: list[FieldOut]


class RowError(Schema):
    field: str
    label: str
    message: str
    row: int | None = None
    column: str = ""


class ImportErrorOut(Schema):
    detail: str
    run: int | None = None
    errors: list[RowError] = []


class SkippedOut(Schema):
    row: int
    reason: str


class RunOut(Schema):
    id: int
    kind: str
    file_name: str
    sha256: str
    jurisdiction: int
    status: str
    status_label: str
    dry_run: bool
    header_row: int
    mapping: dict[str, str]
    saved_mapping: int | None
    rows: int
    created: int
    would_create: int
    skipped: int
    skipped_rows: list[SkippedOut]
    errors: list[RowError]


class MappingOut(Schema):
    id: int
    kind: str
    name: str
    signature: str
    jurisdiction: int
    headers: list[str]
    mapping: dict[str, str]


def _label(kind: LedgerKind | None, name: str) -> str:
    if kind is None or name == NON_FIELD or name not in kind.field_names:
        return ""
    return str(kind.get_field(name).label)


def _run_out(run: ImportRun) -> dict[str, Any]:
    kind = KINDS.get(run.kind)
    return {
        "id": run.pk,
        "kind": run.kind,
        "file_name": run.file_name,
        "sha256": run.sha256,
        "jurisdiction": run.jurisdiction_id,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "dry_run": run.dry_run,
        "header_row": run.header_row,
        "mapping": run.mapping,
        "saved_mapping": run.column_mapping_id,
        "rows": run.row_count,
        "created": run.created_count,
        "would_create": services.would_create(run),
        "skipped": run.skipped_count,
        "skipped_rows": run.skipped,
        "errors": [{**e, "label": _label(kind, e.get("field", ""))} for e in run.errors or []],
    }


def _refused(request: HttpRequest, kind: LedgerKind | None, exc: RecordInvalid) -> Any:
    errors = [
        {"field": name, "label": _label(kind, name), "message": m, "row": None, "column": ""}
        for name, messages in exc.errors.items()
        for m in messages
    ]
    return Status(422, {"detail": _("The input was not accepted."), "run": None, "errors": errors})


@router.get("/", response=list[KindOut])
def list_kinds(request: HttpRequest) -> Any:
    """The ledger kinds the caller may export (and whether they may import them)."""
    return [
        {
            "key": k.key,
            "label": str(k.label),
            "may_import": can(request.user, k.model, "add"),
            "fields": [
                {
                    "name": f.name,
                    "label": str(f.label),
                    "required": f.required,
                    "header": f.header,
                    "aliases": list(f.aliases),
                }
                for f in k.fields
            ],
        }
        for k in KINDS.values()
        if can(request.user, k.model, "view")
    ]


@router.get("/mappings", response=list[MappingOut])
def list_mappings(request: HttpRequest, kind: str = "") -> Any:
    """Saved column mappings the caller may use (normalised header → field; "" = ignored)."""
    qs = ColumnMapping.objects.visible_to(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return [
        {
            "id": m.pk,
            "kind": m.kind,
            "name": m.name,
            "signature": m.signature,
            "jurisdiction": m.jurisdiction_id,
            "headers": m.headers,
            "mapping": m.mapping,
        }
        for m in qs
    ]


@router.get("/runs/{run_id}", response={200: RunOut, 404: ImportErrorOut})
def get_run(request: HttpRequest, run_id: int) -> Any:
    """One import run with its counts, skipped rows and errors."""
    return _run_out(get_for(ImportRun, request.user, run_id))


@router.post(
    "/{kind}/",
    response={200: RunOut, 403: ImportErrorOut, 404: ImportErrorOut, 422: ImportErrorOut},
)
def import_ledger(
    request: HttpRequest,
    kind: str,
    file: UploadedFile = File(...),  # noqa: B008
    mapping: str | None = Form(None),
    jurisdiction: str | None = Form(None),
    dry_run: bool = Form(False),
    header_row: int | None = Form(None),
) -> Any:
    """Import a ledger: every row valid and all imported, or nothing (422 with every row's
    errors). With `dry_run`, only check and count."""
    ledger = KINDS.get(kind)
    if ledger is None:
        raise Http404
    given: Any = None
    if mapping not in (None, ""):
        try:
            given = json.loads(mapping or "")
        except ValueError:
            return _refused(
                request,
                ledger,
                RecordInvalid({"mapping": [_("Give the mapping as {column header: field}.")]}),
            )
    try:
        run = services.import_file(
            actor=request.user,
            kind=ledger,
            file_name=file.name or "",
            raw=file.read(),
            jurisdiction=jurisdiction,
            mapping=given,
            dry_run=dry_run,
            header_row=header_row,
        )
    except RecordInvalid as exc:
        return _refused(request, ledger, exc)
    if run.status == RunStatus.FAILED:
        body = _run_out(run)
        return Status(
            422,
            {
                "detail": _("Nothing was imported: some rows are not valid."),
                "run": run.pk,
                "errors": body["errors"],
            },
        )
    return _run_out(run)
