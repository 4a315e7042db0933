"""Pages. Generic record pages are driven by the registry; every read starts from scope."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shouwang.core import cases, registry
from shouwang.core import home as home_panels
from shouwang.core.audit import history_for
from shouwang.core.auth import client_address, too_many_failures
from shouwang.core.history import history_rows
from shouwang.core.records import NON_FIELD, RecordInvalid
from shouwang.core.scoping import can, get_for, may_see_sensitive, user_grants
from shouwang.core.serialize import to_dict


def _record_type(key: str) -> registry.RecordType:
    try:
        return registry.get(key)
    except KeyError as exc:
        raise Http404 from exc


def filter_controls(rt: registry.RecordType, request: HttpRequest) -> list[dict[str, Any]]:
    controls = []
    for name in rt.filters:
        field: Any = rt.model._meta.get_field(name)
        options: list[tuple[str, str]] = []
        if field.is_relation and field.related_model is not None:
            related: Any = field.related_model
            qs = (
                related.objects.visible_to(request.user)  # type: ignore[attr-defined]
                if hasattr(related.objects, "visible_to")
                else related.objects.all()
            )
            limit = getattr(field, "get_limit_choices_to", lambda: None)()
            if limit:
                qs = qs.complex_filter(limit)
            options = [(str(o.pk), str(o)) for o in qs[:300]]
        elif getattr(field, "choices", None):
            options = [(str(k), str(v)) for k, v in field.choices]  # type: ignore[union-attr]
        elif isinstance(field, models.BooleanField):
            options = [("true", _("Yes")), ("false", _("No"))]
        controls.append(
            {
                "name": name,
                "label": field.verbose_name,
                "options": options,
                "value": request.GET.get(name, ""),
            }
        )
    for name, computed in rt.computed_filters.items():
        controls.append(
            {
                "name": name,
                "label": computed.label,
                "options": list(computed.options) or [("1", _("Yes"))],
                "value": request.GET.get(name, ""),
            }
        )
    return controls


def date_filter(rt: registry.RecordType, request: HttpRequest) -> dict[str, Any] | None:
    """The list's date range control: the date's label, the chosen days, what was not a date."""
    if rt.dated is None:
        return None
    field: Any = rt.model._meta.get_field(rt.dated.field)
    errors = rt.filter_errors(request.GET)
    bounds = {registry.DATE_FROM: _("from"), registry.DATE_TO: _("to")}
    return {
        "label": field.verbose_name,
        "date_from": request.GET.get(registry.DATE_FROM, ""),
        "date_to": request.GET.get(registry.DATE_TO, ""),
        "errors": [
            _("%(field)s (%(bound)s): %(message)s")
            % {"field": field.verbose_name, "bound": bounds[name], "message": message}
            for name, messages in errors.items()
            for message in messages
        ],
    }


def _cells(rt: registry.RecordType, obj: models.Model) -> list[Any]:
    data = to_dict(rt, obj) if rt.columns else {}
    cells = []
    for name in rt.columns:
        label = data["labels"].get(name)
        value = data.get(name)
        if isinstance(value, bool):
            label = _("Yes") if value else _("No")
        cells.append(label if label is not None else ("" if value is None else value))
    return cells


def _column_labels(rt: registry.RecordType) -> list[Any]:
    labels = []
    for name in rt.columns:
        try:
            labels.append(getattr(rt.model._meta.get_field(name), "verbose_name", name))
        except Exception:
            if name in rt.extra_labels:
                labels.append(rt.extra_labels[name])
                continue
            form_field = rt.form.base_fields.get(name.replace("_display", "_m"))
            labels.append(
                _("chainage") if "chainage" in name else getattr(form_field, "label", name)
            )
    return labels


@login_required
def record_list(request: HttpRequest, key: str) -> HttpResponse:
    rt = _record_type(key)
    if not can(request.user, rt.model, "view"):
        raise PermissionDenied
    qs = rt.filter_queryset(rt.base_queryset(request.user), request.GET)
    paginator = Paginator(qs, settings.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/record_list.html",
        {
            "rt": rt,
            "page": page,
            "rows": [(obj, _cells(rt, obj)) for obj in page.object_list],
            "columns": _column_labels(rt),
            "controls": filter_controls(rt, request),
            "date_filter": date_filter(rt, request),
            "q": request.GET.get("q", ""),
            "querystring": query.urlencode(),
            "can_add": can(request.user, rt.model, "add"),
            "list_links": [
                {
                    "label": link.label,
                    "url": str(link.url) + (f"?{query.urlencode()}" if link.keep_filters else ""),
                }
                for link in rt.list_links
                if can(request.user, rt.model, link.needs)  # type: ignore[arg-type]
            ],
        },
    )


def _detail_rows(rt: registry.RecordType, obj: models.Model) -> list[tuple[Any, Any, Any]]:
    data = to_dict(rt, obj)
    rows = []
    for name in rt.field_names():
        try:
            field: Any = rt.model._meta.get_field(name)
            label = field.verbose_name
        except Exception:
            field = None
            form_field = rt.form.base_fields.get(name)
            label = rt.extra_labels.get(name) or (form_field.label if form_field else name)
        value = data.get(name)
        display = data["labels"].get(name)
        link = None
        if field is not None and field.many_to_one and value:
            related_rt = registry.for_model(field.related_model)  # type: ignore[arg-type]
            if related_rt:
                link = reverse("record-detail", args=[related_rt.slug, value])
        if isinstance(value, bool):
            display = _("Yes") if value else _("No")
        if isinstance(value, dict | list) and display is None:
            display = json.dumps(value, ensure_ascii=False)
        rows.append((label, display if display is not None else value, link))
    return rows


@login_required
def record_detail(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    rt = _record_type(key)
    obj = get_for(rt.model, request.user, pk)
    history = history_rows(history_for(obj)[:100], rt.model)
    return render(
        request,
        "core/record_detail.html",
        {
            "rt": rt,
            "obj": obj,
            "rows": _detail_rows(rt, obj),
            "history": history,
            "can_change": rt.model.objects.visible_to(request.user, "change")  # type: ignore[attr-defined]
            .filter(pk=obj.pk)
            .exists(),
            "can_delete": rt.model.objects.visible_to(request.user, "delete")  # type: ignore[attr-defined]
            .filter(pk=obj.pk)
            .exists(),
            "extra_template": rt.detail_extra,
            "may_reveal_sensitive": may_see_sensitive(request.user),
        },
    )


def _form_with_errors(
    rt: registry.RecordType, request: HttpRequest, exc: RecordInvalid, instance: Any = None
) -> Any:
    form = rt.form(data=request.POST, files=request.FILES, instance=instance, actor=request.user)
    form.is_valid()
    for field, errs in exc.errors.items():
        for message in errs:
            form.add_error(
                None if field == NON_FIELD or field not in form.fields else field, message
            )
    return form


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest, key: str) -> HttpResponse:
    rt = _record_type(key)
    if not can(request.user, rt.model, "add"):
        raise PermissionDenied
    if request.method == "POST":
        try:
            obj = rt.create(actor=request.user, data=request.POST)
        except RecordInvalid as exc:
            form = _form_with_errors(rt, request, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("record-detail", key=key, pk=obj.pk)
    else:
        form = rt.form(actor=request.user, initial=request.GET.dict())
    return render(request, "core/record_form.html", {"rt": rt, "form": form, "obj": None})


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    rt = _record_type(key)
    obj = get_for(rt.model, request.user, pk, "change")
    if request.method == "POST":
        try:
            rt.update(obj, actor=request.user, data=request.POST)
        except RecordInvalid as exc:
            form = _form_with_errors(rt, request, exc, instance=obj)
        else:
            messages.success(request, _("Saved."))
            return redirect("record-detail", key=key, pk=obj.pk)
    else:
        form = rt.form(instance=obj, actor=request.user)
    return render(request, "core/record_form.html", {"rt": rt, "form": form, "obj": obj})


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    rt = _record_type(key)
    obj = get_for(rt.model, request.user, pk, "delete")
    error = None
    if request.method == "POST":
        try:
            rt.delete(obj, actor=request.user)
        except RecordInvalid as exc:
            error = "；".join(m for msgs in exc.errors.values() for m in msgs)
        else:
            messages.success(request, _("Deleted."))
            return redirect("record-list", key=key)
    return render(request, "core/record_delete.html", {"rt": rt, "obj": obj, "error": error})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the user's role needs first: counts in scope, and the actions they can take."""
    grants = user_grants(request.user)
    cards = []
    for rt in registry.REGISTRY.values():
        if can(request.user, rt.model, "view"):
            cards.append(
                {
                    "rt": rt,
                    "count": rt.model.objects.visible_to(request.user).count(),  # type: ignore[attr-defined]
                    "can_add": can(request.user, rt.model, "add"),
                }
            )
    role_keys = {g.role.key for g in grants}
    if request.user.is_superuser:
        role_keys.add("system_admin")
    primary = min(grants, key=lambda g: g.role.home_order).role if grants else None
    office = bool(role_keys & {"system_admin", "township_staff"})
    context: dict[str, Any] = {
        "grants": grants,
        "cards": cards,
        "role_keys": role_keys,
        "primary_role": primary,
        "my_teams": home_panels.my_teams(request.user),
        "composition_gaps": home_panels.composition_gaps(request.user) if office else [],
        "members_without_id": home_panels.members_without_id(request.user) if office else 0,
        "townships": home_panels.township_overview(request.user)
        if role_keys & {"county_supervisor", "system_admin"}
        else [],
        "recent_changes": home_panels.recent_changes(request.user)
        if role_keys & {"township_staff", "auditor", "county_supervisor", "system_admin"}
        else [],
    }
    return render(request, "core/home.html", context)


