"""Ledger import services: upload → header found → mapping proposed, confirmed and saved →
every row validated → all rows created in one transaction, or none.

* `start_run` reads the upload, finds the header row, proposes a mapping (the saved one for
  this layout, else by header aliases) and keeps the file until the run is finished.
* `save_mapping` / `update_mapping` store a mapping for a layout at a jurisdiction.
* `execute_run` validates every row; if any row fails, nothing is imported and every failed row
  is listed (sheet row number, column header, reason in the user's language). A file without
  data rows is refused. Rows whose natural key is already stored (or repeats an earlier row of
  the file) are skipped and reported, so importing a file twice, or our own export, creates
  nothing new. Records are created through the ledger kind's `create` (the app's service: its
  validation and its audit), all in one transaction with one `imports.run.completed` event.
* `import_file` does all three in one call (the API).
* The pages hand runs of more than `BACKGROUND_ROWS` rows to a background job (`submit_run`,
  job kind `EXECUTE_JOB`, see tasks.py) with a progress bar, so a large ledger never times out
  a page; the work and its all-or-nothing rule are the same.
* `export_xlsx` writes a kind's records with exactly the headers the import recognises.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.core import crypto, jobs
from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.models import BackgroundJob, Jurisdiction
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for, is_explicit_only, record_type_key, user_grants
from shouwang.imports import reading
from shouwang.imports.kinds import KINDS, CellInvalid, LedgerKind, ParseContext, may_add_at
from shouwang.imports.models import ColumnMapping, ImportRun, RunStatus

RUN_STARTED = "imports.run.started"
RUN_COMPLETED = "imports.run.completed"
RUN_CHECKED = "imports.run.checked"
RUN_FAILED = "imports.run.failed"
MAPPING_SAVED = "imports.mapping.saved"
ACTIONS.setdefault(RUN_STARTED, gettext_lazy("Ledger uploaded for import"))
ACTIONS.setdefault(RUN_COMPLETED, gettext_lazy("Ledger imported"))
ACTIONS.setdefault(RUN_CHECKED, gettext_lazy("Ledger checked (trial run)"))
ACTIONS.setdefault(RUN_FAILED, gettext_lazy("Ledger import refused"))
ACTIONS.setdefault(MAPPING_SAVED, gettext_lazy("Column mapping saved"))

#: The mapping value of a column that is not imported.
IGNORED = ""

#: The background job kind that executes a run (tasks.py).
EXECUTE_JOB = "imports.execute"
#: Runs with more data rows than this are executed in the background by the pages.
BACKGROUND_ROWS = 200
#: Progress is reported every so many rows while checking, which takes this share of the bar
#: (the import itself is one transaction: its progress cannot be seen until it commits).
PROGRESS_EVERY = 25
CHECK_PERCENT = 30

Progress = Callable[..., None]


# -- who may import where -------------------------------------------------------------------


def importable_kinds(user: Any) -> list[LedgerKind]:
    """The ledger kinds the user may import (holds "add" on the record type somewhere)."""
    return [k for k in KINDS.values() if can(user, k.model, "add")]


def import_places(user: Any, kind: LedgerKind) -> QuerySet[Jurisdiction]:
    """Jurisdictions where the user may add records of the kind (to import a ledger for)."""
    qs = Jurisdiction.objects.visible_to(user).order_by("path")
    key = record_type_key(kind.model)
    if getattr(user, "is_superuser", False) and not is_explicit_only(key):
        return qs
    paths = [
        g.jurisdiction.path
        for g in user_grants(user)
        if g.role.allows(key, "add") and not g.role.is_global
    ]
    if any(g.role.is_global and g.role.allows(key, "add") for g in user_grants(user)):
        return qs
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return qs.filter(condition)


def default_place(user: Any, kind: LedgerKind) -> Jurisdiction | None:
    """The one jurisdiction the user imports for, when their "add" grants name exactly one."""
    key = record_type_key(kind.model)
    places = {
        g.jurisdiction_id
        for g in user_grants(user)
        if g.role.allows(key, "add") and not g.role.is_global
    }
    if len(places) == 1:
        return Jurisdiction.objects.get(pk=places.pop())
    return None


def _require_add(actor: Any, kind: LedgerKind) -> None:
    if not can(actor, kind.model, "add"):
        raise PermissionDenied


def _resolve_place(actor: Any, kind: LedgerKind, jurisdiction: Any) -> Jurisdiction:
    if isinstance(jurisdiction, Jurisdiction):
        place: Jurisdiction | None = jurisdiction
    elif jurisdiction in (None, ""):
        place = default_place(actor, kind)
        if place is None:
            raise RecordInvalid(
                {"jurisdiction": [_("Choose the jurisdiction the ledger belongs to.")]}
            )
    else:
        try:
            pk = int(jurisdiction)
        except (TypeError, ValueError):
            pk = 0
        place = Jurisdiction.objects.visible_to(actor).filter(pk=pk).first()
    if place is None or not may_add_at(actor, kind.model, place):
        raise RecordInvalid(
            {"jurisdiction": [_("Choose a jurisdiction where you may add these records.")]}
        )
    return place


# -- mappings -------------------------------------------------------------------------------


def saved_mapping_for(
    kind: LedgerKind, signature: str, place: Jurisdiction
) -> ColumnMapping | None:
    """The mapping saved for this layout at the place or the nearest jurisdiction above it."""
    ids = [int(p) for p in place.path.strip("/").split("/") if p] or [place.pk]
    found = {
        m.jurisdiction_id: m
        for m in ColumnMapping.objects.filter(
            kind=kind.key, signature=signature, jurisdiction_id__in=ids
        )
    }
    for jid in reversed(ids):
        if jid in found:
            return found[jid]
    return None


def check_mapping(
    kind: LedgerKind, headers: list[str], mapping: Mapping[str, Any]
) -> dict[str, str]:
    """A complete header → field mapping, or RecordInvalid on "mapping" saying what is wrong:
    unknown columns or fields, a field taken by two columns, a required field left out."""
    if not isinstance(mapping, Mapping):
        raise RecordInvalid({"mapping": [_("Give the mapping as {column header: field}.")]})
    problems: list[str] = []
    names = set(kind.field_names)
    result: dict[str, str] = {}
    for header in headers:
        value = mapping.get(header, IGNORED)
        value = IGNORED if value in (None, "-") else str(value)
        if value != IGNORED and value not in names:
            problems.append(
                _("Column “%(column)s”: unknown field “%(field)s”.")
                % {"column": header, "field": value}
            )
            value = IGNORED
        result[header] = value
    for header in mapping:
        if header not in headers:
            problems.append(_("There is no column “%(column)s” in the file.") % {"column": header})
    columns: dict[str, list[str]] = {}
    for header, name in result.items():
        if name:
            columns.setdefault(name, []).append(header)
    for name, taken_by in columns.items():
        if len(taken_by) > 1:
            problems.append(
                _("“%(field)s” is taken by several columns: %(columns)s.")
                % {"field": kind.get_field(name).label, "columns": "、".join(taken_by)}
            )
    for f in kind.fields:
        if f.required and f.name not in columns:
            problems.append(_("Choose the column for “%(field)s”.") % {"field": f.label})
    if problems:
        raise RecordInvalid({"mapping": problems})
    return result


def _stored_mapping(headers: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    return {reading.normalise_header(h): mapping.get(h, IGNORED) for h in headers}


def _applied_mapping(headers: list[str], stored: Mapping[str, str]) -> dict[str, str]:
    return {h: stored.get(reading.normalise_header(h), IGNORED) for h in headers}


def save_mapping(
    *,
    actor: Any,
    run: ImportRun,
    mapping: Mapping[str, Any],
    name: str = "",
) -> ColumnMapping:
    """Confirm the run's mapping and save it for its layout at the run's jurisdiction (the next
    upload of the same layout there or below applies it). A saved mapping confirmed unchanged
    (say, the township's, used by a village) is used as it is, not copied."""
    kind = KINDS[run.kind]
    _require_add(actor, kind)
    checked = check_mapping(kind, list(run.headers), mapping)
    with transaction.atomic():
        get_for(ImportRun, actor, run.pk)  # 404 alike for missing and out of scope
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.status not in (RunStatus.UPLOADED, RunStatus.CHECKED):
            raise RecordInvalid({NON_FIELD: [_("This import is already finished.")]})
        applied = locked.column_mapping
        if (
            applied is not None
            and applied.mapping == _stored_mapping(list(locked.headers), checked)
            and (not (name or "").strip() or name.strip()[:100] == applied.name)
        ):
            locked.mapping = checked
            locked.save(update_fields=["mapping"])
            run.mapping = checked
            return applied
        existing = (
            ColumnMapping.objects.select_for_update()
            .filter(kind=kind.key, signature=locked.signature, jurisdiction=locked.jurisdiction)
            .first()
        )
        before = snapshot(existing) if existing is not None else None
        column_mapping = existing or ColumnMapping(
            kind=kind.key,
            signature=locked.signature,
            jurisdiction=locked.jurisdiction,
            created_by=actor,
        )
        column_mapping.name = (name or "").strip()[:100] or column_mapping.name or locked.file_name
        column_mapping.headers = list(locked.headers)
        column_mapping.mapping = _stored_mapping(list(locked.headers), checked)
        column_mapping.full_clean()
        column_mapping.save()
        locked.mapping = checked
        locked.column_mapping = column_mapping
        locked.save(update_fields=["mapping", "column_mapping"])
        record_event(
            MAPPING_SAVED,
            actor=actor,
            target=column_mapping,
            before=before,
            after=snapshot(column_mapping),
            parent=locked,
        )
    run.mapping, run.column_mapping = locked.mapping, column_mapping
    return column_mapping


def update_mapping(
    column_mapping: ColumnMapping, *, actor: Any, mapping: Mapping[str, Any], name: str = ""
) -> ColumnMapping:
    """Edit a saved mapping (header → field) and its name."""
    kind = KINDS.get(column_mapping.kind)
    if kind is None:
        raise RecordInvalid({NON_FIELD: [_("Unknown ledger kind.")]})
    _require_add(actor, kind)
    headers = list(column_mapping.headers)
    checked = check_mapping(kind, headers, mapping)
    with transaction.atomic():
        get_for(ColumnMapping, actor, column_mapping.pk)
        locked = ColumnMapping.objects.select_for_update().get(pk=column_mapping.pk)
        before = snapshot(locked)
        locked.mapping = _stored_mapping(headers, checked)
        if (name or "").strip():
            locked.name = name.strip()[:100]
        locked.full_clean()
        locked.save()
        record_event(
            MAPPING_SAVED, actor=actor, target=locked, before=before, after=snapshot(locked)
        )
    return locked


# -- a run ----------------------------------------------------------------------------------


def start_run(
    *,
    actor: Any,
    kind: LedgerKind,
    file_name: str,
    raw: bytes,
    jurisdiction: Any = None,
    header_row: Any = None,
) -> ImportRun:
    """Read the upload, find its header row (or take the row number given) and propose the
    mapping; keep the file until the run is finished. A file that cannot be read, has no
    header row or no data rows is refused on "file" (and no run is kept)."""
    _require_add(actor, kind)
    place = _resolve_place(actor, kind, jurisdiction)
    row_number = _header_row(header_row)
    sheet = reading.read_sheet(raw, file_name)
    signatures = ColumnMapping.objects.filter(kind=kind.key).values_list("signature", flat=True)
    layout = reading.find_layout(sheet, kind, signatures, header_row=row_number)
    if not layout.data:
        raise reading.file_error(
            _("The file has a header row (row %(row)s) but no data rows: nothing to import.")
            % {"row": layout.header_row}
        )
    if len(layout.data) > reading.MAX_ROWS:
        raise reading.file_error(_("At most %(n)s rows per file.") % {"n": reading.MAX_ROWS})
    saved = saved_mapping_for(kind, layout.signature, place)
    if saved is not None:
        mapping = _applied_mapping(layout.headers, saved.mapping)
    else:
        mapping = reading.propose_mapping(kind, layout)
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind.key,
            file_name=(file_name or "")[-255:],
            sha256=hashlib.sha256(raw).hexdigest(),
            content=_seal(raw),
            actor=actor,
            jurisdiction=place,
            header_row=layout.header_row,
            headers=layout.headers,
            signature=layout.signature,
            mapping=mapping,
            column_mapping=saved,
            row_count=len(layout.data),
        )
        record_event(RUN_STARTED, actor=actor, target=run, after=_run_summary(run))
    return run


