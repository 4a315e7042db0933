"""Office pages of field work: patrol logs, review, corrections, monthly ledger."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
