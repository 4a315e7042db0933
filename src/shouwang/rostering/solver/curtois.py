"""The Shift Scheduling Benchmark text format (Curtois & Qu): reader, mapping and checker.

* :func:`parse` reads any instance of the format (up to a year, 150 staff, 32 shift types in
  the public set) into :class:`CurtoisInstance`, a literal record of the file.
* :func:`to_problem` maps an instance exactly onto the engine's own rule model
  (:class:`~shouwang.rostering.solver.model.Problem`) or raises :class:`NotMappable`: a rule
  is never relaxed to make it fit.
* :func:`check` is an independent checker: it re-reads the instance text with its own small
  parser and re-verifies every hard rule and recomputes the penalty directly from the format's
  rules, without touching the engine's model or rule code.

Format (day 0 is a Monday; ``#`` starts a comment; blank lines end a section):
``SECTION_HORIZON`` (days), ``SECTION_SHIFTS`` (id, minutes, ids that may not follow on the
next day), ``SECTION_STAFF`` (id, ``shift=max`` pairs, max minutes, min minutes, max
consecutive shifts, min consecutive shifts, min consecutive days off, max weekends),
``SECTION_DAYS_OFF`` (id, days), ``SECTION_SHIFT_ON_REQUESTS`` and
``SECTION_SHIFT_OFF_REQUESTS`` (id, day, shift, weight) and ``SECTION_COVER`` (day, shift,
requirement, weight under, weight over).  A (day, shift) pair without a cover line carries no
cover penalty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from shouwang.rostering.solver.model import (
    Demand,
    DutyKind,
    Member,
    Problem,
    ShiftRequest,
    Weights,
)

HORIZON = "SECTION_HORIZON"
SHIFTS = "SECTION_SHIFTS"
STAFF = "SECTION_STAFF"
DAYS_OFF = "SECTION_DAYS_OFF"
ON_REQUESTS = "SECTION_SHIFT_ON_REQUESTS"
OFF_REQUESTS = "SECTION_SHIFT_OFF_REQUESTS"
COVER = "SECTION_COVER"
KNOWN_SECTIONS = (HORIZON, SHIFTS, STAFF, DAYS_OFF, ON_REQUESTS, OFF_REQUESTS, COVER)


class CurtoisFormatError(ValueError):
    """The text is not a well-formed instance of the format."""


class NotMappable(Exception):
    """The instance states a rule the engine cannot express exactly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CurtoisShift:
    """A shift type: id, length and the shifts that may not be worked on the next day."""

    id: str
    minutes: int
    not_followed_by: tuple[str, ...]


