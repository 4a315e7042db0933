"""Record types of the office's calendar records (the five mandatory patrol triggers)."""

from django.utils.translation import gettext_lazy as _

from shouwang.calendars import services
from shouwang.calendars.forms import (
    HolidayYearForm,
    KeyPeriodForm,
    SchoolCalendarForm,
    TrainPassageForm,
    WeatherWarningForm,
)
from shouwang.calendars.models import (
    HolidayYear,
    KeyPeriod,
    SchoolCalendar,
    TrainPassage,
    WeatherWarning,
)
from shouwang.core.registry import DateRange, RecordType, register

# They feed duty planning, so they sit with the duty rules in navigation.
SECTION = "rostering"

register(
    RecordType(
        model=KeyPeriod,
        form=KeyPeriodForm,
        create=services.create_key_period,
        update=services.update_key_period,
        delete=services.delete_key_period,
        slug="key-periods",
        dated=DateRange("start_date", end="end_date"),
        columns=["name", "start_date", "end_date", "level", "jurisdiction"],
        filters=["jurisdiction"],
        search=["name", "note"],
        detail_fields=list(KeyPeriodForm.base_fields),
        select_related=["jurisdiction"],
        prefetch=["zones"],
        section=SECTION,
    )
)
register(
    RecordType(
        model=WeatherWarning,
        form=WeatherWarningForm,
        create=services.create_weather_warning,
        update=services.update_weather_warning,
        delete=services.delete_weather_warning,
        slug="weather-warnings",
        dated=DateRange("starts_at", end="ends_at"),
        columns=["kind", "level", "starts_at", "ends_at", "jurisdiction"],
        filters=["jurisdiction", "kind", "level"],
        search=["issuer", "note"],
        detail_fields=list(WeatherWarningForm.base_fields),
        select_related=["jurisdiction"],
        prefetch=["zones"],
        section=SECTION,
    )
)
register(
    RecordType(
        model=SchoolCalendar,
        form=SchoolCalendarForm,
        create=services.create_school_calendar,
        update=services.update_school_calendar,
        delete=services.delete_school_calendar,
        slug="school-calendars",
        columns=["school", "summer_from", "winter_from", "jurisdiction"],
        filters=["jurisdiction"],
        search=["school__name", "note"],
        detail_fields=["school", "jurisdiction", "summer_from", "winter_from", "note"],
        select_related=["school", "jurisdiction"],
        section=SECTION,
        detail_extra="calendars/schoolcalendar_extra.html",
    )
)
register(
    RecordType(
        model=TrainPassage,
        form=TrainPassageForm,
        create=services.create_train_passage,
        update=services.update_train_passage,
        delete=services.delete_train_passage,
        slug="train-passages",
        columns=["segment", "chainage_display", "train_no", "direction", "passes_at", "days"],
        filters=["jurisdiction", "segment", "direction", "days"],
        search=["train_no", "note"],
        detail_fields=[*TrainPassageForm.base_fields, "chainage_display"],
        select_related=["segment", "jurisdiction"],
        extra_labels={"chainage_display": _("kilometre post")},
        section=SECTION,
    )
)
register(
    RecordType(
        model=HolidayYear,
        form=HolidayYearForm,
        create=services.create_holiday_year,
        update=services.update_holiday_year,
        delete=services.delete_holiday_year,
        slug="holiday-years",
        columns=["year", "complete", "jurisdiction"],
        filters=["jurisdiction", "complete"],
        search=["note"],
        detail_fields=list(HolidayYearForm.base_fields),
        select_related=["jurisdiction"],
        section=SECTION,
    )
)
