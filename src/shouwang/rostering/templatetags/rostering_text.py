"""Template filters that show a roster's stored findings in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy

from shouwang.rostering.findings_text import render_findings, render_uncovered

register = template.Library()


@register.filter
def findings_display(items: Any) -> list[dict[str, Any]]:
    """Stored findings, each with ``display`` rendered from its code and params."""
    return render_findings(items or [])


@register.filter
def uncovered_display(items: Any) -> list[dict[str, Any]]:
    """Stored uncovered needs, each with ``display`` rendered from its code and params."""
    return render_uncovered(items or [])


#: The solver's status words (solver.model.Status) as the office reads them.
SOLVER_STATUS = {
    "optimal": gettext_lazy("optimal (proven)"),
    "feasible": gettext_lazy("every hard rule kept (not proven optimal)"),
    "infeasible": gettext_lazy("no roster keeps every hard rule"),
    "unknown": gettext_lazy("no roster found within the time limit"),
    "model_invalid": gettext_lazy("the planning input is invalid"),
}


@register.filter
def solver_status(status: Any) -> str:
    """The solver's status word in the reader's language (unknown words shown as they are)."""
    return str(SOLVER_STATUS.get(str(status), status or ""))
