"""Open311 GeoReport v2 for hazards the public may see (see hazards/open311.py)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.hazards import open311

urlpatterns: list[URLPattern] = [
    path("discovery.json", open311.discovery, name="open311-discovery"),
    path("services.json", open311.services, name="open311-services"),
    path("requests.json", open311.requests, name="open311-requests"),
    path("requests/<str:request_id>.json", open311.request_detail, name="open311-request"),
]
