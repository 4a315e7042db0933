"""Template filters that show a roster's stored findings in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template

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
