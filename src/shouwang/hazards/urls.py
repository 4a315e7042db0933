"""Hazard pages beyond the generic record pages (report from a checklist item)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.hazards import views

urlpatterns: list[URLPattern] = [
    path(
        "from-checklist/<int:result_pk>/",
        views.hazard_from_checklist,
        name="hazard-from-checklist",
    ),
    path(
        "<int:pk>/extensions/<int:extension_pk>/decision/",
        views.hazard_extension_decision,
        name="hazard-extension-decision",
    ),
    path("<int:pk>/<slug:step>/", views.hazard_transition, name="hazard-transition"),
]
