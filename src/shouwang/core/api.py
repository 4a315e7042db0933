"""The REST API (/api/v1/): one CRUD router per registered record type, plus core endpoints.

Handlers are thin: they parse, call a service, and shape the answer. Missing and forbidden
records both answer 404; invalid input answers 422 with field-level messages.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, NinjaAPI, Router, Schema, Status, UploadedFile
from ninja.errors import ValidationError as SchemaInvalid
from ninja.security import django_auth
from pydantic import create_model

from shouwang.core import divisions
from shouwang.core.auth import TokenAuth
from shouwang.core.form_fields import CodeCountsField
from shouwang.core.models import AuditEvent
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.registry import REGISTRY, RecordType
from shouwang.core.scoping import can, get_for
from shouwang.core.serialize import to_dict

api = NinjaAPI(
    title="Shouwang API",
    version="1",
    description="守望 · grassroots community safety co-governance. Session or bearer-token auth.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


class FieldError(Schema):
    field: str
    label: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


#: The error answers of hand-written endpoints (403, 404, 422 share one shape).
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_body(exc: RecordInvalid, label_of: Callable[[str], str]) -> dict[str, Any]:
    """The 422 body: every field error with the field's label in the user's language."""
    return {
        "detail": _("The input was not accepted."),
        "errors": [
            {"field": name, "label": label_of(name), "message": message}
            for name, messages in exc.errors.items()
            for message in messages
        ],
    }


def run_action(
    action: Callable[[], Any],
    out: Callable[[Any], dict[str, Any]],
    label_of: Callable[[str], str],
) -> Any:
    """An API endpoint's service call: 200 with `out(result)`, 422 with every field error
    (labelled by `label_of`), or 403 when the service refuses the user."""
    try:
        result = action()
    except RecordInvalid as exc:
        return Status(422, error_body(exc, label_of))
    except PermissionDenied:
        return Status(403, {"detail": _("You may not do this."), "errors": []})
    return Status(200, out(result))


def _field_label(record_type: RecordType | None, name: str) -> str:
    if record_type is None or name == NON_FIELD:
        return ""
    form_field = record_type.form.base_fields.get(name)
    if form_field is not None and form_field.label:
        return str(form_field.label)
    try:
        return str(getattr(record_type.model._meta.get_field(name), "verbose_name", name))
    except Exception:
        return name


def invalid_response(request: HttpRequest, exc: RecordInvalid, rt: RecordType | None = None) -> Any:
    body = error_body(exc, lambda name: _field_label(rt, name))
    return api.create_response(request, body, status=422)


@api.exception_handler(RecordInvalid)
def _on_invalid(request: HttpRequest, exc: RecordInvalid) -> Any:
    return invalid_response(request, exc)


@api.exception_handler(Http404)
def _on_404(request: HttpRequest, exc: Http404) -> Any:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def _on_403(request: HttpRequest, exc: PermissionDenied) -> Any:
    return api.create_response(request, {"detail": _("Not allowed.")}, status=403)


@api.exception_handler(SchemaInvalid)
def _on_schema_invalid(request: HttpRequest, exc: SchemaInvalid) -> Any:
    """Wrong JSON types or missing fields answer in the same shape as form errors."""
    slug = request.path.split("/api/v1/", 1)[-1].split("/", 1)[0]
    rt = next((r for r in REGISTRY.values() if r.slug == slug), None)
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ())]
        name = loc[2] if len(loc) > 2 and loc[0] == "body" else (loc[-1] if loc else NON_FIELD)
        required = err.get("type") == "missing"
        message = _("This field is required.") if required else _("Enter a valid value.")
        if message not in errors.setdefault(name, []):
            errors[name].append(message)
    return invalid_response(request, RecordInvalid(errors), rt)


def _python_type(form_field: forms.Field) -> Any:
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return list[int | str]
    if isinstance(form_field, forms.ModelChoiceField):
        return int | str
    if isinstance(form_field, forms.MultipleChoiceField):
        return list[Any]  # the form checks each value (a clear message per field)
    if isinstance(form_field, CodeCountsField):
        return dict[str, Any] | list[Any]  # the model refuses anything but {code: count}
    if isinstance(form_field, forms.BooleanField):
        return bool
    # FloatField and DecimalField subclass IntegerField: test them first.
    if isinstance(form_field, forms.FloatField | forms.DecimalField):
        return float
    if isinstance(form_field, forms.IntegerField):
        return int
    if isinstance(form_field, forms.DateTimeField):
        return dt.datetime
    if isinstance(form_field, forms.DateField):
        return dt.date
    if isinstance(form_field, forms.TimeField):
        return dt.time
    if isinstance(form_field, forms.JSONField):
        return dict[str, Any] | list[Any]
    return str


def input_schema(record_type: RecordType, partial: bool) -> type[Schema]:
    fields: dict[str, Any] = {}
    for name, form_field in record_type.form.base_fields.items():
        kind = _python_type(form_field)
        required = (
            form_field.required and not partial and not isinstance(form_field, forms.BooleanField)
        )
        description = str(form_field.help_text or form_field.label or "")
        if required:
            fields[name] = (kind, Field(..., description=description))
        else:
            fields[name] = (kind | None, Field(None, description=description))
    suffix = "Patch" if partial else "In"
    return create_model(  # type: ignore[no-any-return, call-overload]
        f"{record_type.model.__name__}{suffix}", __base__=Schema, **fields
    )


def output_schema(record_type: RecordType) -> type[Schema]:
    fields: dict[str, Any] = {
        "id": (int, ...),
        "display": (str, ...),
        "labels": (dict[str, str], ...),
    }
    for name in record_type.field_names():
        fields[name] = (Any, None)
    return create_model(  # type: ignore[no-any-return, call-overload]
        f"{record_type.model.__name__}Out", __base__=Schema, **fields
    )


def page_schema(record_type: RecordType, item: type[Schema]) -> type[Schema]:
    return create_model(  # type: ignore[no-any-return, call-overload]
        f"{record_type.model.__name__}Page",
        __base__=Schema,
        count=(int, ...),
        page=(int, ...),
        page_size=(int, ...),
        results=(list[item], ...),  # type: ignore[valid-type]
    )


def _payload_to_data(payload: Schema) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    for key, value in list(data.items()):
        if value is None:
            data[key] = ""
        elif isinstance(value, dt.date | dt.time):
            data[key] = value.isoformat()
    return data


def crud_router(record_type: RecordType) -> Router:
    """List, retrieve, create, update, delete for one record type — all through services."""
    router = Router(tags=[str(record_type.verbose_name_plural)])
    model = record_type.model
    create_in = input_schema(record_type, partial=False)
    patch_in = input_schema(record_type, partial=True)
    out = output_schema(record_type)
    page = page_schema(record_type, out)
    errors = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

    key = record_type.key

    @router.get("/", response={200: page, **errors}, operation_id=f"{key}_list")
    def list_records(request: HttpRequest, q: str = "", page: int = 1, page_size: int = 50) -> Any:
        if not can(request.user, model, "view"):
            raise PermissionDenied  # same answer as the list page
        page_size = max(1, min(page_size, 500))
        page = max(1, page)
        problems = record_type.filter_errors(request.GET)
        if problems:
            raise RecordInvalid(problems)
        qs = record_type.filter_queryset(record_type.base_queryset(request.user), request.GET)
        count = qs.count()
        start = (page - 1) * page_size
        items = list(
            qs.order_by(*(model._meta.ordering or ["pk"]), "pk")[start : start + page_size]
        )
        return {
            "count": count,
            "page": page,
            "page_size": page_size,
            "results": [to_dict(record_type, item) for item in items],
        }

    @router.get("/{record_id}", response={200: out, **errors}, operation_id=f"{key}_retrieve")
    def retrieve(request: HttpRequest, record_id: int) -> Any:
        return to_dict(record_type, get_for(model, request.user, record_id))

    @router.post("/", response={201: out, **errors}, operation_id=f"{key}_create")
    def create(request: HttpRequest, payload: create_in) -> Any:  # type: ignore[valid-type]
        try:
            obj = record_type.create(actor=request.user, data=_payload_to_data(payload))
        except RecordInvalid as exc:
            return invalid_response(request, exc, record_type)
        return Status(201, to_dict(record_type, obj))

    @router.patch("/{record_id}", response={200: out, **errors}, operation_id=f"{key}_update")
    def update(request: HttpRequest, record_id: int, payload: patch_in) -> Any:  # type: ignore[valid-type]
        instance = get_for(model, request.user, record_id, "change")
        try:
            obj = record_type.update(instance, actor=request.user, data=_payload_to_data(payload))
        except RecordInvalid as exc:
            return invalid_response(request, exc, record_type)
        return to_dict(record_type, obj)

    @router.put("/{record_id}", response={200: out, **errors}, operation_id=f"{key}_replace")
    def replace(request: HttpRequest, record_id: int, payload: create_in) -> Any:  # type: ignore[valid-type]
        return update(request, record_id, payload)

    @router.delete("/{record_id}", response={204: None, **errors}, operation_id=f"{key}_delete")
    def delete(request: HttpRequest, record_id: int) -> Any:
        instance = get_for(model, request.user, record_id, "delete")
        try:
            record_type.delete(instance, actor=request.user)
        except RecordInvalid as exc:
            return invalid_response(request, exc, record_type)
        return Status(204, None)

    return router


def register_routers() -> None:
    for record_type in REGISTRY.values():
        api.add_router(f"/{record_type.slug}", crud_router(record_type))


# ---- core endpoints that are not plain records --------------------------------------------

core_router = Router(tags=["core"])


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    full_name: str


@core_router.get("/divisions", response=list[DivisionOut], auth=None)
def list_divisions(request: HttpRequest, parent: str = "", q: str = "", level: str = "") -> Any:
    """The national division list to township level (edition 2023-06-30), to pick from."""
    if q:
        found = divisions.search(q, level or None, limit=50)
    else:
        found = divisions.children(parent or None)
    # Division is a slotted dataclass: it has no __dict__.
    return [{**dataclasses.asdict(d), "full_name": divisions.full_name(d.code)} for d in found]


class AuditOut(Schema):
    id: int
    code: str
    at: dt.datetime
    actor_name: str
    request_id: str
    target_type: str
    target_id: str
    target_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str


@core_router.get("/audit-events", response={200: list[AuditOut], 403: ErrorOut})
def list_audit_events(
    request: HttpRequest, target_type: str = "", target_id: str = "", limit: int = 100
) -> Any:
    """Audit events in the caller's scope (read-only: there is no way to edit them)."""
    if not can(request.user, AuditEvent, "view"):
        raise PermissionDenied
    qs = AuditEvent.objects.visible_to(request.user)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    return list(qs[: max(1, min(limit, 1000))])


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]


