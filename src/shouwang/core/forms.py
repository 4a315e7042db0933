"""Forms of the core records; they are also the validation layer of the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from shouwang.core.models import CodeItem, Jurisdiction, Role, RoleGrant
from shouwang.core.records import RecordForm
from shouwang.core.scoping import user_grants


class JurisdictionForm(RecordForm):
    class Meta:
        model = Jurisdiction
        fields = ["name", "level", "stat_division_code", "parent", "urban_rural_code", "boundary"]


class CodeItemForm(RecordForm):
    class Meta:
        model = CodeItem
        fields = ["code_list", "code", "label", "label_en", "national_code", "sort_order",
                  "active", "note"]


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
