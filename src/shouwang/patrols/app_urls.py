"""The phone app (installable web app) under /app/."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.patrols import app_views

urlpatterns: list[URLPattern] = [
    path("", app_views.shell, name="field-app"),
    path("sw.js", app_views.service_worker, name="field-app-sw"),
    path("manifest.webmanifest", app_views.manifest, name="field-app-manifest"),
]
