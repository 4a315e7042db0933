"""The solver's domain snapshot: plain frozen dataclasses, no Django, no OR-Tools.

A :class:`Problem` is everything the solver needs to plan one period (usually a month) for
one team: the duty kinds, the members with their contracts and wishes, the demand per day
and duty kind, and the weights of the soft rules.  A :class:`Solution` is what comes back:
the assignments, the penalty of every soft rule by name, an explanation for every need left
uncovered and each member's load.

Days are indexes ``0 .. horizon_days - 1``; the app maps them to calendar dates.  Identifiers
(duty kinds, members, qualifications, zones) are plain strings so that the app can use its
primary keys and the benchmark can use the instance's own ids.

Hard rules (never violated by a returned roster):

* at most one duty per member per day; days off; pinned assignments;
* qualifications a duty kind requires; a cap per member per duty kind (``0`` = not qualified);
* maximum duties in the period and per calendar week (also by employment type);
* minimum and maximum duty minutes in the period;
* maximum and minimum consecutive duty days, minimum consecutive days off;
* maximum weekends worked; forbidden successions (kind *a* on day *d*, kind *b* on *d* + 1);
* a demand's hard maximum head count.

Soft rules (named, weighted penalties; see :data:`SOFT_RULES`) cover everything else,
including the demand itself, so that a month that cannot be fully covered still yields the
best partial roster.

Edge rules at the start and end of the period: without a member's history, the days before
day 0 and after the last day count as days off for the maximum-consecutive rule and never
cause a minimum-consecutive violation (a working block or day-off block touching either end
is never too short).  With a history (the tail of the previous period) the rules run across
the boundary: the history days are fixed and the blocks that continue into day 0 are judged
as a whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

#: Names of the soft rules, stable strings used in weights and penalty breakdowns.
COVER_UNDER = "cover_under"
COVER_OVER = "cover_over"
ROLE_MISSING = "role_missing"
SHIFT_ON_REQUEST = "shift_on_request"
SHIFT_OFF_REQUEST = "shift_off_request"
AWAY_FROM_HOME_ZONE = "away_from_home_zone"
FAIR_NIGHTS = "fair_nights"
FAIR_WEEKENDS = "fair_weekends"
FAIR_HOLIDAYS = "fair_holidays"
#: Minimal perturbation: an assignment of the reference (published) roster dropped, or one
#: added that it did not have.  Only applies when the problem has a reference.
CHANGED_ASSIGNMENT = "changed_assignment"

SOFT_RULES: tuple[str, ...] = (
    COVER_UNDER,
    COVER_OVER,
    ROLE_MISSING,
    SHIFT_ON_REQUEST,
    SHIFT_OFF_REQUEST,
    AWAY_FROM_HOME_ZONE,
    FAIR_NIGHTS,
    FAIR_WEEKENDS,
    FAIR_HOLIDAYS,
    CHANGED_ASSIGNMENT,
)

#: Plain-language labels of the soft rules (English; the app translates them).
SOFT_RULE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        COVER_UNDER: "fewer members on a duty than required",
        COVER_OVER: "more members on a duty than required",
        ROLE_MISSING: "a role a duty needs is missing",
        SHIFT_ON_REQUEST: "a member's wish to work a duty not granted",
        SHIFT_OFF_REQUEST: "a member's wish to be off a duty not granted",
        AWAY_FROM_HOME_ZONE: "a member on duty outside the home zone",
        FAIR_NIGHTS: "night duties spread unevenly",
        FAIR_WEEKENDS: "weekend duties spread unevenly",
        FAIR_HOLIDAYS: "holiday duties spread unevenly",
        CHANGED_ASSIGNMENT: "a duty of the published roster changed",
    }
)

#: Names of the hard rules, used in presolve findings and explanations.
ONE_DUTY_PER_DAY = "one_duty_per_day"
DAY_OFF = "day_off"
PINNED = "pinned"
NOT_QUALIFIED = "not_qualified"
KIND_CAP = "kind_cap"
MAX_DUTIES = "max_duties"
MAX_DUTIES_PER_WEEK = "max_duties_per_week"
MIN_MINUTES = "min_minutes"
MAX_MINUTES = "max_minutes"
MAX_CONSECUTIVE_DAYS = "max_consecutive_days"
MIN_CONSECUTIVE_DAYS = "min_consecutive_days"
MIN_CONSECUTIVE_DAYS_OFF = "min_consecutive_days_off"
MAX_WEEKENDS = "max_weekends"
FORBIDDEN_SUCCESSION = "forbidden_succession"
DEMAND_MAXIMUM = "demand_maximum"

HARD_RULES: tuple[str, ...] = (
    ONE_DUTY_PER_DAY,
    DAY_OFF,
    PINNED,
    NOT_QUALIFIED,
    KIND_CAP,
    MAX_DUTIES,
    MAX_DUTIES_PER_WEEK,
    MIN_MINUTES,
    MAX_MINUTES,
    MAX_CONSECUTIVE_DAYS,
    MIN_CONSECUTIVE_DAYS,
    MIN_CONSECUTIVE_DAYS_OFF,
    MAX_WEEKENDS,
    FORBIDDEN_SUCCESSION,
    DEMAND_MAXIMUM,
)

HARD_RULE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        ONE_DUTY_PER_DAY: "already on another duty that day",
        DAY_OFF: "day off, leave or unavailable",
        PINNED: "a fixed assignment says otherwise",
        NOT_QUALIFIED: "not qualified for this duty",
        KIND_CAP: "cap for this duty kind reached",
        MAX_DUTIES: "maximum duties in the period reached",
        MAX_DUTIES_PER_WEEK: "maximum duties in that week reached",
        MIN_MINUTES: "minimum duty hours in the period not reached",
        MAX_MINUTES: "maximum duty hours in the period reached",
        MAX_CONSECUTIVE_DAYS: "too many consecutive duty days",
        MIN_CONSECUTIVE_DAYS: "a run of duty days shorter than the minimum",
        MIN_CONSECUTIVE_DAYS_OFF: "a run of days off shorter than the minimum",
        MAX_WEEKENDS: "maximum weekends worked reached",
        FORBIDDEN_SUCCESSION: "forbidden succession of duties on consecutive days",
        DEMAND_MAXIMUM: "more members on a duty than its hard maximum",
    }
)

Status = Literal["optimal", "feasible", "infeasible", "unknown", "model_invalid"]


def _frozen_mapping(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class DutyKind:
    """A kind of duty (班次/岗位): e.g. a day patrol, a night patrol, an early post."""

    id: str
    name: str = ""
    duration_minutes: int = 480
    #: Minute of the day the duty starts (for display and succession helpers), if known.
    start_minute: int | None = None
    is_night: bool = False
    is_early: bool = False
    #: Qualifications a member must hold (all of them) to work this duty.
    required_qualifications: frozenset[str] = frozenset()
    #: Zone the duty is in, for the home-zone preference.
    zone: str | None = None

    def label(self) -> str:
        """The name to show, falling back to the id."""
        return self.name or self.id


@dataclass(frozen=True)
class ShiftRequest:
    """A member's soft wish to work (``wanted``) or not to work a duty kind on a day."""

    day: int
    kind: str
    weight: int
    wanted: bool


