"""Office pages of field work: patrol logs, review, corrections, monthly ledger."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.patrols import views

urlpatterns: list[URLPattern] = [
    path("logs/", views.log_list, name="patrol-log-list"),
    path("logs/new/", views.log_paper, name="patrol-log-paper"),
    path("logs/<int:pk>/", views.log_detail, name="patrol-log-detail"),
    path("logs/<int:pk>/map.json", views.log_map_data, name="patrol-log-map-data"),
    path("logs/<int:pk>/confirm/", views.log_confirm, name="patrol-log-confirm"),
    path("logs/<int:pk>/return/", views.log_return, name="patrol-log-return"),
    path("logs/<int:pk>/correct/", views.log_correct, name="patrol-log-correct"),
    path("ledger/", views.ledger_page, name="patrol-ledger"),
    path("ledger/pdf/", views.ledger_pdf, name="patrol-ledger-pdf"),
    path("ledger/xlsx/", views.ledger_xlsx, name="patrol-ledger-xlsx"),
    path("checklists/install/", views.checklists_install, name="checklists-install"),
    path("photos/<uuid:uuid>/", views.photo, name="patrol-photo"),
]
