"""Special-operation pages beyond the generic record pages (/special-operations/…)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.specialops import views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/figures.xlsx", views.figures_xlsx, name="specialops-figures-xlsx"),
    path("<int:pk>/<slug:step>/", views.operation_step, name="specialops-step"),
]