@dataclass(frozen=True)
class EmploymentCaps:
    """Caps on duties that follow from an employment type (full-time, auxiliary, volunteer…)."""

    max_duties_per_week: int | None = None
    max_duties: int | None = None


@dataclass(frozen=True)
class Member:
    """A member of the team with contract limits, qualifications, days off and wishes."""

    id: str
    name: str = ""
    qualifications: frozenset[str] = frozenset()
    home_zone: str | None = None
    employment_type: str | None = None
    #: Maximum duties of each kind in the period; a missing kind is unlimited, 0 = never.
    max_per_kind: Mapping[str, int] = field(default_factory=dict)
    min_minutes: int = 0
    max_minutes: int | None = None
    #: Maximum duties in the whole period (overrides the employment type's cap).
    max_duties: int | None = None
    #: Maximum duties per calendar week (overrides the employment type's cap).
    max_duties_per_week: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int = 1
    min_consecutive_days_off: int = 1
    max_weekends: int | None = None
    #: Days the member must not work: leave, unavailable dates, fixed days off.
    days_off: frozenset[int] = frozenset()
    requests: tuple[ShiftRequest, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_per_kind", _frozen_mapping(self.max_per_kind))

    def label(self) -> str:
        """The name to show, falling back to the id."""
        return self.name or self.id


@dataclass(frozen=True)
class Demand:
    """How many members one duty kind needs on one day, and which roles among them.

    The head count is soft (``under_weight`` per missing member, ``over_weight`` per extra
    member) so that an uncoverable month still gets a partial roster; ``maximum`` is a hard cap.
    ``roles`` asks for at least so many assigned members holding a qualification (e.g. one
    team leader among three); each one missing costs ``role_weight``.  A weight of ``None``
    takes the problem's default from :class:`Weights`.
    """

    day: int
    kind: str
    required: int
    maximum: int | None = None
    roles: Mapping[str, int] = field(default_factory=dict)
    under_weight: int | None = None
    over_weight: int | None = None
    role_weight: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", _frozen_mapping(self.roles))


@dataclass(frozen=True)
class Pin:
    """A fixed assignment: ``member`` works ``kind`` on ``day`` (or is off if ``kind`` is None)."""

    member: str
    day: int
    kind: str | None


@dataclass(frozen=True)
class Weights:
    """Weights of the named soft rules; the office tunes them.

    ``cover_under``, ``cover_over`` and ``role_missing`` are defaults for demands that give no
    weight of their own; the two request weights multiply each request's own weight; the
    fairness weights apply per unit of spread (most minus fewest duties of that sort among the
    members who may work them).
    """

    cover_under: int = 1000
    cover_over: int = 10
    role_missing: int = 500
    shift_on_request: int = 1
    shift_off_request: int = 1
    away_from_home_zone: int = 5
    fair_nights: int = 20
    fair_weekends: int = 20
    fair_holidays: int = 20
    #: Per assignment of the reference roster dropped and per assignment added to it: high
    #: enough that re-planning moves a published duty only to cover a need or keep a rule.
    changed_assignment: int = 50

    def __post_init__(self) -> None:
        for name in SOFT_RULES:
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} must not be negative")

    def of(self, rule: str) -> int:
        """The weight of a soft rule by its stable name."""
        if rule not in SOFT_RULES:
            raise KeyError(rule)
        return int(getattr(self, rule))

    def with_weights(self, **weights: int) -> Weights:
        """A copy with some weights changed."""
        return replace(self, **weights)