def _header_row(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= reading.HEADER_SEARCH_ROWS:
        raise RecordInvalid(
            {
                "header_row": [
                    _("The header row must be one of the first %(n)s rows.")
                    % {"n": reading.HEADER_SEARCH_ROWS}
                ]
            }
        )
    return number


def _run_summary(run: ImportRun) -> dict[str, Any]:
    return {
        "kind": run.kind,
        "file_name": run.file_name,
        "sha256": run.sha256,
        "status": run.status,
        "rows": run.row_count,
        "created": run.created_count,
        "skipped": run.skipped_count,
        "errors": len(run.errors or []),
    }


def _seal(raw: bytes) -> bytes:
    """The upload as kept until its run is finished: encrypted, since ledgers may hold identity
    and phone numbers (people of concern, dispute parties) that are only ever stored encrypted."""
    return crypto.encrypt(base64.b64encode(raw).decode("ascii")).encode("ascii")


def _unseal(kept: bytes) -> bytes:
    return base64.b64decode(crypto.decrypt(kept.decode("ascii")))


def data_rows(run: ImportRun) -> list[tuple[int, list[Any]]]:
    if run.content is None:
        raise RecordInvalid({"file": [_("The uploaded file is no longer kept; upload it again.")]})
    sheet = reading.read_sheet(_unseal(bytes(run.content)), run.file_name)
    return [(n, cells) for n, cells in sheet.rows if n > run.header_row]


def _error(row: int, column: str, name: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "field": name, "message": str(message)}


def validate_rows(
    kind: LedgerKind,
    headers: list[str],
    mapping: Mapping[str, str],
    rows: list[tuple[int, list[Any]]],
    ctx: ParseContext,
    progress: Progress | None = None,
) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """Parse every row: (row number, values) of the good rows and the errors of the bad ones."""
    column_of = {name: headers.index(h) for h, name in mapping.items() if name}
    header_of = {name: h for h, name in mapping.items() if name}
    parsed: list[tuple[int, dict[str, Any]]] = []
    errors: list[dict[str, Any]] = []
    for done, (number, cells) in enumerate(rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(
                CHECK_PERCENT * done / len(rows),
                _("Checking row %(done)d of %(total)d") % {"done": done + 1, "total": len(rows)},
            )
        values: dict[str, Any] = {}
        row_errors: list[dict[str, Any]] = []
        for f in kind.fields:
            index = column_of.get(f.name)
            raw = cells[index] if index is not None and index < len(cells) else None
            try:
                value = f.parse(raw, ctx)
            except CellInvalid as exc:
                message = kind.masked(str(exc))  # a cell's text may be quoted in the message
                row_errors.append(_error(number, header_of.get(f.name, ""), f.name, message))
                continue
            if f.required and value in (None, ""):
                row_errors.append(
                    _error(number, header_of.get(f.name, ""), f.name, _("This cell is required."))
                )
                continue
            values[f.name] = value
        if not row_errors and kind.check_row is not None:
            for name, message in kind.check_row(values, ctx).items():
                row_errors.append(
                    _error(number, header_of.get(name, ""), name, kind.masked(str(message)))
                )
        if row_errors:
            errors.extend(row_errors)
        else:
            parsed.append((number, values))
    return parsed, errors


def _duplicates(
    kind: LedgerKind, parsed: list[tuple[int, dict[str, Any]]]
) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """Split rows into new ones and duplicates (of a stored record or of an earlier row)."""
    stored = {kind.natural_key(kind.values_of(r)) for r in kind.candidates([v for _n, v in parsed])}
    first_row: dict[tuple[Any, ...], int] = {}
    fresh: list[tuple[int, dict[str, Any]]] = []
    skipped: list[dict[str, Any]] = []
    for number, values in parsed:
        key = kind.natural_key(values)
        if key in stored:
            skipped.append({"row": number, "reason": _("Already in the register.")})
        elif key in first_row:
            skipped.append(
                {
                    "row": number,
                    "reason": _("Same as row %(row)s of this file.") % {"row": first_row[key]},
                }
            )
        else:
            first_row[key] = number
            fresh.append((number, values))
    return fresh, skipped


def _service_errors(
    number: int, exc: RecordInvalid, kind: LedgerKind, mapping: Mapping[str, str]
) -> list[dict[str, Any]]:
    header_of = {name: h for h, name in mapping.items() if name}
    out = []
    for name, messages in exc.errors.items():
        label = ""
        if name in kind.field_names and name not in header_of:
            label = f"{kind.get_field(name).label}："
        for message in messages:
            text = kind.masked(f"{label}{message}")
            out.append(_error(number, header_of.get(name, ""), name, text))
    return out


class _Refused(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


def runs_in_background(run: ImportRun) -> bool:
    """Whether the pages hand this run to a background job rather than doing it in the request."""
    return run.row_count > BACKGROUND_ROWS


def submit_run(run: ImportRun, *, actor: Any, dry_run: bool = False) -> BackgroundJob:
    """Execute (or, with `dry_run`, only check) a run in a background job, with progress; the
    job page links to the run's result. The run itself is checked again when the job starts."""
    kind = KINDS[run.kind]
    _require_add(actor, kind)
    run = get_for(ImportRun, actor, run.pk)
    if run.status not in (RunStatus.UPLOADED, RunStatus.CHECKED):
        raise RecordInvalid({NON_FIELD: [_("This import is already finished.")]})
    return jobs.submit(
        EXECUTE_JOB, {"run": run.pk, "dry_run": dry_run}, actor, jurisdiction=run.jurisdiction
    )


def execute_run(
    run: ImportRun, *, actor: Any, dry_run: bool = False, progress: Progress | None = None
) -> ImportRun:
    """Validate every row and import them all, or none (see the module docstring). With
    `dry_run`, only check and count (status "checked"; the run may be executed afterwards).
    `progress(percent, message)` is told how far it got (background jobs)."""
    kind = KINDS[run.kind]
    _require_add(actor, kind)
    run = get_for(ImportRun, actor, run.pk)  # fresh, and 404 alike if out of scope
    if run.status not in (RunStatus.UPLOADED, RunStatus.CHECKED):
        raise RecordInvalid({NON_FIELD: [_("This import is already finished.")]})
    mapping = check_mapping(kind, list(run.headers), run.mapping)
    rows = data_rows(run)
    ctx = ParseContext(actor=actor, jurisdiction=run.jurisdiction, model=kind.model)
    parsed, errors = validate_rows(kind, list(run.headers), mapping, rows, ctx, progress)
    if not rows:
        errors.append(_error(run.header_row, "", NON_FIELD, _("The file has no data rows.")))
    if errors:
        return _finish(run, actor, RunStatus.FAILED, errors=errors)
    if dry_run:
        fresh, skipped = _duplicates(kind, parsed)
        return _finish(run, actor, RunStatus.CHECKED, skipped=skipped, created=len(fresh))
    if progress is not None:
        # Written before the import's transaction: progress written inside it would only be
        # seen once it commits (and SQLite allows no second writer meanwhile).
        progress(
            CHECK_PERCENT,
            _("Importing %(total)d rows…") % {"total": len(parsed)},
            force=True,
        )
    try:
        with transaction.atomic():
            # One import at a time per jurisdiction: the duplicate check below then sees
            # what a concurrent import of the same file has just written.
            Jurisdiction.objects.select_for_update().filter(pk=run.jurisdiction_id).first()
            locked = ImportRun.objects.select_for_update().get(pk=run.pk)
            if locked.status not in (RunStatus.UPLOADED, RunStatus.CHECKED):
                raise RecordInvalid({NON_FIELD: [_("This import is already finished.")]})
            fresh, skipped = _duplicates(kind, parsed)
            failures: list[dict[str, Any]] = []
            source = _("ledger “%(file)s”") % {"file": run.file_name}
            for number, values in fresh:
                try:
                    with transaction.atomic():
                        kind.create(
                            actor=actor, values=values, row=number, source=source, context=ctx
                        )
                except RecordInvalid as exc:
                    failures.extend(_service_errors(number, exc, kind, mapping))
                except PermissionDenied:
                    failures.append(
                        _error(number, "", NON_FIELD, _("You may not add this record."))
                    )
            if failures:
                raise _Refused(failures)
            return _finish(locked, actor, RunStatus.COMPLETED, skipped=skipped, created=len(fresh))
    except _Refused as refused:
        return _finish(run, actor, RunStatus.FAILED, errors=refused.errors)


def _finish(
    run: ImportRun,
    actor: Any,
    status: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    skipped: list[dict[str, Any]] | None = None,
    created: int = 0,
) -> ImportRun:
    """Record the outcome on the run with its audit event (inside the caller's transaction
    when the import succeeded, in its own one when it was refused and rolled back)."""
    with transaction.atomic():
        run.status = status
        run.errors = errors or []
        run.skipped = [{"row": s["row"], "reason": str(s["reason"])} for s in skipped or []]
        run.skipped_count = len(run.skipped)
        run.created_count = created if status == RunStatus.COMPLETED else 0
        run.dry_run = status == RunStatus.CHECKED
        run.finished_at = timezone.now()
        if status != RunStatus.CHECKED:
            run.content = None  # the file's hash stays; its content is not kept
        run.save()
        code = {
            RunStatus.COMPLETED: RUN_COMPLETED,
            RunStatus.CHECKED: RUN_CHECKED,
            RunStatus.FAILED: RUN_FAILED,
        }[RunStatus(status)]
        summary = _run_summary(run)
        if status == RunStatus.CHECKED:
            summary["would_create"] = created
        record_event(code, actor=actor, target=run, after=summary)
    return run


def would_create(run: ImportRun) -> int:
    """For a trial run: how many records a real run would create (rows minus duplicates)."""
    if run.status == RunStatus.CHECKED:
        return max(0, run.row_count - run.skipped_count)
    return run.created_count


def import_file(
    *,
    actor: Any,
    kind: LedgerKind,
    file_name: str,
    raw: bytes,
    jurisdiction: Any = None,
    mapping: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    header_row: Any = None,
) -> ImportRun:
    """Upload, map (the given mapping is checked and saved; else the saved or proposed one)
    and execute in one call."""
    run = start_run(
        actor=actor,
        kind=kind,
        file_name=file_name,
        raw=raw,
        jurisdiction=jurisdiction,
        header_row=header_row,
    )
    if mapping is not None:
        save_mapping(actor=actor, run=run, mapping=mapping)
    return execute_run(run, actor=actor, dry_run=dry_run)


# -- export ---------------------------------------------------------------------------------


def export_rows(kind: LedgerKind, records: Any, user: Any = None) -> list[list[Any]]:
    """The cells of each record, in the kind's field order (the export's data rows); a kind
    may write other values for a given user (`export_values`, e.g. unmasked numbers)."""
    out = []
    for record in records:
        if kind.export_values is not None and user is not None:
            values = kind.export_values(user, record)
        else:
            values = kind.values_of(record)
        out.append([f.cell(values.get(f.name)) for f in kind.fields])
    return out


def export_xlsx(kind: LedgerKind, user: Any, params: Mapping[str, Any]) -> bytes:
    """The kind's records the user may see (filtered like the list page) as a ledger: a title
    row, then the header row with exactly the headers the import recognises, then the data."""
    if not can(user, kind.model, "view"):
        raise PermissionDenied
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    records = list(kind.export_queryset(user, params))
    book = Workbook()
    sheet: Any = book.active
    sheet.title = (kind.title or str(kind.label))[:31]
    title = f"{kind.title or kind.label}（{timezone.localdate():%Y-%m-%d}）"
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(kind.fields))
    for column, f in enumerate(kind.fields, start=1):
        cell = sheet.cell(row=2, column=column, value=f.header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[get_column_letter(column)].width = f.width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, cells in enumerate(export_rows(kind, records, user), start=3):
        for column, (f, value) in enumerate(zip(kind.fields, cells, strict=True), start=1):
            cell = sheet.cell(row=row, column=column, value=value)
            cell.alignment = wrap
            if isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif f.number_format:
                cell.number_format = f.number_format
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    buffer = io.BytesIO()
    book.save(buffer)
    if kind.exported is not None:
        kind.exported(user, params, records)  # e.g. the audit event of a privacy-strict kind
    return buffer.getvalue()
