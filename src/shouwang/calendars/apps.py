from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    """The office's calendar records (五必巡逻 triggers); the package's pure modules need no
    Django and keep importing without it."""

    name = "shouwang.calendars"
    label = "calendars"
    verbose_name = _("Calendars")

    def ready(self) -> None:
        from shouwang.calendars import recordtypes  # noqa: F401  (registers record types)
