"""Forms of the core records; they are also the validation layer of the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shouwang.core import divisions
from shouwang.core.models import CodeItem, Jurisdiction, Role, RoleGrant
from shouwang.core.records import RecordForm
from shouwang.core.scoping import user_grants


class JurisdictionForm(RecordForm):
    # Counties and townships are picked from the national list instead of typing codes.
    division = forms.CharField(
        label=_("pick from the national division list"),
        required=False,
        max_length=12,
        help_text=_("Type a county or township name; its code and name are filled in."),
        widget=forms.TextInput(
            attrs={"list": "division-options", "autocomplete": "off", "data-division-picker": "1"}
        ),
    )

    class Meta:
        model = Jurisdiction
        fields = ["name", "level", "stat_division_code", "parent", "urban_rural_code", "boundary"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data")
        if data is not None and (data.get("division") or "").strip():
            filled = _fill_from_division(data)
            if filled is not None:
                kwargs["data"] = filled
        super().__init__(*args, **kwargs)

    def clean_division(self) -> str:
        code = (self.cleaned_data.get("division") or "").strip()
        if code and divisions.get(code) is None:
            raise forms.ValidationError(
                _("%(code)s is not in the national division list (edition %(edition)s)."),
                params={"code": code, "edition": divisions.edition()},
                code="division_unknown",
            )
        return code


def _fill_from_division(data: Any) -> dict[str, Any] | None:
    """Copy name, code and level of a national-list entry into blank form fields."""
    found = divisions.get(str(data.get("division")).strip())
    if found is None or found.level not in ("county", "township"):
        return None
    filled = {
        k: data.getlist(k) if hasattr(data, "getlist") and len(data.getlist(k)) > 1 else data.get(k)
        for k in data
    }
    filled.setdefault("name", "")
    if not filled.get("name"):
        filled["name"] = found.name
    if not filled.get("stat_division_code"):
        filled["stat_division_code"] = found.code
    if not filled.get("level"):
        filled["level"] = found.level
    return filled


class CodeItemForm(RecordForm):
    class Meta:
        model = CodeItem
        fields = [
            "code_list",
            "code",
            "label",
            "label_en",
            "national_code",
            "sort_order",
            "active",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Django files a clash of the two-field constraint under "__all__"; name the code.
        code_list, code = cleaned.get("code_list"), cleaned.get("code")
        if code_list is not None and code:
            clash = CodeItem.objects.filter(code_list=code_list, code=code)
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "code",
                    ValidationError(_("This code already exists in the list."), code="unique"),
                )
        return cleaned


def grantable_roles(actor: Any) -> Any:
    """Roles the actor may hand out: never above the actor's own highest role."""
    roles = Role.objects.all()
    if getattr(actor, "is_superuser", False):
        return roles
    grants = user_grants(actor)
    if any(g.role.is_global for g in grants):
        return roles
    if not grants:
        return roles.none()
    best = min(g.role.home_order for g in grants)
    return roles.filter(is_global=False, home_order__gte=best)


class RoleGrantForm(RecordForm):
    role = forms.ModelChoiceField(
        queryset=Role.objects.all(),
        to_field_name="key",
        label=_("role"),
        error_messages={"invalid_choice": _("Unknown role, or a role you may not grant.")},
    )
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        to_field_name="username",
        label=_("user"),
        error_messages={"invalid_choice": _("No active user with this username.")},
    )

    class Meta:
        model = RoleGrant
        fields = ["user", "role", "jurisdiction", "team"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = grantable_roles(self.actor)  # type: ignore[attr-defined]
