"""Pages of this app beyond the generic record pages (/railway/…)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.railway import views

urlpatterns: list[URLPattern] = [
    path("status/", views.status_page, name="railway-status"),
    path("ledger.xlsx", views.ledger_xlsx, name="railway-ledger-xlsx"),
]