@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/map.html",
        {
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "tile_crs": settings.MAP_TILE_CRS,
            "center": settings.MAP_CENTER,
            "labels": json.dumps(
                {
                    "jurisdiction": str(_("Jurisdictions")),
                    "zone": str(_("Zones")),
                    "key_place": str(_("Key places")),
                    "segment": str(_("Segments")),
                    "route": str(_("Patrol routes")),
                    "organisation": str(_("Organisations")),
                    **{f"case:{name}": label for name, label in cases.layer_labels().items()},
                },
                ensure_ascii=False,
            ),
            "case_layers": [
                {"name": name, "label": label, "color": _case_color(i)}
                for i, (name, label) in enumerate(cases.layer_labels().items())
            ],
            "overdue_color": OVERDUE_COLOR,
        },
    )


#: Open cases on the map: one colour per registered layer; overdue ones are red whatever
#: their layer.
CASE_COLORS = ("#ea580c", "#0891b2", "#9333ea", "#65a30d")
OVERDUE_COLOR = "#b91c1c"


def _case_color(index: int) -> str:
    return CASE_COLORS[index % len(CASE_COLORS)]


def _case_features(user: Any) -> list[dict[str, Any]]:
    """The registered case layers' markers (each layer applies the user's scope)."""
    colors = {name: _case_color(i) for i, name in enumerate(cases.layer_labels())}
    overdue_text = str(_("Overdue"))
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [m.longitude, m.latitude]},
            "properties": {
                "layer": f"case:{m.layer}",
                "name": m.title,
                "kind": f"{m.status} · {overdue_text}" if m.overdue else m.status,
                "url": m.url,
                "overdue": m.overdue,
                "color": OVERDUE_COLOR if m.overdue else colors.get(m.layer, CASE_COLORS[0]),
            },
        }
        for m in cases.markers_for(user)
    ]