@dataclass(frozen=True)
class CurtoisStaff:
    """An employee's contract line."""

    id: str
    max_shifts: Mapping[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_consecutive_off: int
    max_weekends: int


@dataclass(frozen=True)
class CurtoisRequest:
    """A shift on- or off-request."""

    staff: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class CurtoisCover:
    """A cover requirement for one shift on one day."""

    day: int
    shift: str
    requirement: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class CurtoisInstance:
    """A literal record of one instance file."""

    horizon: int
    shifts: tuple[CurtoisShift, ...]
    staff: tuple[CurtoisStaff, ...]
    days_off: Mapping[str, tuple[int, ...]]
    on_requests: tuple[CurtoisRequest, ...]
    off_requests: tuple[CurtoisRequest, ...]
    cover: tuple[CurtoisCover, ...]
    unknown_sections: tuple[str, ...] = field(default=())


def _rows(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    """Data rows per section, with their line numbers."""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            if current in sections:
                raise CurtoisFormatError(f"line {number}: section {current} appears twice")
            sections[current] = []
            continue
        if current is None:
            raise CurtoisFormatError(f"line {number}: data before the first section")
        sections[current].append((number, [f.strip() for f in line.split(",")]))
    return sections


def _int(value: str, number: int, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CurtoisFormatError(f"line {number}: {what} {value!r} is not a whole number") from None


def _fields(row: list[str], count: int, number: int, section: str) -> list[str]:
    # Trailing empty fields (e.g. "D,480,") are part of the format; extra ones are not.
    if len(row) < count - 1 or len(row) > count:
        raise CurtoisFormatError(
            f"line {number}: {section} needs {count} comma-separated fields, found {len(row)}"
        )
    return row + [""] * (count - len(row))


def parse(text: str) -> CurtoisInstance:
    """Read an instance file's text (any size) into a :class:`CurtoisInstance`."""
    sections = _rows(text)
    for required in (HORIZON, SHIFTS, STAFF):
        if required not in sections:
            raise CurtoisFormatError(f"missing {required}")
    horizon_rows = sections[HORIZON]
    if len(horizon_rows) != 1 or len(horizon_rows[0][1]) != 1:
        raise CurtoisFormatError("SECTION_HORIZON must hold exactly one number")
    number, (value,) = horizon_rows[0]
    horizon = _int(value, number, "horizon")
    if horizon < 1:
        raise CurtoisFormatError(f"line {number}: the horizon must be positive")

    shifts: list[CurtoisShift] = []
    for number, row in sections[SHIFTS]:
        sid, minutes, banned = _fields(row, 3, number, SHIFTS)
        after = tuple(s.strip() for s in banned.split("|") if s.strip())
        shifts.append(CurtoisShift(sid, _int(minutes, number, "shift length"), after))
    shift_ids = [s.id for s in shifts]
    if len(set(shift_ids)) != len(shift_ids):
        raise CurtoisFormatError("duplicate shift id")
    known_shifts = set(shift_ids)
    for shift in shifts:
        for other in shift.not_followed_by:
            if other not in known_shifts:
                raise CurtoisFormatError(f"shift {shift.id} names unknown shift {other!r}")

    staff: list[CurtoisStaff] = []
    for number, row in sections[STAFF]:
        sid, caps, *numbers = _fields(row, 8, number, STAFF)
        max_shifts: dict[str, int] = {}
        for pair in filter(None, (p.strip() for p in caps.split("|"))):
            shift_id, sep, cap = pair.partition("=")
            if not sep or shift_id not in known_shifts:
                raise CurtoisFormatError(f"line {number}: bad MaxShifts entry {pair!r}")
            max_shifts[shift_id] = _int(cap, number, "MaxShifts")
        values = [_int(v, number, "staff limit") for v in numbers]
        staff.append(CurtoisStaff(sid, max_shifts, *values))
    staff_ids = [s.id for s in staff]
    if len(set(staff_ids)) != len(staff_ids):
        raise CurtoisFormatError("duplicate staff id")
    known_staff = set(staff_ids)

    def check_day(day: int, number: int) -> int:
        if not 0 <= day < horizon:
            raise CurtoisFormatError(f"line {number}: day {day} outside the horizon")
        return day

    days_off: dict[str, tuple[int, ...]] = {}
    for number, row in sections.get(DAYS_OFF, []):
        sid, *days = row
        if sid not in known_staff:
            raise CurtoisFormatError(f"line {number}: unknown staff {sid!r}")
        parsed = tuple(check_day(_int(d, number, "day"), number) for d in days if d)
        days_off[sid] = tuple(sorted(set(days_off.get(sid, ()) + parsed)))

    def requests(section: str) -> tuple[CurtoisRequest, ...]:
        out = []
        for number, row in sections.get(section, []):
            sid, day, shift_id, weight = _fields(row, 4, number, section)
            if sid not in known_staff or shift_id not in known_shifts:
                raise CurtoisFormatError(f"line {number}: unknown staff or shift")
            out.append(
                CurtoisRequest(
                    sid,
                    check_day(_int(day, number, "day"), number),
                    shift_id,
                    _int(weight, number, "weight"),
                )
            )
        return tuple(out)

    cover: list[CurtoisCover] = []
    for number, row in sections.get(COVER, []):
        day, shift_id, *cover_fields = _fields(row, 5, number, COVER)
        if shift_id not in known_shifts:
            raise CurtoisFormatError(f"line {number}: unknown shift {shift_id!r}")
        req, under, over = (_int(v, number, "cover value") for v in cover_fields)
        cover.append(
            CurtoisCover(check_day(_int(day, number, "day"), number), shift_id, req, under, over)
        )

    return CurtoisInstance(
        horizon=horizon,
        shifts=tuple(shifts),
        staff=tuple(staff),
        days_off=days_off,
        on_requests=requests(ON_REQUESTS),
        off_requests=requests(OFF_REQUESTS),
        cover=tuple(cover),
        unknown_sections=tuple(s for s in sections if s not in KNOWN_SECTIONS),
    )


def to_problem(instance: CurtoisInstance, *, name: str = "") -> Problem:
    """Map an instance exactly onto the engine's rule model, or raise :class:`NotMappable`.

    Every rule of the format has an exact counterpart: shifts → duty kinds, ``MaxShifts`` →
    ``max_per_kind``, total minutes, consecutive limits, weekends (Saturday + Sunday from a
    Monday start), days off, requests (weight × 1), cover lines → soft demands with their own
    under/over weights, "cannot follow" → forbidden successions.  The township-only soft rules
    (home zone, fairness, roles) get weight 0 so that the objective is the format's own.
    """
    if instance.unknown_sections:
        raise NotMappable(
            "the engine does not know the rules in " + ", ".join(instance.unknown_sections)
        )
    seen: set[tuple[int, str]] = set()
    for line in instance.cover:
        key = (line.day, line.shift)
        if key in seen:
            raise NotMappable(f"two cover lines for shift {line.shift} on day {line.day}")
        seen.add(key)
        if min(line.requirement, line.under_weight, line.over_weight) < 0:
            raise NotMappable(f"negative cover value for shift {line.shift} on day {line.day}")
    for request in instance.on_requests + instance.off_requests:
        if request.weight < 0:
            raise NotMappable(f"negative request weight for {request.staff} on day {request.day}")

    kinds = tuple(DutyKind(id=s.id, name=s.id, duration_minutes=s.minutes) for s in instance.shifts)
    requests: dict[str, list[ShiftRequest]] = {}
    for request in instance.on_requests:
        requests.setdefault(request.staff, []).append(
            ShiftRequest(request.day, request.shift, request.weight, wanted=True)
        )
    for request in instance.off_requests:
        requests.setdefault(request.staff, []).append(
            ShiftRequest(request.day, request.shift, request.weight, wanted=False)
        )
    members = tuple(
        Member(
            id=s.id,
            name=s.id,
            max_per_kind=dict(s.max_shifts),
            min_minutes=s.min_minutes,
            max_minutes=s.max_minutes,
            max_consecutive_days=s.max_consecutive,
            min_consecutive_days=max(s.min_consecutive, 1),
            min_consecutive_days_off=max(s.min_consecutive_off, 1),
            max_weekends=s.max_weekends,
            days_off=frozenset(instance.days_off.get(s.id, ())),
            requests=tuple(requests.get(s.id, ())),
        )
        for s in instance.staff
    )
    demands = tuple(
        Demand(
            day=c.day,
            kind=c.shift,
            required=c.requirement,
            under_weight=c.under_weight,
            over_weight=c.over_weight,
        )
        for c in instance.cover
    )
    successions = frozenset((s.id, other) for s in instance.shifts for other in s.not_followed_by)
    return Problem(
        name=name,
        horizon_days=instance.horizon,
        start_weekday=0,
        duty_kinds=kinds,
        members=members,
        demands=demands,
        forbidden_successions=successions,
        weights=Weights(
            cover_under=0,
            cover_over=0,
            role_missing=0,
            shift_on_request=1,
            shift_off_request=1,
            away_from_home_zone=0,
            fair_nights=0,
            fair_weekends=0,
            fair_holidays=0,
        ),
    )


def read_problem(text: str, *, name: str = "") -> Problem:
    """Parse and map in one step."""
    return to_problem(parse(text), name=name)


# ---------------------------------------------------------------------------------------------
# Independent checker.  Deliberately self-contained: its own parser, its own rule loops,
# written from the format description only, so that a bug in the engine's model or mapping
# cannot hide itself.
# ---------------------------------------------------------------------------------------------


class CheckResult(NamedTuple):
    """Outcome of :func:`check`."""

    feasible: bool
    violations: list[str]
    objective: int


def _checker_sections(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    name = ""
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if line == "" or line[0] == "#":
            continue
        if line.startswith("SECTION_"):
            name = line
            out[name] = []
        else:
            out[name].append([x.strip() for x in line.split(",")])
    return out


def check(instance_text: str, roster: Mapping[str, Sequence[str | None]]) -> CheckResult:
    """Re-verify every hard rule of a roster and recompute its penalty from the instance text.

    ``roster`` maps each staff id to one entry per day: a shift id, or ``None``/``""`` for a
    day off.  Returns whether the roster is feasible, the broken hard rules in words, and the
    objective (sum of unmet on-requests, met off-requests and weighted under/over cover).
    """
    sec = _checker_sections(instance_text)
    days = int(sec["SECTION_HORIZON"][0][0])
    length = {row[0]: int(row[1]) for row in sec["SECTION_SHIFTS"]}
    cannot_follow = {
        row[0]: {s for s in (row[2] if len(row) > 2 else "").split("|") if s}
        for row in sec["SECTION_SHIFTS"]
    }
    bad: list[str] = []

    def shift_on(emp: str, day: int) -> str:
        value = roster[emp][day]
        return value or ""

    staff_ids = [row[0] for row in sec["SECTION_STAFF"]]
    for emp in staff_ids:
        if emp not in roster:
            bad.append(f"{emp}: missing from the roster")
        elif len(roster[emp]) != days:
            bad.append(f"{emp}: {len(roster[emp])} days in the roster, horizon is {days}")
    for emp in roster:
        if emp not in staff_ids:
            bad.append(f"{emp}: not an employee of this instance")
    if bad:
        return CheckResult(False, bad, 0)
    for emp in staff_ids:
        for day in range(days):
            s = shift_on(emp, day)
            if s and s not in length:
                bad.append(f"{emp} day {day}: unknown shift {s!r}")
    if bad:
        return CheckResult(False, bad, 0)

    # Contract lines.
    for row in sec["SECTION_STAFF"]:
        emp = row[0]
        limits = {}
        for pair in row[1].split("|"):
            if pair:
                k, v = pair.split("=")
                limits[k] = int(v)
        max_min, min_min, max_con, min_con, min_off, max_wkd = (int(v) for v in row[2:8])
        line = [shift_on(emp, d) for d in range(days)]
        for s, cap in limits.items():
            n = line.count(s)
            if n > cap:
                bad.append(f"{emp}: {n} shifts {s}, MaxShifts {cap}")
        minutes = sum(length[s] for s in line if s)
        if minutes > max_min:
            bad.append(f"{emp}: {minutes} minutes > max {max_min}")
        if minutes < min_min:
            bad.append(f"{emp}: {minutes} minutes < min {min_min}")
        # Consecutive working days; outside the horizon counts as off.
        streak = 0
        for d in range(days):
            streak = streak + 1 if line[d] else 0
            if streak > max_con:
                bad.append(f"{emp}: more than {max_con} consecutive shifts ending day {d}")
        # Blocks strictly inside the horizon must be long enough.
        d = 0
        while d < days:
            e = d
            while e + 1 < days and bool(line[e + 1]) == bool(line[d]):
                e += 1
            inside = d > 0 and e < days - 1
            size = e - d + 1
            if inside and line[d] and size < min_con:
                bad.append(f"{emp}: {size} consecutive shifts on days {d}-{e} < min {min_con}")
            if inside and not line[d] and size < min_off:
                bad.append(f"{emp}: {size} days off on days {d}-{e} < min {min_off}")
            d = e + 1
        weekends = sum(
            1
            for w in range(days // 7 + 1)
            if any(0 <= x < days and line[x] for x in (7 * w + 5, 7 * w + 6))
        )
        if weekends > max_wkd:
            bad.append(f"{emp}: {weekends} working weekends > max {max_wkd}")
        for d in range(days - 1):
            if line[d] and line[d + 1] in cannot_follow[line[d]]:
                bad.append(f"{emp}: {line[d + 1]} on day {d + 1} after {line[d]}")
    for row in sec.get("SECTION_DAYS_OFF", []):
        for text in row[1:]:
            if text and shift_on(row[0], int(text)):
                bad.append(f"{row[0]}: works on fixed day off {text}")

    total = 0
    for emp, r_day, r_shift, weight in sec.get("SECTION_SHIFT_ON_REQUESTS", []):
        if shift_on(emp, int(r_day)) != r_shift:
            total += int(weight)
    for emp, r_day, r_shift, weight in sec.get("SECTION_SHIFT_OFF_REQUESTS", []):
        if shift_on(emp, int(r_day)) == r_shift:
            total += int(weight)
    for c_day, c_shift, need, under, over in sec.get("SECTION_COVER", []):
        have = sum(1 for emp in staff_ids if shift_on(emp, int(c_day)) == c_shift)
        if have < int(need):
            total += (int(need) - have) * int(under)
        else:
            total += (have - int(need)) * int(over)
    return CheckResult(not bad, bad, total)
