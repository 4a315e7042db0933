"""Missed duties, check-in review and attendance figures (mounted at /patrols/)."""

from __future__ import annotations

from django.urls import URLPattern, path

from shouwang.patrols import missed_views

urlpatterns: list[URLPattern] = [
    path("missed/", missed_views.missed_duty_list, name="missed-duty-list"),
    path("missed/<int:pk>/close/", missed_views.missed_duty_close, name="missed-duty-close"),
    path("check-ins/review/", missed_views.checkin_review_list, name="checkin-review-list"),
    path("check-ins/<int:pk>/review/", missed_views.checkin_review, name="checkin-review"),
    path("attendance/", missed_views.attendance_figures, name="attendance-figures"),
]
