"""Governance pages beyond the generic record pages (/governance/…)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.governance import views

urlpatterns: list[URLPattern] = [
    path("gaps/", views.gaps, name="governance-gaps"),
    path("meetings/<int:pk>/minutes.pdf", views.minutes_pdf, name="governance-minutes-pdf"),
    path("decisions/<int:pk>/done/", views.decision_done, name="governance-decision-done"),
    path("trainings/<int:pk>/<slug:step>/", views.training_step, name="governance-training-step"),
]
