"""Duty planning: rules of who is needed when at each post, monthly rosters and their duties."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.areas.models import Post
from shouwang.core import crypto
from shouwang.core.models import CodeItem, Jurisdiction
from shouwang.core.scoping import ScopedManager
from shouwang.forces.models import Member, Team


class Recurrence(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKDAYS = "weekdays", _("On some weekdays")
    MARKET_DAYS = "market_days", _("On market days")
    MONTHLY = "monthly", _("On one day of the month")
    WEEKLY = "weekly", _("Some days a week, not on market days")
    RRULE = "rrule", _("By an iCalendar rule (RRULE)")
    SCHOOL_DAYS = "school_days", _("At school times on school days")
    KEY_PERIODS = "key_periods", _("On holidays and key periods")
    WEATHER = "weather", _("During severe-weather warnings")
    TRAIN_PASSAGES = "train_passages", _("At train passages")


class SchoolEvent(models.TextChoices):
    ARRIVAL = "arrival", _("Pupils arrive")
    DISMISSAL = "dismissal", _("Pupils are dismissed")
    RETURN = "return", _("Boarders return")
    LEAVE = "leave", _("Boarders leave")


class WarningLevel(models.TextChoices):
    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class MarketCalendar(models.TextChoices):
    LUNAR = "lunar", _("Lunar calendar")
    GREGORIAN = "gregorian", _("Gregorian calendar")


def member_role_codes() -> set[str]:
    """The codes of the member_role code list (the qualifications a rule may ask for)."""
    return set(CodeItem.objects.filter(code_list__key="member_role").values_list("code", flat=True))


class DutyRule(models.Model):
    """Which post needs whom and when (排班规则): recurrence, time window, head count, roles."""

    scope_path = "jurisdiction__path"
    scope_team = "post__team"

    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="duty_rules"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    recurrence = models.CharField(
        _("recurrence"), max_length=16, choices=Recurrence.choices, default=Recurrence.DAILY
    )
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        blank=True,
        help_text=_("For weekday rules: ISO weekdays, 1 = Monday … 7 = Sunday, e.g. [5, 7]."),
    )
    market_pattern = models.CharField(
        _("market-day pattern"),
        max_length=60,
        blank=True,
        help_text=_("For market-day rules, as the township says it, e.g. 逢三六九."),
    )
    market_calendar = models.CharField(
        _("market calendar"),
        max_length=16,
        choices=MarketCalendar.choices,
        default=MarketCalendar.LUNAR,
    )
    month_day = models.PositiveSmallIntegerField(
        _("day of the month"),
        null=True,
        blank=True,
        help_text=_("For monthly rules: 1–31 (skipped in months that are shorter)."),
    )
    times_per_week = models.PositiveSmallIntegerField(
        _("days a week"),
        null=True,
        blank=True,
        help_text=_("For weekly rules: on how many days of each week (market days avoided)."),
    )
    rrule = models.CharField(
        _("iCalendar rule"),
        max_length=500,
        blank=True,
        help_text=_("For RRULE rules, RFC 5545, e.g. FREQ=WEEKLY;BYDAY=TU,TH."),
    )
    school_event = models.CharField(
        _("school event"),
        max_length=16,
        choices=SchoolEvent.choices,
        blank=True,
        help_text=_("For school-day rules: which bell event the post covers (empty: every one)."),
    )
    min_warning_level = models.CharField(
        _("lowest warning level"),
        max_length=8,
        choices=WarningLevel.choices,
        blank=True,
        help_text=_("For weather rules: warnings of this level or higher call out the post."),
    )
    start_time = models.TimeField(
        _("start time"), null=True, blank=True, help_text=_("Empty: the post's default.")
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), null=True, blank=True, help_text=_("Empty: the post's default.")
    )
    lead_minutes = models.PositiveIntegerField(
        _("on post ahead (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: the post's default."),
    )
    head_count = models.PositiveIntegerField(_("required head count"), default=1)
    role_minimums = models.JSONField(
        _("minimum per role"),
        default=dict,
        blank=True,
        help_text=_('Member role code → count, e.g. {"police_officer": 1}.'),
    )
    priority = models.IntegerField(
        _("priority"), default=0, help_text=_("Higher is staffed first when members are short.")
    )
    active = models.BooleanField(_("active"), default=True)
    # A rule may hold for a period only (e.g. the extra posts of a special operation): it asks
    # for no duties before `valid_from` or after `valid_until` (both included; empty = open).
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Empty: no start date.")
    )
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: no end date.")
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("duty rule")
        verbose_name_plural = _("duty rules")
        ordering = ["post__start_time", "pk"]

    def __str__(self) -> str:
        post = self.post.name if self.post_id else "?"
        return f"{post} · {self.recurrence_display()}"

    def recurrence_display(self) -> str:
        if self.recurrence == Recurrence.WEEKDAYS:
            names = "、".join(_WEEKDAY_ZH.get(d, str(d)) for d in (self.weekdays or []))
            return f"{_WEEKDAY_PREFIX}{names}"
        if self.recurrence == Recurrence.MARKET_DAYS:
            return self.market_pattern
        if self.recurrence == Recurrence.MONTHLY:
            return f"{self.month_day}日"
        return str(self.get_recurrence_display())

    # -- effective values (the post's defaults when the rule leaves them empty) ---------------

    def effective_start(self) -> dt.time:
        return self.start_time or self.post.start_time

    def effective_duration(self) -> int:
        return int(self.duration_minutes or self.post.duration_minutes)

    def effective_lead(self) -> int:
        return int(self.post.lead_minutes if self.lead_minutes is None else self.lead_minutes)

    def clean(self) -> None:
        errors: dict[str, list[Any]] = {}
        if self.weekdays in (None, ""):
            self.weekdays = []
        if self.recurrence == Recurrence.WEEKDAYS or self.weekdays != []:
            days = self.weekdays
            if (
                not isinstance(days, list)
                or not days
                or any(isinstance(d, bool) or not isinstance(d, int) for d in days)
                or any(not 1 <= d <= 7 for d in days)
            ):
                errors["weekdays"] = [
                    _("Give a list of weekdays, 1 = Monday … 7 = Sunday, e.g. [5, 7].")
                ]
            elif len(set(days)) != len(days):
                errors["weekdays"] = [_("A weekday is listed twice.")]
            else:
                self.weekdays = sorted(days)
        if self.recurrence == Recurrence.MARKET_DAYS:
            try:
                self.market_pattern_parsed()
            except ValueError as exc:
                message = getattr(exc, "message_zh", None) or str(exc)
                errors["market_pattern"] = [message]
        if self.recurrence == Recurrence.MONTHLY and not (
            self.month_day is not None and 1 <= self.month_day <= 31
        ):
            errors["month_day"] = [_("Give a day of the month, 1–31.")]
        if self.duration_minutes is not None and not 1 <= self.duration_minutes <= 24 * 60:
            errors["duration_minutes"] = [_("Between 1 minute and 24 hours.")]
        if self.head_count == 0:
            errors["head_count"] = [_("At least one member is required.")]
        minimums = self.role_minimums
        if minimums in (None, ""):
            self.role_minimums = minimums = {}
        if not isinstance(minimums, dict):
            errors["role_minimums"] = [_('Give an object of role code → count, e.g. {"x": 1}.')]
        else:
            known = member_role_codes()
            unknown = sorted(str(code) for code in minimums if code not in known)
            if unknown:
                errors["role_minimums"] = [
                    _("Unknown member role codes: %(codes)s.") % {"codes": ", ".join(unknown)}
                ]
            elif any(
                isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in minimums.values()
            ):
                errors["role_minimums"] = [_("Each count must be a whole number ≥ 1.")]
            elif self.head_count and any(n > self.head_count for n in minimums.values()):
                errors["role_minimums"] = [_("A role minimum cannot exceed the head count.")]
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = [_("The end date is before the start date.")]
        self._clean_triggers(errors)
        if self.post_id and self.jurisdiction_id:
            post_path, own_path = self.post.jurisdiction.path, self.jurisdiction.path
            if not (post_path.startswith(own_path) or own_path.startswith(post_path)):
                errors["post"] = [_("The post belongs to another jurisdiction.")]
        if errors:
            raise ValidationError(errors)

    def _clean_triggers(self, errors: dict[str, list[Any]]) -> None:
        """Checks of the trigger-driven recurrences (weekly … train passages)."""
        kind = self.recurrence
        if kind == Recurrence.WEEKLY:
            if not (self.times_per_week is not None and 1 <= self.times_per_week <= 7):
                errors["times_per_week"] = [_("Give on how many days a week, 1–7.")]
            if (self.market_pattern or "").strip():
                try:
                    self.market_pattern_parsed()
                except ValueError as exc:
                    errors["market_pattern"] = [getattr(exc, "message_zh", None) or str(exc)]
        if kind == Recurrence.RRULE:
            from shouwang.rostering.demand import parse_rrule

            try:
                parse_rrule(self.rrule)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                errors["rrule"] = [
                    _(
                        "Not a valid iCalendar rule (RFC 5545), e.g. FREQ=WEEKLY;BYDAY=TU,TH: "
                        "%(reason)s"
                    )
                    % {"reason": exc}
                ]
        post = self.post if self.post_id else None
        if kind == Recurrence.SCHOOL_DAYS and post is not None and not post.key_place_id:
            errors["post"] = [_("School-day rules need a post at a school (a key place).")]
        if kind == Recurrence.WEATHER and not self.min_warning_level:
            errors["min_warning_level"] = [
                _("Give the lowest warning level that calls the post out.")
            ]
        if kind == Recurrence.TRAIN_PASSAGES and post is not None and not post.segment_id:
            errors["post"] = [_("Train-passage rules need a post on a railway segment.")]

    def market_pattern_parsed(self) -> Any:
        from shouwang.rostering import adapter

        return adapter.parse_market_pattern(self.market_pattern, self.market_calendar)


_WEEKDAY_ZH = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "日"}
_WEEKDAY_PREFIX = "周"


class ArrangementKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday")
    WORKDAY = "workday", _("Adjusted working day")


class HolidayArrangement(models.Model):
    """One day of a year's holiday arrangement (法定节假日 / 调休上班), entered by an office.

    Applies to the rosters of the teams in the office's jurisdiction subtree; the nearest
    office's entry wins when several offices enter the same date.  Entries override
    ``chinese_calendar`` and make a year the library does not know yet "known".
    """

    scope_path = "jurisdiction__path"

    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=16, choices=ArrangementKind.choices, default=ArrangementKind.HOLIDAY
    )
    name = models.CharField(
        _("name"),
        max_length=60,
        blank=True,
        help_text=_("The holiday, e.g. 国庆节 (for a working day: the holiday it makes up for)."),
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="holiday_arrangements",
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "date"],
                name="holiday_arrangement_unique_jurisdiction_date",
                violation_error_message=_(
                    "This jurisdiction already has an arrangement for this date."
                ),
            )
        ]

    def __str__(self) -> str:
        day = self.date.isoformat() if self.date else "?"
        return f"{day} {self.get_kind_display()}{' ' + self.name if self.name else ''}"


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    PUBLISHED = "published", _("Published")
    AMENDED = "amended", _("Amended")


#: The roster workflow (STYLE rule 5): status → statuses it may move to.
ROSTER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RosterStatus.DRAFT: (RosterStatus.REVIEWED,),
    RosterStatus.REVIEWED: (RosterStatus.DRAFT, RosterStatus.PUBLISHED),
    RosterStatus.PUBLISHED: (RosterStatus.AMENDED,),
    RosterStatus.AMENDED: (RosterStatus.REVIEWED,),
}


#: Button labels of the roster's moves, (from, to) → what the user does.
ROSTER_ACTIONS: dict[tuple[str, str], Any] = {
    (RosterStatus.DRAFT, RosterStatus.REVIEWED): _("Mark as reviewed"),
    (RosterStatus.REVIEWED, RosterStatus.DRAFT): _("Back to draft"),
    (RosterStatus.REVIEWED, RosterStatus.PUBLISHED): _("Publish"),
    (RosterStatus.PUBLISHED, RosterStatus.AMENDED): _("Amend the published roster"),
    (RosterStatus.AMENDED, RosterStatus.REVIEWED): _("Mark the amendments as reviewed"),
}


class Roster(models.Model):
    """A team's duty roster for one month (巡逻防控时间表), planned as a draft, then published."""

    scope_path = "team__jurisdiction__path"
    scope_team = "team"
    # The status is not editable on forms (only transition_roster moves it) but is audited.
    audit_extra = ("status", "generated_at")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="rosters"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RosterStatus.choices,
        default=RosterStatus.DRAFT,
        editable=False,
    )
    findings = models.JSONField(_("checks before planning"), default=list, editable=False)
    calendar_warnings = models.JSONField(
        _("calendar warnings"), default=list, blank=True, editable=False
    )
    uncovered = models.JSONField(_("uncovered needs"), default=list, editable=False)
    solver_summary = models.JSONField(_("planning summary"), default=dict, editable=False)
    generated_at = models.DateTimeField(_("generated at"), null=True, editable=False)
    #: What re-planning and approved swaps changed after publishing, newest last: each entry
    #: {"at", "kind", "actor", "reason", "removed": [...], "added": [...]}.
    changes = models.JSONField(_("changes after publishing"), default=list, editable=False)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")
        ordering = ["-month", "team__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "month"],
                name="roster_unique_team_month",
                violation_error_message=_("This team already has a roster for this month."),
            )
        ]

    def __str__(self) -> str:
        team = self.team.name if self.team_id else "?"
        month = self.month.strftime("%Y-%m") if self.month else "?"
        return f"{team} {month}"

    def clean(self) -> None:
        if self.month is not None and self.month.day != 1:
            raise ValidationError({"month": _("Give the first day of the month.")})

    def allowed_transitions(self) -> tuple[str, ...]:
        return ROSTER_TRANSITIONS.get(self.status, ())

    def transition_choices(self) -> list[tuple[str, str]]:
        """(status, button label) of the statuses this roster may move to next: the action,
        from where the roster stands ("back to draft" is not "draft")."""
        return [
            (to, str(ROSTER_ACTIONS.get((self.status, to), RosterStatus(to).label)))
            for to in self.allowed_transitions()
        ]

    def month_grid(self) -> dict[str, Any]:
        """Rows = members, columns = days, cells = short post names (for the page)."""
        from shouwang.rostering.services import roster_grid

        return roster_grid(self)

    @property
    def status_label(self) -> str:
        return str(self.get_status_display())

    def calendar_warning_messages(self) -> list[str]:
        """The stored calendar warnings in the active language (Chinese or English)."""
        from django.utils import translation

        language = (translation.get_language() or "zh-hans").lower()
        key = "message_zh" if language.startswith("zh") else "message_en"
        return [
            str(w.get(key) or w.get("message_zh") or "")
            for w in (self.calendar_warnings or [])
            if isinstance(w, dict)
        ]


