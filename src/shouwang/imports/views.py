"""Ledger import pages (/imports/): upload → confirm the column mapping → result; saved
mappings; the Excel export of a ledger kind. Thin: every write is a service call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.core.downloads import XLSX, attachment
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for
from shouwang.imports import services
from shouwang.imports.kinds import KINDS, LedgerKind, cell_text
from shouwang.imports.models import ColumnMapping, ImportRun, RunStatus

SAMPLE_ROWS = 3


def _kind(key: str) -> LedgerKind:
    kind = KINDS.get(key)
    if kind is None:
        raise Http404("no such ledger kind")
    return kind


def _field_choices(kind: LedgerKind) -> list[tuple[str, Any]]:
    return [(services.IGNORED, _("— not imported —"))] + [(f.name, f.label) for f in kind.fields]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The ledger kinds the user may import or export, and the recent runs."""
    kinds = [k for k in KINDS.values() if can(request.user, k.model, "view")]
    if not kinds:
        raise PermissionDenied
    importable = {k.key for k in services.importable_kinds(request.user)}
    runs = ImportRun.objects.visible_to(request.user).select_related("actor", "jurisdiction")[:30]
    return render(
        request,
        "imports/index.html",
        {"kinds": kinds, "importable": importable, "runs": runs},
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 1: the file and the jurisdiction the ledger belongs to."""
    ledger = _kind(kind)
    if not can(request.user, ledger.model, "add"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    places = services.import_places(request.user, ledger)
    default = services.default_place(request.user, ledger)
    chosen = request.POST.get("jurisdiction") or (str(default.pk) if default else "")
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        try:
            if upload_file is None:
                raise RecordInvalid({"file": [_("Choose a file to upload.")]})
            run = services.start_run(
                actor=request.user,
                kind=ledger,
                file_name=upload_file.name or "",
                raw=upload_file.read(),
                jurisdiction=chosen,
                header_row=request.POST.get("header_row") or None,
            )
        except RecordInvalid as exc:
            errors = exc.errors
        else:
            return redirect("imports-run-mapping", pk=run.pk)
    return render(
        request,
        "imports/upload.html",
        {
            "kind": ledger,
            "errors": errors,
            "places": places,
            "chosen": chosen,
            "fields": ledger.fields,
        },
    )


def _samples(run: ImportRun) -> list[list[str]]:
    """The first data rows, column by column, to help choose the mapping."""
    try:
        rows = services.data_rows(run)[:SAMPLE_ROWS]
    except RecordInvalid:
        return []
    kind = KINDS.get(run.kind)
    mask = kind.masked if kind is not None else (lambda text: text)
    return [
        [mask(cell_text(cells[i])) if i < len(cells) else "" for _n, cells in rows]
        for i in range(len(run.headers))
    ]


@login_required
@require_http_methods(["GET", "POST"])
def run_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: confirm or adjust the mapping (it is saved for this layout), then import or
    only check ("trial run")."""
    run = get_for(ImportRun, request.user, pk)
    ledger = _kind(run.kind)
    if run.status not in (RunStatus.UPLOADED, RunStatus.CHECKED):
        return redirect("imports-run", pk=run.pk)
    errors: dict[str, list[str]] = {}
    mapping = dict(run.mapping)
    if request.method == "POST":
        mapping = {
            header: request.POST.get(f"col-{i}", services.IGNORED)
            for i, header in enumerate(run.headers)
        }
        try:
            services.save_mapping(
                actor=request.user, run=run, mapping=mapping, name=request.POST.get("name", "")
            )
            return _execute(request, run, dry_run=request.POST.get("dry_run") == "1")
        except RecordInvalid as exc:
            errors = exc.errors
    samples = _samples(run)
    columns = [
        {
            "index": i,
            "header": header,
            "value": mapping.get(header, services.IGNORED),
            "samples": samples[i] if i < len(samples) else [],
        }
        for i, header in enumerate(run.headers)
    ]
    return render(
        request,
        "imports/mapping.html",
        {
            "run": run,
            "kind": ledger,
            "columns": columns,
            "choices": _field_choices(ledger),
            "errors": errors,
            "mapping_errors": errors.get("mapping", []) + errors.get(NON_FIELD, []),
            "saved": run.column_mapping,
            "name": run.column_mapping.name if run.column_mapping else run.file_name,
        },
    )


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: what came of the run; every refused row with its column and reason."""
    run = get_for(ImportRun, request.user, pk)
    return render(
        request,
        "imports/run.html",
        {
            "run": run,
            "kind": KINDS.get(run.kind),
            "would_create": services.would_create(run),
            "error_rows": len({e.get("row") for e in run.errors or []}),
        },
    )


@login_required
@require_POST
def run_execute(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a run that passed its trial run."""
    run = get_for(ImportRun, request.user, pk)
    try:
        return _execute(request, run, dry_run=False)
    except RecordInvalid as exc:
        for messages_ in exc.errors.values():
            for message in messages_:
                messages.error(request, message)
    return redirect("imports-run", pk=run.pk)


def _execute(request: HttpRequest, run: ImportRun, *, dry_run: bool) -> HttpResponse:
    """Execute (or check) a run: here for a small ledger, else in a background job whose page
    shows the progress and then links to the result."""
    if services.runs_in_background(run):
        job = services.submit_run(run, actor=request.user, dry_run=dry_run)
        return redirect("job-detail", pk=job.pk)
    run = services.execute_run(run, actor=request.user, dry_run=dry_run)
    return redirect("imports-run", pk=run.pk)


@login_required
def mapping_list(request: HttpRequest) -> HttpResponse:
    """The saved column mappings the user may use."""
    if not services.importable_kinds(request.user):
        raise PermissionDenied
    mappings = ColumnMapping.objects.visible_to(request.user).select_related(
        "jurisdiction", "created_by"
    )
    rows = [(m, KINDS[m.kind].label if m.kind in KINDS else m.kind) for m in mappings]
    return render(request, "imports/mappings.html", {"mappings": rows})


@login_required
@require_http_methods(["GET", "POST"])
def mapping_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a saved mapping (applies to the next uploads of its layout)."""
    column_mapping = get_for(ColumnMapping, request.user, pk)
    ledger = _kind(column_mapping.kind)
    headers = list(column_mapping.headers)
    from shouwang.imports.kinds import normalise_header

    current = {h: column_mapping.mapping.get(normalise_header(h), "") for h in headers}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        current = {h: request.POST.get(f"col-{i}", "") for i, h in enumerate(headers)}
        try:
            services.update_mapping(
                column_mapping,
                actor=request.user,
                mapping=current,
                name=request.POST.get("name", ""),
            )
        except RecordInvalid as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Saved."))
            return redirect("imports-mappings")
    columns = [
        {"index": i, "header": h, "value": current.get(h, ""), "samples": []}
        for i, h in enumerate(headers)
    ]
    return render(
        request,
        "imports/mapping_edit.html",
        {
            "mapping": column_mapping,
            "kind": ledger,
            "columns": columns,
            "choices": _field_choices(ledger),
            "mapping_errors": errors.get("mapping", []) + errors.get(NON_FIELD, []),
        },
    )


def _export_filters(ledger: LedgerKind, request: HttpRequest) -> dict[str, Any]:
    """The record type's list filters (jurisdiction, status, category, …, the date range)."""
    from shouwang.core import registry
    from shouwang.core.views import date_filter, filter_controls

    record_type = registry.for_model(ledger.model)
    if record_type is None:
        return {"controls": [], "date_filter": None}
    return {
        "controls": filter_controls(record_type, request),
        "date_filter": date_filter(record_type, request),
    }


@login_required
def export_form(request: HttpRequest, kind: str) -> HttpResponse:
    """Choose the filters of the export (the same as the list page's)."""
    ledger = _kind(kind)
    if not can(request.user, ledger.model, "view"):
        raise PermissionDenied
    return render(
        request, "imports/export.html", {"kind": ledger, **_export_filters(ledger, request)}
    )


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    """The ledger as Excel, filtered like the list page (jurisdiction, status, category, …);
    it imports back unchanged."""
    ledger = _kind(kind)
    filters = _export_filters(ledger, request)
    if filters["date_filter"] and filters["date_filter"]["errors"]:
        return render(request, "imports/export.html", {"kind": ledger, **filters}, status=422)
    content = services.export_xlsx(ledger, request.user, request.GET)
    day = f"{timezone.localdate():%Y%m%d}"
    return attachment(content, XLSX, f"{ledger.label}-{day}.xlsx", f"{ledger.key}-{day}.xlsx")