@core_router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    from shouwang.core.scoping import user_grants

    user: Any = request.user
    return {
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "roles": [f"{g.role.key}@{g.jurisdiction.stat_division_code}" for g in user_grants(user)],
    }


class ImportOut(Schema):
    created: int
    skipped: int


@core_router.post("/jurisdictions/import", response={200: ImportOut, 403: ErrorOut, 422: ErrorOut})
def import_jurisdictions(request: HttpRequest, file: UploadedFile = File(...)) -> Any:  # noqa: B008
    """Import villages and grids from CSV/Excel: every row valid, or nothing imported."""
    from shouwang.core.models import Jurisdiction
    from shouwang.core.services import import_jurisdictions as do_import
    from shouwang.core.tables import read_table

    if not can(request.user, Jurisdiction, "add"):
        raise PermissionDenied
    return do_import(actor=request.user, rows=read_table(file, file.name or ""))


class TokenIn(Schema):
    username: str
    password: str
    device_name: str = "phone"


class TokenOut(Schema):
    id: int
    token: str = Field(description="Shown once; send as 'Authorization: Bearer <token>'.")


@core_router.post("/auth/tokens", response={201: TokenOut, 401: ErrorOut, 429: ErrorOut}, auth=None)
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Sign a phone in: exchange a username and password for a revocable API token."""
    from django.contrib.auth import authenticate

    from shouwang.core.auth import client_address, too_many_failures
    from shouwang.core.services import issue_api_token

    # authenticate() swallows the backend's refusal, so the limit is checked here for a 429.
    if too_many_failures(payload.username, client_address(request)):
        return Status(429, {"detail": _("Too many failed sign-ins. Please wait 15 minutes.")})
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, {"detail": _("Wrong username or password.")})
    token, raw = issue_api_token(actor=user, name=payload.device_name)
    return Status(201, {"id": token.pk, "token": raw})


@core_router.delete("/auth/tokens/{token_id}", response={204: None, 404: ErrorOut})
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    """Revoke one of the caller's tokens (a lost phone)."""
    from shouwang.core.models import ApiToken
    from shouwang.core.services import revoke_api_token

    token = ApiToken.objects.filter(pk=token_id, user_id=int(request.user.pk or 0)).first()
    if token is None:
        raise Http404
    revoke_api_token(token, actor=request.user)
    return Status(204, None)


