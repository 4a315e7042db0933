"""Pages of this app beyond the generic record pages."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.reports import monthly_views, views

urlpatterns: list[URLPattern] = [
    # -- dashboard (indicators.py) --
    path("dashboard/", views.dashboard, name="reports-dashboard"),
    path("dashboard/records/<slug:key>/", views.dashboard_records, name="reports-records"),
    # -- end dashboard --
    # -- monthly report (monthly*.py) --
    path("monthly/", monthly_views.monthly_page, name="reports-monthly"),
    path("monthly/<int:pk>/", monthly_views.monthly_detail, name="reports-monthly-detail"),
    path("monthly/<int:pk>/panel/", monthly_views.monthly_panel, name="reports-monthly-panel"),
    path("monthly/<int:pk>/<str:kind>/", monthly_views.monthly_file, name="reports-monthly-file"),
    # -- end monthly report --
]
