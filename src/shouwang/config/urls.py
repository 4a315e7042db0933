"""URL map: pages, the generic record pages, and the API."""

from django.contrib import admin
from django.urls import include, path

from shouwang.areas import views as area_views
from shouwang.core import inbox_views, job_views, views
from shouwang.core.api import api, register_routers
from shouwang.forces import leave_views
from shouwang.forces import views as force_views
from shouwang.rostering import views as roster_views

register_routers()

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("map/", views.map_page, name="map"),
    path("map/data.json", views.map_data, name="map-data"),
    path("tasks/", inbox_views.my_tasks, name="my-tasks"),
    path("tasks/badge/", inbox_views.task_badge, name="my-tasks-badge"),
    path("r/jurisdictions/import/", views.jurisdiction_import, name="jurisdiction-import"),
    path("rostering/generate/", roster_views.roster_generate, name="roster-generate"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/progress/", job_views.job_progress, name="job-progress"),
    path(
        "rostering/rosters/<int:pk>/transition/",
        roster_views.roster_transition,
        name="roster-transition",
    ),
    path(
        "rostering/rosters/<int:pk>/timetable.xlsx",
        roster_views.roster_timetable_xlsx,
        name="roster-timetable-xlsx",
    ),
    path(
        "rostering/rosters/<int:pk>/timetable.pdf",
        roster_views.roster_timetable_pdf,
        name="roster-timetable-pdf",
    ),
    path("rostering/feeds/<str:token>.ics", roster_views.calendar_feed, name="calendar-feed"),
    path(
        "rostering/members/<int:pk>/feeds/",
        roster_views.member_feeds,
        name="member-calendar-feeds",
    ),
    path("rostering/feeds/<int:pk>/revoke/", roster_views.feed_revoke, name="calendar-feed-revoke"),
    path("rostering/", include("shouwang.rostering.urls")),
    path("notifications/", include("shouwang.notify.urls")),
    path("calendars/", include("shouwang.calendars.urls")),
    path("patrols/", include("shouwang.patrols.urls")),
    path("patrols/", include("shouwang.patrols.missed_urls")),
    path("hazards/", include("shouwang.hazards.urls")),
    path("disputes/", include("shouwang.disputes.urls")),
    path("concerns/", include("shouwang.concerns.urls")),
    path("governance/", include("shouwang.governance.urls")),
    path("railway/", include("shouwang.railway.urls")),
    path("special-operations/", include("shouwang.specialops.urls")),
    path("assessment/", include("shouwang.assessment.urls")),
    path("reports/", include("shouwang.reports.urls")),
    path("imports/", include("shouwang.imports.urls")),  # ledger import and export
    path("open311/v2/", include("shouwang.hazards.open311_urls")),  # GeoReport v2 (public)
    path("app/", include("shouwang.patrols.app_urls")),
    path("r/<slug:key>/", views.record_list, name="record-list"),
    path("r/<slug:key>/new/", views.record_create, name="record-create"),
    path("r/<slug:key>/<int:pk>/", views.record_detail, name="record-detail"),
    path("r/<slug:key>/<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("r/<slug:key>/<int:pk>/delete/", views.record_delete, name="record-delete"),
    path("members/<int:pk>/reveal-id/", force_views.reveal_citizen_id, name="member-reveal-id"),
    path("forces/my-leave/", leave_views.my_leave, name="forces-my-leave"),
    path("forces/leave-requests/", leave_views.leave_requests, name="forces-leave-requests"),
    path(
        "forces/leave-requests/<int:pk>/decide/",
        leave_views.leave_decide,
        name="forces-leave-decide",
    ),
    path("key-places/<int:pk>/qr/", area_views.keyplace_qr, name="keyplace-qr"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
