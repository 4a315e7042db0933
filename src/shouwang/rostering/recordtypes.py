"""Record types of duty planning: duty rules, holiday arrangements and rosters (duties live
inside a roster)."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from shouwang.core.registry import DateRange, ListLink, RecordType, register
from shouwang.rostering import services
from shouwang.rostering.forms import DutyRuleForm, HolidayArrangementForm, RosterForm
from shouwang.rostering.models import DutyRule, HolidayArrangement, Roster

# Navigation lists sections by key (core/context_processors.py); until a "rostering" section
# is added there, duty planning sits with the posts it schedules.
SECTION = "rostering"

register(
    RecordType(
        model=DutyRule,
        form=DutyRuleForm,
        create=services.create_duty_rule,
        update=services.update_duty_rule,
        delete=services.delete_duty_rule,
        slug="duty-rules",
        columns=["post", "recurrence_display", "head_count", "priority", "active"],
        filters=["post", "jurisdiction", "recurrence", "active"],
        search=["post__name", "market_pattern", "note"],
        detail_fields=[*DutyRuleForm.base_fields, "recurrence_display"],
        select_related=["post", "jurisdiction"],
        extra_labels={"recurrence_display": _("when")},
        section=SECTION,
    )
)
register(
    RecordType(
        model=HolidayArrangement,
        form=HolidayArrangementForm,
        create=services.create_holiday_arrangement,
        update=services.update_holiday_arrangement,
        delete=services.delete_holiday_arrangement,
        slug="holiday-arrangements",
        dated=DateRange("date"),
        columns=["date", "kind", "name", "jurisdiction"],
        filters=["jurisdiction", "kind"],
        search=["name", "note"],
        detail_fields=list(HolidayArrangementForm.base_fields),
        select_related=["jurisdiction"],
        section=SECTION,
    )
)
register(
    RecordType(
        model=Roster,
        form=RosterForm,
        create=services.create_roster,
        update=services.update_roster,
        delete=services.delete_roster,
        slug="rosters",
        columns=["team", "month", "status", "generated_at"],
        filters=["team", "status"],
        search=["team__name", "note"],
        detail_fields=["team", "month", "status", "generated_at", "note"],
        select_related=["team", "team__jurisdiction"],
        section=SECTION,
        detail_extra="rostering/roster_extra.html",
        # Planning a month is the usual way a roster comes to be (a draft, then reviewed).
        list_links=[
            ListLink(
                label=_("Plan a month's roster"),
                url=reverse_lazy("roster-generate"),
                needs="change",
            )
        ],
    )
)