@dataclass(frozen=True)
class Problem:
    """One planning period for one team: everything the solver needs, nothing else."""

    horizon_days: int
    duty_kinds: tuple[DutyKind, ...]
    members: tuple[Member, ...]
    demands: tuple[Demand, ...]
    #: Weekday of day 0 (0 = Monday … 6 = Sunday).
    start_weekday: int = 0
    #: Calendar date of day 0, for display only.
    start_date: dt.date | None = None
    #: Days that are weekend days; ``None`` means Saturday and Sunday from ``start_weekday``.
    #: (The app passes its own set when make-up working days move a weekend.)
    weekend_days: frozenset[int] | None = None
    holidays: frozenset[int] = frozenset()
    #: Pairs (a, b): kind a on day d may not be followed by kind b on day d + 1.
    forbidden_successions: frozenset[tuple[str, str]] = frozenset()
    pinned: tuple[Pin, ...] = ()
    #: Member id → duty kinds (None = off) of the last days of the previous period, oldest
    #: first; the rest rules then run across the boundary.
    history: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)
    weights: Weights = field(default_factory=Weights)
    #: Employment type → caps, applied to members whose own caps are not set.
    employment_caps: Mapping[str, EmploymentCaps] = field(default_factory=dict)
    name: str = ""
    #: The roster already published for this period (re-planning): every assignment of it
    #: dropped and every assignment added costs ``changed_assignment`` (minimal perturbation).
    reference: tuple[Assignment, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "history", MappingProxyType(dict(self.history)))
        object.__setattr__(self, "employment_caps", MappingProxyType(dict(self.employment_caps)))
        if self.horizon_days < 1:
            raise ValueError("the horizon must have at least one day")
        if not 0 <= self.start_weekday <= 6:
            raise ValueError("start_weekday must be 0 (Monday) … 6 (Sunday)")
        self._check_ids()

    def _check_ids(self) -> None:
        kinds = [k.id for k in self.duty_kinds]
        members = [m.id for m in self.members]
        if len(set(kinds)) != len(kinds):
            raise ValueError("duty kind ids must be unique")
        if len(set(members)) != len(members):
            raise ValueError("member ids must be unique")
        kind_set, member_set = set(kinds), set(members)
        days = range(self.horizon_days)
        for demand in self.demands:
            if demand.kind not in kind_set:
                raise ValueError(f"demand for unknown duty kind {demand.kind!r}")
            if demand.day not in days:
                raise ValueError(f"demand on day {demand.day} outside the horizon")
        for a, b in self.forbidden_successions:
            if a not in kind_set or b not in kind_set:
                raise ValueError(f"forbidden succession names an unknown duty kind: {a!r}, {b!r}")
        for pin in self.pinned:
            if pin.member not in member_set or (pin.kind is not None and pin.kind not in kind_set):
                raise ValueError(f"pinned assignment names an unknown member or kind: {pin}")
            if pin.day not in days:
                raise ValueError(f"pinned assignment on day {pin.day} outside the horizon")
        for member_id, tail in self.history.items():
            if member_id not in member_set:
                raise ValueError(f"history for unknown member {member_id!r}")
            for kind in tail:
                if kind is not None and kind not in kind_set:
                    raise ValueError(f"history names unknown duty kind {kind!r}")
        for member in self.members:
            for request in member.requests:
                if request.kind not in kind_set or request.day not in days:
                    raise ValueError(f"request of {member.id!r} names an unknown kind or day")
        for ref in self.reference:
            if ref.member not in member_set or ref.kind not in kind_set or ref.day not in days:
                raise ValueError(f"reference assignment names an unknown member/kind/day: {ref}")

    # -- calendar helpers -------------------------------------------------------------------

    def weekday(self, day: int) -> int:
        """Weekday (0 = Monday) of a day index."""
        return (self.start_weekday + day) % 7

    def is_weekend(self, day: int) -> bool:
        """Whether a day counts as a weekend day."""
        if self.weekend_days is not None:
            return day in self.weekend_days
        return self.weekday(day) >= 5

    def weekends(self) -> tuple[tuple[int, ...], ...]:
        """Weekends as groups of consecutive weekend days (a weekend is worked if any is)."""
        groups: list[list[int]] = []
        for day in range(self.horizon_days):
            if not self.is_weekend(day):
                continue
            if groups and groups[-1][-1] == day - 1:
                groups[-1].append(day)
            else:
                groups.append([day])
        return tuple(tuple(g) for g in groups)

    def weeks(self) -> tuple[tuple[int, ...], ...]:
        """Calendar weeks (Monday to Sunday) cut to the horizon."""
        weeks: dict[int, list[int]] = {}
        for day in range(self.horizon_days):
            weeks.setdefault((self.start_weekday + day) // 7, []).append(day)
        return tuple(tuple(days) for _, days in sorted(weeks.items()))

    # -- lookups ------------------------------------------------------------------------------

    def kind(self, kind_id: str) -> DutyKind:
        """The duty kind with this id."""
        for kind in self.duty_kinds:
            if kind.id == kind_id:
                return kind
        raise KeyError(kind_id)

    def member(self, member_id: str) -> Member:
        """The member with this id."""
        for member in self.members:
            if member.id == member_id:
                return member
        raise KeyError(member_id)

    def max_duties_of(self, member: Member) -> int | None:
        """The member's cap on duties in the period (own value, else employment type's)."""
        if member.max_duties is not None:
            return member.max_duties
        caps = self.employment_caps.get(member.employment_type or "")
        return caps.max_duties if caps else None

    def max_duties_per_week_of(self, member: Member) -> int | None:
        """The member's cap on duties per week (own value, else employment type's)."""
        if member.max_duties_per_week is not None:
            return member.max_duties_per_week
        caps = self.employment_caps.get(member.employment_type or "")
        return caps.max_duties_per_week if caps else None

    def may_work(self, member: Member, kind: DutyKind) -> bool:
        """Whether the member may ever work this kind (qualified and cap above zero)."""
        if member.max_per_kind.get(kind.id, 1) == 0:
            return False
        return kind.required_qualifications <= member.qualifications

    def pins_of(self, member_id: str) -> dict[int, str | None]:
        """The member's pinned days: day → kind (None = off)."""
        return {p.day: p.kind for p in self.pinned if p.member == member_id}

    def reference_set(self) -> frozenset[tuple[str, int, str]]:
        """(member, day, kind) of the reference roster's assignments."""
        return frozenset((a.member, a.day, a.kind) for a in self.reference)


def night_then_early_successions(kinds: tuple[DutyKind, ...]) -> frozenset[tuple[str, str]]:
    """Forbidden successions "no early duty the day after a night duty" from the kinds' flags."""
    return frozenset((a.id, b.id) for a in kinds if a.is_night for b in kinds if b.is_early)


@dataclass(frozen=True)
class Assignment:
    """One member on one duty kind on one day."""

    member: str
    day: int
    kind: str


#: A value in the ``params`` of a finding or explanation: plain, JSON-friendly data only.
ParamValue = str | int | float | bool | None | tuple[str | int, ...]


def _frozen_params(value: Mapping[str, ParamValue]) -> Mapping[str, ParamValue]:
    return MappingProxyType(
        {k: tuple(v) if isinstance(v, list) else v for k, v in dict(value).items()}
    )


@dataclass(frozen=True)
class CandidateReason:
    """Why one member could not fill an uncovered need.

    ``text`` is English; ``code`` and ``params`` say the same as data, so that the app can
    render it in the user's language (``rostering/findings_text.py``).
    """

    member: str
    #: Hard-rule names (see :data:`HARD_RULES`) that block the member; empty if none does.
    rules: tuple[str, ...]
    text: str
    code: str = ""
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen_params(self.params))