def _feature(geometry: Any, layer: str, obj: Any, rt_key: str, kind: str = "") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "layer": layer,
            "name": str(obj),
            "kind": kind,
            "url": reverse("record-detail", args=[rt_key, obj.pk]),
        },
    }


@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    """Everything drawable in the user's scope, as one GeoJSON FeatureCollection."""
    from shouwang.areas.models import KeyPlace, Route, Segment, Zone
    from shouwang.core.models import Jurisdiction
    from shouwang.forces.models import Organisation

    user = request.user
    features = [
        _feature(j.boundary, "jurisdiction", j, "jurisdictions", j.get_level_display())
        for j in Jurisdiction.objects.visible_to(user).exclude(boundary=None)
    ]
    features += [
        _feature(z.geometry, "zone", z, "zones", str(z.kind))
        for z in Zone.objects.visible_to(user).select_related("kind").exclude(geometry=None)
    ]
    features += [
        _feature(s.geometry, "segment", s, "segments", s.chainage_display)
        for s in Segment.objects.visible_to(user).exclude(geometry=None)
    ]
    features += [
        _feature(r.geometry, "route", r, "routes", r.get_patrol_method_display())
        for r in Route.objects.visible_to(user).exclude(geometry=None)
    ]
    for model, layer, slug in (
        (Organisation, "organisation", "organisations"),
        (KeyPlace, "key_place", "key-places"),
    ):
        points = model.objects.visible_to(user).select_related("kind")  # type: ignore[attr-defined]
        features += [
            _feature(
                {"type": "Point", "coordinates": [p.longitude, p.latitude]},
                layer,
                p,
                slug,
                str(p.kind),
            )
            for p in points.exclude(longitude=None).exclude(latitude=None)
        ]
    features += _case_features(user)
    return JsonResponse({"type": "FeatureCollection", "features": features})


#: Roles whose work is all in the phone app: after signing in they land there, not on the
#: office's home page (an explicit ?next= still wins).
FIELD_ONLY_ROLES = frozenset({"patrol_member"})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        grants = user_grants(user)
        if (
            grants
            and not getattr(user, "is_superuser", False)
            and all(grant.role.key in FIELD_ONLY_ROLES for grant in grants)
        ):
            return reverse("field-app")
        return super().get_default_redirect_url()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # django.contrib.auth.authenticate() swallows the backend's PermissionDenied (the form
        # would only say "wrong password"), so the limit is checked here to answer 429.
        username = str(request.POST.get("username", ""))
        if username and too_many_failures(username, client_address(request)):
            form = self.get_form_class()(request)  # unbound: no further password check
            form.cleaned_data = {}
            form.add_error(None, _("Too many failed sign-ins. Please wait 15 minutes."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def jurisdiction_import(request: HttpRequest) -> HttpResponse:
    """Upload a village/grid ledger (CSV or Excel); all rows are imported or none."""
    from shouwang.core.models import Jurisdiction
    from shouwang.core.services import import_jurisdictions
    from shouwang.core.tables import read_table

    if not can(request.user, Jurisdiction, "add"):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise RecordInvalid({"file": [_("Choose a file to upload.")]})
            result = import_jurisdictions(
                actor=request.user, rows=read_table(upload, upload.name or "")
            )
        except RecordInvalid as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("Imported %(created)s, already present %(skipped)s.") % result
            )
            return redirect("record-list", key="jurisdictions")
    return render(request, "core/jurisdiction_import.html", {"errors": errors})
