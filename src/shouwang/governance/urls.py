"""Governance pages beyond the generic record pages (/governance/…)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.governance import views

urlpatterns: list[URLPattern] = [
    path("gaps/", views.gaps, name="governance-gaps"),
    path("meetings/<int:pk>/minutes.pdf", views.minutes_pdf, name="governance-minutes-pdf"),
    path("decisions/<int:pk>/done/", views.decision_done, name="governance-decision-done"),
    path("trainings/<int:pk>/<slug:step>/", views.training_step, name="governance-training-step"),
    path("pledges/missing/", views.pledges_missing, name="governance-pledges-missing"),
    path("pledges/<int:pk>/signed-copy", views.pledge_copy, name="governance-pledge-copy"),
    path("pledges/<int:pk>/<slug:step>/", views.pledge_step, name="governance-pledge-step"),
    path("plan-versions/<int:pk>/file", views.version_file, name="governance-version-file"),
    path("plan-versions/<int:pk>/<slug:step>/", views.version_step, name="governance-version-step"),
]
