"""Hazard pages beyond the generic record pages (report from a checklist item)."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