class Duty(models.Model):
    """One post to staff on one day of a roster, with its window and its needs."""

    scope_path = "roster__team__jurisdiction__path"
    scope_team = "roster__team"

    roster = models.ForeignKey(
        Roster, verbose_name=_("roster"), on_delete=models.CASCADE, related_name="duties"
    )
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.PROTECT)
    rule = models.ForeignKey(
        DutyRule, verbose_name=_("duty rule"), null=True, on_delete=models.SET_NULL
    )
    date = models.DateField(_("date"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    required_count = models.PositiveIntegerField(_("required head count"), default=1)
    roles = models.JSONField(_("minimum per role"), default=dict, blank=True)
    # Derived from the logs and assignments, kept by patrols.tallies (never entered): the
    # dashboard counts a county's duties without visiting their logs and attendance.
    covered = models.BooleanField(_("covered"), default=False, editable=False)
    assigned_count = models.PositiveIntegerField(_("members rostered"), default=0, editable=False)
    attended_count = models.PositiveIntegerField(_("members on post"), default=0, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["date", "start", "pk"]
        # The dashboard and the monthly report read a period's duties of a whole county:
        # from the index alone, without the wide rows.
        indexes = [
            models.Index(
                fields=["date"],
                include=["roster", "end", "covered", "assigned_count", "attended_count", "id"],
                name="duty_date_tallies",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.post}"


class DutyAssignment(models.Model):
    """One member on one duty; manual assignments survive re-planning the draft."""

    scope_path = "duty__roster__team__jurisdiction__path"
    scope_team = "duty__roster__team"

    duty = models.ForeignKey(
        Duty, verbose_name=_("duty"), on_delete=models.CASCADE, related_name="assignments"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    is_manual = models.BooleanField(
        _("set by hand"),
        default=False,
        help_text=_("Kept when the draft is planned again."),
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["duty", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["duty", "member"],
                name="duty_assignment_unique_member",
                violation_error_message=_("This member is already on this duty."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.duty} · {self.member}"


class CalendarFeed(models.Model):
    """A private, revocable iCalendar feed of one member's duties (for phone calendars).

    The feed's address holds a secret token; only its SHA-256 digest is stored, so the
    address is shown once when the feed is issued and can never be shown again.
    """

    scope_path = "member__jurisdiction__path"
    scope_team = "member__teams"
    scope_team_is_multi = True
    audit_exclude = ("digest",)

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name or self.member_id} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash(raw: str) -> str:
        return crypto.secret_digest(raw)

    @classmethod
    def new_raw(cls) -> str:
        return crypto.new_secret_token("swcal_")


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The swap workflow (STYLE rule 5): status → statuses it may move to.
SWAP_TRANSITIONS: dict[str, tuple[str, ...]] = {
    SwapStatus.REQUESTED: (SwapStatus.ACCEPTED, SwapStatus.REJECTED, SwapStatus.WITHDRAWN),
    SwapStatus.ACCEPTED: (SwapStatus.APPROVED, SwapStatus.REJECTED, SwapStatus.WITHDRAWN),
    SwapStatus.APPROVED: (),
    SwapStatus.REJECTED: (),
    SwapStatus.WITHDRAWN: (),
}


class SwapRequest(models.Model):
    """A member's request to swap a duty with a team member, or to give it away (换班申请).

    The named member accepts (for "anyone available", whoever takes it accepts); the team
    leader approves or rejects; only on approval do the assignments change.
    """

    scope_path = "roster__team__jurisdiction__path"
    scope_team = "roster__team"

    roster = models.ForeignKey(
        Roster, verbose_name=_("roster"), on_delete=models.CASCADE, related_name="swap_requests"
    )
    duty = models.ForeignKey(
        Duty,
        verbose_name=_("duty to hand over"),
        on_delete=models.CASCADE,
        related_name="swaps_offered",
    )
    requester = models.ForeignKey(
        Member, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    counterpart = models.ForeignKey(
        Member,
        verbose_name=_("swap with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: anyone available in the team may take the duty."),
    )
    counterpart_duty = models.ForeignKey(
        Duty,
        verbose_name=_("duty taken in exchange"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="swaps_wanted",
        help_text=_("Empty: the duty is given away, nothing is taken in exchange."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SwapStatus.choices,
        default=SwapStatus.REQUESTED,
        editable=False,
    )
    note = models.TextField(_("note"), blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.duty} · {self.get_status_display()}"

    @property
    def status_label(self) -> str:
        return str(self.get_status_display())

    @property
    def is_open(self) -> bool:
        return self.status in (SwapStatus.REQUESTED, SwapStatus.ACCEPTED)
