"""Assessment pages beyond the generic record pages (/assessment/…)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.assessment import views

urlpatterns: list[URLPattern] = [
    path("", views.run_list, name="assessment-runs"),
    path("runs/compute/", views.run_compute, name="assessment-run-compute"),
    path("runs/<int:pk>/", views.run_detail, name="assessment-run-detail"),
    path("runs/<int:pk>/recompute/", views.run_recompute, name="assessment-run-recompute"),
    path("runs/<int:pk>/publish/", views.run_publish, name="assessment-run-publish"),
    path("runs/<int:pk>/ranking.xlsx", views.run_xlsx, name="assessment-run-xlsx"),
    path("scores/<int:pk>/", views.score_detail, name="assessment-score-detail"),
    path("lines/<int:pk>/records/", views.line_records, name="assessment-line-records"),
    path(
        "adjustments/<int:pk>/approve/",
        views.adjustment_approve,
        name="assessment-adjustment-approve",
    ),
]