@dataclass(frozen=True)
class UncoveredNeed:
    """A shortfall in the roster: a demand (or a role within it) not fully staffed."""

    day: int
    kind: str
    #: The qualification missing, or None for the head count itself.
    role: str | None
    missing: int
    summary: str
    candidates: tuple[CandidateReason, ...]
    #: ``summary`` as data (see :class:`CandidateReason`).
    code: str = ""
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen_params(self.params))


@dataclass(frozen=True)
class MemberLoad:
    """How much one member works in the roster."""

    member: str
    duties: int
    minutes: int
    nights: int
    weekend_days: int
    weekends: int
    holidays: int
    per_kind: Mapping[str, int]


@dataclass(frozen=True)
class Progress:
    """A progress report while solving: a new best roster was found."""

    objective: float
    best_bound: float
    elapsed_s: float
    solutions: int


@dataclass(frozen=True)
class Finding:
    """A plain-language finding from the checks before solving."""

    severity: Literal["error", "warning", "info"]
    code: str
    message: str
    #: What the finding is about (a member, a duty kind, a day) for linking in the app.
    subject: str = ""
    #: The values ``message`` names (labels, dates, counts), so that the app can render the
    #: finding from ``code`` and ``params`` in the user's language.
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen_params(self.params))


@dataclass(frozen=True)
class Solution:
    """The solver's answer: roster, penalties by rule name, explanations, loads, statistics."""

    status: Status
    assignments: tuple[Assignment, ...]
    objective: int | None
    best_bound: float | None
    proven_optimal: bool
    penalties: Mapping[str, int]
    uncovered: tuple[UncoveredNeed, ...]
    loads: tuple[MemberLoad, ...]
    findings: tuple[Finding, ...]
    time_to_best_s: float | None
    wall_time_s: float
    seed: int
    workers: int
    solutions_found: int = 0
    #: Assignments of the problem's reference roster dropped plus assignments added to it.
    changed: int = 0

    @property
    def feasible(self) -> bool:
        """Whether a roster satisfying every hard rule was found."""
        return self.status in ("optimal", "feasible")

    def roster(self, problem: Problem) -> dict[str, list[str | None]]:
        """Member id → duty kind per day (None = off)."""
        table: dict[str, list[str | None]] = {
            m.id: [None] * problem.horizon_days for m in problem.members
        }
        for a in self.assignments:
            table[a.member][a.day] = a.kind
        return table
