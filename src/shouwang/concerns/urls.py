"""People-of-concern pages (/concerns/…)."""

from django.urls import URLPattern, path

from shouwang.concerns import views

urlpatterns: list[URLPattern] = [
    path("", views.person_list, name="concern-list"),
    path("new/", views.person_new, name="concern-new"),
    path("export.xlsx", views.person_export, name="concern-export"),
    path("policies/", views.policies, name="concern-policies"),
    path("<int:pk>/", views.person_detail, name="concern-detail"),
    path("<int:pk>/edit/", views.person_edit, name="concern-edit"),
    path("<int:pk>/reveal/", views.person_reveal, name="concern-reveal"),
    path("<int:pk>/<slug:step>/", views.person_step, name="concern-step"),
]
