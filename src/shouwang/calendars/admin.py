from django.contrib import admin

from shouwang.calendars.models import (
    HolidayYear,
    KeyPeriod,
    SchoolCalendar,
    TrainPassage,
    WeatherWarning,
)
from shouwang.core.admin import AuditedAdmin

for model in (KeyPeriod, WeatherWarning, SchoolCalendar, TrainPassage, HolidayYear):
    admin.site.register(model, AuditedAdmin)