api.add_router("/", core_router)
# Background jobs and planning in the background (before the record routers, so that
# POST /rosters/plan is not taken for a roster id).
api.add_router("/", "shouwang.core.job_api.router")
api.add_router("/", "shouwang.rostering.plan_api.router")
api.add_router("/calendars", "shouwang.calendars.api.router")  # calendar imports
api.add_router("/rostering", "shouwang.rostering.api.router")  # roster lifecycle, swaps
api.add_router("/notifications", "shouwang.notify.api.router")
api.add_router("/", "shouwang.forces.api.router")  # own leave, leave decisions
api.add_router("/field", "shouwang.patrols.sync_api.router")  # the phone app's sync
api.add_router("/patrols", "shouwang.patrols.office_api.router")  # logs, review, ledgers
api.add_router("/patrols", "shouwang.patrols.missed_api.router")  # missed duties, attendance
api.add_router("/railway", "shouwang.railway.api.router")  # ledgers, 九无 status
api.add_router("/special-operations", "shouwang.specialops.api.router")
api.add_router("/assessment", "shouwang.assessment.api.router")  # runs, scores, rankings
api.add_router("/reports", "shouwang.reports.api.router")  # indicators, monthly report
api.add_router("/hazard-reports", "shouwang.hazards.api.router")  # report, from a checklist
api.add_router("/tasks", "shouwang.core.inbox_api.router")  # "my tasks" on all cases
api.add_router("/disputes", "shouwang.disputes.api.router")  # screening, files, mediation
api.add_router("/concerns", "shouwang.concerns.api.router")  # people of concern, visits
api.add_router("/governance", "shouwang.governance.api.router")  # trainings, meetings
api.add_router("/imports", "shouwang.imports.api.router")  # ledger imports (Excel)
