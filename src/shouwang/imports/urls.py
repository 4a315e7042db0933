"""Ledger import pages (/imports/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.imports import views

urlpatterns: list[URLPattern] = [
    path("", views.index, name="imports-home"),
    path("mappings/", views.mapping_list, name="imports-mappings"),
    path("mappings/<int:pk>/", views.mapping_edit, name="imports-mapping-edit"),
    path("runs/<int:pk>/", views.run_detail, name="imports-run"),
    path("runs/<int:pk>/mapping/", views.run_mapping, name="imports-run-mapping"),
    path("runs/<int:pk>/execute/", views.run_execute, name="imports-run-execute"),
    path("<slug:kind>/upload/", views.upload, name="imports-upload"),
    path("<slug:kind>/export/", views.export_form, name="imports-export-form"),
    path("<slug:kind>/export.xlsx", views.export, name="imports-export"),
]
