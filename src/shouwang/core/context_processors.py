"""Navigation: the record types the user may see, grouped by section."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shouwang.core import registry
from shouwang.core.scoping import can

SECTIONS = [
    ("forces", _("Forces")),
    ("areas", _("Areas")),
    ("rostering", _("Duty planning")),
    ("setup", _("Setup")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    sections = []
    for key, label in SECTIONS:
        items = [
            rt
            for rt in registry.REGISTRY.values()
            if rt.section == key and can(user, rt.model, "view")
        ]
        if items:
            sections.append({"label": label, "items": items})
    return {"nav_sections": sections}
