"""Dispute pages beyond the generic record pages (/disputes/…)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.disputes import views

urlpatterns: list[URLPattern] = [
    path("screening-gaps/", views.screening_gaps, name="dispute-screening-gaps"),
    path("figures/", views.figures, name="dispute-figures"),
    path("ledger.xlsx", views.ledger_xlsx, name="dispute-ledger-xlsx"),
    path(
        "<int:pk>/agreements/<int:agreement_pk>/pdf/",
        views.agreement_pdf,
        name="dispute-agreement-pdf",
    ),
    path("<int:pk>/<slug:step>/", views.dispute_step, name="dispute-step"),
]
