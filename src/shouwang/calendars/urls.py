"""Pages of the calendar app beyond the generic record pages: the imports."""

from django.urls import path

from shouwang.calendars import views

urlpatterns = [
    path("import/", views.import_index, name="calendar-imports"),
    path("import/<slug:kind>/", views.import_page, name="calendar-import"),
]
