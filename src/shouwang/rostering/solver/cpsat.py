"""The CP-SAT model of a :class:`~shouwang.rostering.solver.model.Problem` and its search.

Modelling choices (measured on the public benchmark, see ``docs/benchmarks.md``):

* Booleans only where a duty is possible at all: a day off, a missing qualification, a cap
  of zero, a pinned day or a forbidden succession from the previous period removes the
  variable instead of adding a constraint.
* One "works" literal per member and day, tied to the duty literals by an exactly-one with
  the day-off case; the run rules are stated over these literals only.
* Consecutive-day rules as forbidden patterns (the ``shift_scheduling_sat`` shape): a
  sliding window for the maximum run, and for each too-short length one clause
  "off, n duty days, off" (or "on, n days off, on") strictly inside the sequence, so that runs
  touching either end of the period stay exempt; the previous period's tail is part of the
  sequence as constants.  An automaton encoding of the same rules is available
  (``sequence_encoding="automaton"``); it is exact too but measured slower.
* Forbidden successions merged into at-most-one cliques over two consecutive days.
* Each soft rule is a named group of objective terms; the penalty breakdown is recomputed
  from the roster by :mod:`~shouwang.rostering.solver.evaluate`, and a roster that breaks a
  hard rule or a score that disagrees with the model stops the solve loudly.

Search: LP-heavy CP-SAT workers (``max_lp``: the linear relaxation of demand and run rules is
tight) on the whole model first, which proves small months optimal; then a large-
neighbourhood search over roster-shaped pieces (see :class:`_Search`), and, when a month
cannot be fully covered and the search stalls, a step that covers more needs first and then
re-optimises around that roster (:meth:`_Search.needs_first`).  A large month (a
120-member township) is one CP-SAT run instead, with a reduced-cost-guided dive beside
``max_lp`` (see LARGE_SUBSOLVERS).  A fixed seed and worker count; with
``deterministic_time`` every CP-SAT run is interleaved and limited by CP-SAT's deterministic
clock, so that the same input, seed and workers give the same roster on any machine and
under any load.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from shouwang.rostering.solver import evaluate, explain, greedy, presolve
from shouwang.rostering.solver import model as m
from shouwang.rostering.solver.model import Problem, Progress, Solution

ProgressCallback = Callable[[Progress], None]

_log = logging.getLogger(__name__)

#: An element of a member's work sequence: a literal, or a 0/1 constant from the history.
_Lit = cp_model.IntVar | int


@dataclass
class _Built:
    """The CP-SAT model and the handles needed to read a roster back."""

    model: cp_model.CpModel
    #: (member index, day, kind index) → duty literal.
    x: dict[tuple[int, int, int], cp_model.IntVar]
    #: Rule name → objective terms (coefficient, literal or int var).
    terms: dict[str, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    #: Rule name → constant part of the penalty.
    constants: dict[str, int] = field(default_factory=dict)
    #: Set when a hard rule can already be seen to be impossible while building.
    trivially_infeasible: list[str] = field(default_factory=list)
    #: The same as data, one entry per text (``params`` of the "infeasible" finding).
    infeasible_params: list[dict[str, m.ParamValue]] = field(default_factory=list)


class _Builder:
    """Builds the CP-SAT model, one method per rule."""

    def __init__(self, problem: Problem, *, sequence_encoding: str = "automaton") -> None:
        self.p = problem
        self.model = cp_model.CpModel()
        self.sequence_encoding = sequence_encoding
        self.kinds = list(problem.duty_kinds)
        self.kind_index = {k.id: i for i, k in enumerate(self.kinds)}
        self.members = list(problem.members)
        self.days = range(problem.horizon_days)
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.works: dict[tuple[int, int], _Lit] = {}
        self.built = _Built(self.model, self.x)
        self.zero = self.model.new_constant(0)

    # -- helpers ------------------------------------------------------------------------------

    def penalise(self, rule: str, coef: int, var: cp_model.IntVar) -> None:
        if coef:
            self.built.terms.setdefault(rule, []).append((coef, var))

    def constant(self, rule: str, value: int) -> None:
        if value:
            self.built.constants[rule] = self.built.constants.get(rule, 0) + value

    def duty_vars(self, mi: int, day: int) -> list[cp_model.IntVar]:
        return [self.x[mi, day, ki] for ki in range(len(self.kinds)) if (mi, day, ki) in self.x]

    def add_clause(self, literals: Sequence[tuple[_Lit, bool]]) -> None:
        """Add OR(literal if positive else NOT literal); constants fold away."""
        clause: list[cp_model.LiteralT] = []
        for lit, positive in literals:
            if isinstance(lit, int):
                if bool(lit) == positive:
                    return  # satisfied by a constant
                continue
            clause.append(lit if positive else ~lit)
        if not clause:
            self.built.trivially_infeasible.append("a consecutive-day rule across the boundary")
            self.built.infeasible_params.append({"reason": "boundary_run"})
            self.model.add(self.zero == 1)
            return
        self.model.add_bool_or(clause)

    # -- variables ----------------------------------------------------------------------------

    def create_variables(self) -> None:
        p = self.p
        for mi, member in enumerate(self.members):
            pins = p.pins_of(member.id)
            tail = p.history.get(member.id, ())
            before = tail[-1] if tail else None
            for day in self.days:
                for ki, kind in enumerate(self.kinds):
                    if day in pins and pins[day] != kind.id:
                        continue
                    if day in member.days_off or not p.may_work(member, kind):
                        continue
                    if (
                        day == 0
                        and before is not None
                        and (before, kind.id) in p.forbidden_successions
                    ):
                        continue
                    self.x[mi, day, ki] = self.model.new_bool_var(f"x[{member.id},{day},{kind.id}]")
                duties = self.duty_vars(mi, day)
                if not duties:
                    self.works[mi, day] = 0
                elif len(duties) == 1:
                    self.works[mi, day] = duties[0]
                else:
                    w = self.model.new_bool_var(f"w[{member.id},{day}]")
                    self.model.add_exactly_one([~w, *duties])
                    self.works[mi, day] = w
                if day in pins and pins[day] is not None:
                    ki = self.kind_index[pins[day] or ""]
                    if (mi, day, ki) in self.x:
                        self.model.add(self.x[mi, day, ki] == 1)
                    else:
                        self.built.trivially_infeasible.append(
                            f"{member.label()} is pinned to {pins[day]} on day {day} but may not "
                            "work it"
                        )
                        self.built.infeasible_params.append(
                            {
                                "reason": "pinned_not_allowed",
                                "member": member.label(),
                                "kind": p.kind(pins[day] or "").label(),
                                "date": presolve.day_param(p, day),
                            }
                        )
                        self.model.add(self.zero == 1)

    # -- hard rules ---------------------------------------------------------------------------

    def add_member_limits(self) -> None:
        p = self.p
        for mi, member in enumerate(self.members):
            for ki, kind in enumerate(self.kinds):
                cap = member.max_per_kind.get(kind.id)
                duties = [self.x[mi, d, ki] for d in self.days if (mi, d, ki) in self.x]
                if cap is not None and 0 < cap < len(duties):
                    self.model.add(sum(duties) <= cap)
            minutes = [
                (self.kinds[ki].duration_minutes, self.x[key])
                for key in self.keys_of.get(mi, ())
                for ki in (key[2],)
            ]
            total = sum(c * v for c, v in minutes)
            top = sum(c for c, _ in minutes)
            if member.max_minutes is not None and member.max_minutes < top:
                self.model.add(total <= member.max_minutes)
            if member.min_minutes > 0:
                self.model.add(total >= member.min_minutes)
            works = [self.works[mi, d] for d in self.days]
            cap_total = p.max_duties_of(member)
            if cap_total is not None and cap_total < len(works):
                self.model.add(sum(works) <= cap_total)
            cap_week = p.max_duties_per_week_of(member)
            if cap_week is not None:
                for week in p.weeks():
                    if cap_week < len(week):
                        self.model.add(sum(self.works[mi, d] for d in week) <= cap_week)
            if member.max_weekends is not None:
                worked_weekends: list[cp_model.IntVar] = []
                for weekend in p.weekends():
                    lits = [self.works[mi, d] for d in weekend]
                    var_lits = [lit for lit in lits if not isinstance(lit, int)]
                    if not var_lits:
                        continue
                    wk = self.model.new_bool_var(f"wk[{member.id},{weekend[0]}]")
                    for lit in var_lits:
                        self.model.add_implication(lit, wk)
                    self.model.add_bool_or([~wk, *var_lits])
                    worked_weekends.append(wk)
                if member.max_weekends < len(worked_weekends):
                    self.model.add(sum(worked_weekends) <= member.max_weekends)

    def add_successions(self) -> None:
        p = self.p
        if not p.forbidden_successions:
            return
        # Group next-day kinds by the set of kinds they may not follow: every pair in
        # (that set) × (the group) is forbidden, and each side is one duty per day at most,
        # so the whole biclique is one at-most-one constraint.
        before_sets: dict[frozenset[str], list[str]] = {}
        for b in self.kinds:
            before = frozenset(a for a, bb in p.forbidden_successions if bb == b.id)
            if before:
                before_sets.setdefault(before, []).append(b.id)
        for mi in range(len(self.members)):
            for day in range(p.horizon_days - 1):
                for before, group in before_sets.items():
                    lits = [
                        self.x[mi, day, self.kind_index[a]]
                        for a in sorted(before)
                        if (mi, day, self.kind_index[a]) in self.x
                    ]
                    nxt = [
                        self.x[mi, day + 1, self.kind_index[b]]
                        for b in group
                        if (mi, day + 1, self.kind_index[b]) in self.x
                    ]
                    if lits and nxt:
                        self.model.add_at_most_one(lits + nxt)

    def add_sequences(self) -> None:
        for mi, member in enumerate(self.members):
            tail = tuple(1 if k is not None else 0 for k in self.p.history.get(member.id, ()))
            seq: list[_Lit] = [self.works[mi, d] for d in self.days]
            if self.sequence_encoding == "automaton":
                self._sequence_automaton(member, tail, seq)
            else:
                self._sequence_clauses(member, tail, seq)

    def _sequence_clauses(self, member: m.Member, tail: tuple[int, ...], seq: list[_Lit]) -> None:
        """Forbidden-pattern clauses and sliding windows (the shift_scheduling_sat shape)."""
        ext: list[_Lit] = [*tail, *seq]
        offset = len(tail)
        n = len(ext)
        cap = member.max_consecutive_days
        if cap is not None and cap < n:
            for start in range(max(0, offset - cap), n - cap):
                window = ext[start : start + cap + 1]
                fixed = sum(v for v in window if isinstance(v, int))
                free = [v for v in window if not isinstance(v, int)]
                if free:
                    self.model.add(sum(free) <= cap - fixed)
        for length in range(1, member.min_consecutive_days):
            # Forbid "off, `length` duty days, off" strictly inside the extended sequence.
            for start in range(1, n - length):
                if start + length < offset:
                    continue
                pattern = [(ext[start - 1], True)]
                pattern += [(ext[start + i], False) for i in range(length)]
                pattern.append((ext[start + length], True))
                self.add_clause(pattern)
        for length in range(1, member.min_consecutive_days_off):
            for start in range(1, n - length):
                if start + length < offset:
                    continue
                pattern = [(ext[start - 1], False)]
                pattern += [(ext[start + i], True) for i in range(length)]
                pattern.append((ext[start + length], False))
                self.add_clause(pattern)

    def _sequence_automaton(self, member: m.Member, tail: tuple[int, ...], seq: list[_Lit]) -> None:
        """One automaton for max/min runs of duty days and min runs of days off."""
        cap = member.max_consecutive_days
        if cap is not None and cap >= len(seq) + len(tail):
            cap = None
        low = max(member.min_consecutive_days, 1)
        low_off = max(member.min_consecutive_days_off, 1)
        if cap is None and low == 1 and low_off == 1:
            return
        states = _RunAutomaton(cap=cap, low=low, low_off=low_off)
        # A constant in the sequence is always 0 (no variable means no duty possible), and the
        # shared zero variable stands for it.
        labels = [lit if not isinstance(lit, int) else self.zero for lit in seq]
        self.model.add_automaton(
            labels, states.start_after(tail), states.finals, states.transitions
        )

    def add_demands(self) -> None:
        p = self.p
        members = self.members
        for demand in p.demands:
            ki = self.kind_index[demand.kind]
            on = [
                (mi, self.x[mi, demand.day, ki])
                for mi in range(len(members))
                if (mi, demand.day, ki) in self.x
            ]
            under_w, over_w, role_w = evaluate.demand_weights(p, demand)
            count = sum(v for _, v in on)
            tag = f"{demand.kind}@{demand.day}"
            if demand.maximum is not None and demand.maximum < len(on):
                self.model.add(count <= demand.maximum)
            if demand.required > 0 and under_w:
                under = self.model.new_int_var(0, demand.required, f"under[{tag}]")
                self.model.add(count + under >= demand.required)
                self.penalise(m.COVER_UNDER, under_w, under)
            elif demand.required > 0:
                pass  # shortfall costs nothing: nothing to model
            if over_w and len(on) > demand.required:
                over = self.model.new_int_var(0, len(on) - demand.required, f"over[{tag}]")
                self.model.add(count - over <= demand.required)
                self.penalise(m.COVER_OVER, over_w, over)
            for role, needed in sorted(demand.roles.items()):
                if needed <= 0 or role_w == 0:
                    continue
                holders = [v for mi, v in on if role in members[mi].qualifications]
                miss = self.model.new_int_var(0, needed, f"role[{tag},{role}]")
                self.model.add(sum(holders) + miss >= needed)
                self.penalise(m.ROLE_MISSING, role_w, miss)

    # -- soft rules about members ---------------------------------------------------------------

    def add_requests_and_zones(self) -> None:
        w = self.p.weights
        for mi, member in enumerate(self.members):
            for req in member.requests:
                var = self.x.get((mi, req.day, self.kind_index[req.kind]))
                if req.wanted:
                    weight = w.shift_on_request * req.weight
                    self.constant(m.SHIFT_ON_REQUEST, weight)
                    if var is not None:
                        self.penalise(m.SHIFT_ON_REQUEST, -weight, var)
                elif var is not None:
                    self.penalise(m.SHIFT_OFF_REQUEST, w.shift_off_request * req.weight, var)
            if member.home_zone is not None and w.away_from_home_zone:
                for key in self.keys_of.get(mi, ()):
                    zone = self.kinds[key[2]].zone
                    if zone is not None and zone != member.home_zone:
                        self.penalise(m.AWAY_FROM_HOME_ZONE, w.away_from_home_zone, self.x[key])

    def add_fairness(self) -> None:
        p = self.p
        index = {mem.id: i for i, mem in enumerate(self.members)}
        for rule, (days, kind_ids) in evaluate.fairness_counters(p).items():
            weight = p.weights.of(rule)
            if weight == 0:
                continue
            kis = [self.kind_index[k] for k in sorted(kind_ids)]
            for group in evaluate.fairness_groups(p, kind_ids):
                counts = [
                    sum(
                        self.x[index[mem.id], d, ki]
                        for d in days
                        for ki in kis
                        if (index[mem.id], d, ki) in self.x
                    )
                    for mem in group
                ]
                top = len(days)
                hi = self.model.new_int_var(0, top, f"{rule}_max")
                lo = self.model.new_int_var(0, top, f"{rule}_min")
                for c in counts:
                    self.model.add(hi >= c)
                    self.model.add(lo <= c)
                # Redundant: the most is at least the mean and the fewest at most the mean.
                # With integer hi/lo the LP's cuts then see that an uneven total forces a
                # spread of one, which the per-member rows alone never show.
                if len(counts) > 1:
                    self.model.add(len(counts) * hi >= sum(counts))
                    self.model.add(len(counts) * lo <= sum(counts))
                spread = self.model.new_int_var(0, top, f"{rule}_spread")
                self.model.add(spread == hi - lo)
                self.penalise(rule, weight, spread)

    def add_reference(self) -> None:
        """Minimal perturbation: each reference assignment kept saves, each new one costs."""
        weight = self.p.weights.changed_assignment
        if not self.p.reference or not weight:
            return
        index = {mem.id: i for i, mem in enumerate(self.members)}
        reference = {(index[a.member], a.day, self.kind_index[a.kind]) for a in self.p.reference}
        for key in sorted(reference):
            # Dropping costs `weight`: weight * (1 - x), or the whole weight if x cannot be 1.
            self.constant(m.CHANGED_ASSIGNMENT, weight)
            if key in self.x:
                self.penalise(m.CHANGED_ASSIGNMENT, -weight, self.x[key])
        for key, var in self.x.items():
            if key not in reference:
                self.penalise(m.CHANGED_ASSIGNMENT, weight, var)

    def build(self) -> _Built:
        self.create_variables()
        # Member → its duty keys in (day, kind) order: rules per member never scan all of x.
        self.keys_of: dict[int, list[tuple[int, int, int]]] = {}
        for key in self.x:
            self.keys_of.setdefault(key[0], []).append(key)
        self.add_member_limits()
        self.add_successions()
        self.add_sequences()
        self.add_demands()
        self.add_requests_and_zones()
        self.add_fairness()
        self.add_reference()
        objective = []
        for rule in m.SOFT_RULES:
            objective += [c * v for c, v in self.built.terms.get(rule, [])]
        self.model.minimize(sum(objective) + sum(self.built.constants.values()))
        return self.built


@dataclass(frozen=True)
class _RunAutomaton:
    """States for runs of duty days and days off, with the edge rules of the period start.

    State 0 is the start.  ``edge_work(i)``: i duty days in a run that touches the start of the
    sequence (exempt from the minimum); ``work(i)``: i duty days in a normal run;
    ``edge_off``: days off in a run that touches the start; ``off(j)``: j days off (the last
    one means "at least the minimum").  Without a cap, the last work state loops and means "at
    least the minimum".  Every state is final: the end of the period never makes a run too
    short.
    """

    cap: int | None
    low: int
    low_off: int

    @property
    def n_edge(self) -> int:
        return 1 if self.cap is None else self.cap

    @property
    def n_work(self) -> int:
        return self.low if self.cap is None else self.cap

    def edge_work(self, i: int) -> int:
        return i

    def work(self, i: int) -> int:
        return self.n_edge + i

    @property
    def edge_off(self) -> int:
        return self.n_edge + self.n_work + 1

    def off(self, j: int) -> int:
        return self.edge_off + j

    @property
    def finals(self) -> list[int]:
        return list(range(self.off(self.low_off) + 1))

    @property
    def transitions(self) -> list[tuple[int, int, int]]:
        t: list[tuple[int, int, int]] = [(0, 0, self.edge_off), (self.edge_off, 0, self.edge_off)]
        for j in range(1, self.low_off + 1):
            t.append((self.off(j), 0, self.off(min(j + 1, self.low_off))))
        if self.n_work == 0:
            return t  # a cap of zero: never on duty
        t.append((0, 1, self.edge_work(1)))
        t.append((self.edge_off, 1, self.work(1)))
        t.append((self.off(self.low_off), 1, self.work(1)))
        for i in range(1, self.n_edge + 1):
            if i < self.n_edge:
                t.append((self.edge_work(i), 1, self.edge_work(i + 1)))
            elif self.cap is None:
                t.append((self.edge_work(i), 1, self.edge_work(i)))
            t.append((self.edge_work(i), 0, self.off(1)))
        for i in range(1, self.n_work + 1):
            if i < self.n_work:
                t.append((self.work(i), 1, self.work(i + 1)))
            elif self.cap is None:
                t.append((self.work(i), 1, self.work(i)))
            if i >= self.low:
                t.append((self.work(i), 0, self.off(1)))
        return t

    def start_after(self, tail: tuple[int, ...]) -> int:
        """The state the previous period's last days leave (only their last run matters).

        Runs wholly in the previous period are not judged; a run that continues into this
        period is judged as a whole, and one already past the cap must end at once.
        """
        if not tail:
            return 0
        value = tail[-1]
        length = 1
        while length < len(tail) and tail[-1 - length] == value:
            length += 1
        at_edge = length == len(tail)
        if value and self.n_work == 0:
            return self.edge_off
        if value and at_edge:
            return self.edge_work(min(length, self.n_edge))
        if value:
            return self.work(min(length, self.n_work))
        return self.edge_off if at_edge else self.off(min(length, self.low_off))


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Counts solutions of one CP-SAT run and hands each one to the search."""

    def __init__(self, on_solution: Callable[[float], None]) -> None:
        super().__init__()
        self.on_solution = on_solution
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        self.on_solution(self.objective_value)


_STATUS: dict[object, m.Status] = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "model_invalid",
    cp_model.UNKNOWN: "unknown",
}

Key = tuple[int, int, int]

#: Length of one round (whole model, or neighbourhoods) as a share of the budget.
ROUND_SHARE = 0.1
#: With a wall-clock budget, the first whole-model round goes on past its share while the
#: roster or the bound still improves (a stall of STALL_SHARE of the budget ends it), up to
#: FIRST_ROUND_MAX_SHARE: small months are then proven in one run instead of restarting,
#: and large ones keep CP-SAT's own search while it gains.
FIRST_ROUND_MAX_SHARE = 0.3
#: Above this many duty variables (a 120-member township month has ~55,000; the largest
#: Curtois instance and the demo month well under 20,000) the search is one CP-SAT run from
#: scratch with the LP-guided workers of LARGE_SUBSOLVERS, the greedy roster kept only as a
#: fallback: measured on generated townships, the engine's pieces and a greedy hint trap the
#: search in the greedy roster's neighbourhood, while an LP-guided search gets far lower.
LARGE_MODEL_VARS = 30_000
STALL_SHARE = 0.15
NEIGHBOURHOODS = ("members", "days", "block", "shortfall")
#: Time limit of one neighbourhood, as a share of the whole budget.
PIECE_SHARE = 1 / 40
#: Free duty variables in a first neighbourhood, and how sizes adapt.
PIECE_START_SIZE = 600
PIECE_GROW = 1.1
PIECE_SHRINK = 0.7
#: Soft rules that say a need is not covered (see _Search.needs_first), and how many times
#: a month's search tries to cover more of them.
NEED_RULES = (m.COVER_UNDER, m.ROLE_MISSING)
NEEDS_TRIES = 2
#: CP-SAT full-problem workers for the whole model and for neighbourhoods.
FULL_SUBSOLVERS: tuple[str, ...] = ("max_lp",)
PIECE_SUBSOLVERS: tuple[str, ...] = ("max_lp",)
#: CP-SAT full-problem workers for a large month (above LARGE_MODEL_VARS), beside CP-SAT's
#: own neighbourhoods: a dive guided by the LP's reduced costs usually reaches a roster
#: close to the bound within seconds (the LP of a township month is nearly integral, whereas
#: with CP-SAT's default workers the first covered roster takes ~13 s and stays far above
#: it), and ``max_lp`` raises the bound with its cuts.  Measured on generated townships at
#: 60 s: 761 (proven optimal), 708 (proven) and 828 (proven) against 821-886, 728 and 946
#: with the default workers; a month whose root LP is slow (seed 4) still ends far from
#: its bound (docs/benchmarks.md).
LARGE_SUBSOLVERS: tuple[str, ...] = ("reduced_costs", "max_lp")


def build_model(problem: Problem, *, sequence_encoding: str = "clauses") -> _Built:
    """Build (but do not solve) the CP-SAT model; for tests and experiments."""
    return _Builder(problem, sequence_encoding=sequence_encoding).build()


class _Search:
    """Whole-model CP-SAT first, then large-neighbourhood search over roster-shaped pieces.

    Phase 1 runs CP-SAT on the whole model (LP-heavy workers: the bound is what proves small
    months optimal).  If time remains and optimality is not proven, phase 2 repeatedly frees a
    piece of the roster (some members' whole month, a few days for everyone, a block of
    members × days, or the members and days around a shortfall), fixes the rest to the best
    roster, and lets CP-SAT re-optimise that piece; piece sizes adapt to how quickly pieces are
    solved.  Rounds of pieces and of the whole model alternate by success (:meth:`run`); when
    neither gains as much as one more covered need is worth, :meth:`needs_first` looks for a
    roster that covers more.  Every step is driven by the seed; with a deterministic budget
    the whole search is reproducible.
    """

    def __init__(
        self,
        problem: Problem,
        built: _Built,
        *,
        start: float,
        time_limit_s: float,
        deterministic_time: float | None,
        seed: int,
        workers: int,
        progress: ProgressCallback | None,
        log_search: bool,
        parameters: Mapping[str, object] | None,
    ) -> None:
        self.p = problem
        self.built = built
        self.start = start
        self.deadline = start + time_limit_s
        self.time_limit_s = time_limit_s
        self.dtime_total = deterministic_time
        self.dtime_used = 0.0
        self.seed = seed
        self.workers = max(1, workers)
        self.progress = progress
        self.progress_error: BaseException | None = None
        self.log_search = log_search
        self.parameters = dict(parameters or {})
        self.rng = random.Random(seed)  # noqa: S311 - reproducible search, not cryptography
        self.best: dict[Key, int] | None = None
        #: Values of every model variable in the best roster (a complete hint for pieces).
        self.best_values: list[int] = []
        self.best_objective: int | None = None
        self.bound = -math.inf
        self.status: m.Status = "unknown"
        self.solutions = 0
        self.time_to_best: float | None = None
        self.full_subsolvers: tuple[str, ...] = FULL_SUBSOLVERS
        #: Whether the last whole-model round ended after finding no better roster for a while.
        self.stalled = False
        keys = sorted(built.x)
        self.keys = keys
        self.by_member: dict[int, list[Key]] = {}
        self.by_day: dict[int, list[Key]] = {}
        for key in keys:
            self.by_member.setdefault(key[0], []).append(key)
            self.by_day.setdefault(key[1], []).append(key)
        start_share = min(0.5, PIECE_START_SIZE / max(len(keys), 1))
        self.difficulty = dict.fromkeys(NEIGHBOURHOODS, max(start_share, 0.02))
        self.iteration = 0
        self.rounds = 0

    # -- bookkeeping -------------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def wall_left(self) -> float:
        return self.deadline - time.perf_counter()

    def dtime_left(self) -> float | None:
        if self.dtime_total is None:
            return None
        return self.dtime_total - self.dtime_used

    def report(self, objective: float) -> None:
        """A better roster was found: remember when, and tell the caller."""
        self.solutions += 1
        self.time_to_best = self.elapsed()
        if self.progress is None or self.progress_error is not None:
            return
        try:
            self.progress(
                Progress(
                    objective=objective,
                    best_bound=self.bound if math.isfinite(self.bound) else 0.0,
                    elapsed_s=self.time_to_best,
                    solutions=self.solutions,
                )
            )
        except Exception as exc:  # a broken progress display must not break the solve
            self.progress_error = exc

    def configure(
        self,
        solver: cp_model.CpSolver,
        *,
        wall: float,
        dtime: float | None,
        seed: int,
        piece: bool = False,
    ) -> None:
        params = solver.parameters
        params.num_workers = self.workers
        params.random_seed = seed
        params.max_time_in_seconds = max(wall, 0.01)
        params.log_search_progress = self.log_search
        # LP-heavy search: the linear relaxation of the demand and run rules is tight, and
        # it is what proves small months optimal and solves neighbourhoods quickly.
        params.subsolvers.extend(PIECE_SUBSOLVERS if piece else self.full_subsolvers)
        if dtime is not None:
            params.max_deterministic_time = max(dtime, 0.001)
            params.interleave_search = True
        for key, value in self.parameters.items():
            if isinstance(value, list | tuple):
                field_value = getattr(params, key)
                field_value.clear()
                field_value.extend(value)
            else:
                setattr(params, key, value)

    def take(self, solver: cp_model.CpSolver) -> dict[Key, int]:
        return {key: int(solver.boolean_value(var)) for key, var in self.built.x.items()}

    # -- phase 1 ----------------------------------------------------------------------------

    def adopt(self, hint: dict[Key, int]) -> None:
        """Take the greedy roster as the first roster if it keeps every hard rule.

        CP-SAT only sees duty values in a hint and must complete the rest (slacks, spreads,
        run states) itself, which on a large month it often gives up on; fixing every duty to
        the hint and solving for the rest gives a complete solution to start from.  Its bound
        is that of the fixed model, so it is not kept.
        """
        model = self.built.model.clone()
        for key, var in self.built.x.items():
            domain = model.proto.variables[var.index].domain
            domain[0] = domain[1] = hint[key]
        solver = cp_model.CpSolver()
        wall = min(max(0.1 * self.time_limit_s, 0.2), max(self.wall_left(), 0.01))
        dtime = None if self.dtime_total is None else 0.05 * self.dtime_total
        self.configure(solver, wall=wall, dtime=dtime, seed=self.seed)
        code = solver.solve(model)
        self.dtime_used += solver.deterministic_time
        if _STATUS.get(code) in ("optimal", "feasible"):
            self.accept(solver, report=True)
            self.status = "feasible"

    def hinted_model(self, values: Sequence[int] | None = None) -> cp_model.CpModel:
        """A copy of the model whose hint is a complete solution (default: the best roster)."""
        values = self.best_values if values is None else values
        model = self.built.model.clone()
        model.clear_hints()
        hint = model.proto.solution_hint
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
        return model

    def need_terms(self) -> list[tuple[int, cp_model.IntVar]]:
        """Objective terms that count uncovered needs (see NEED_RULES)."""
        return [(c, v) for rule in NEED_RULES for c, v in self.built.terms.get(rule, [])]

    def accept(self, solver: cp_model.CpSolver, *, report: bool) -> bool:
        """Take the solver's roster if it is at least as good; True if strictly better."""
        objective = round(solver.objective_value)
        if self.best_objective is not None and objective > self.best_objective:
            return False
        improved = self.best_objective is None or objective < self.best_objective
        self.best = self.take(solver)
        self.best_values = list(solver.response_proto.solution)
        self.best_objective = objective
        if improved and report:
            self.report(objective)
        return improved

    def whole(
        self,
        *,
        wall: float,
        dtime: float | None,
        first: bool,
        restricted: cp_model.CpModel | None = None,
    ) -> None:
        """CP-SAT on the whole model (the first time until a roster exists, at least).

        ``restricted`` is a copy of the model with an extra constraint (see
        :meth:`needs_first`): its rosters are rosters of the model, but its bound is not a
        bound of the model, so it is not kept; like the first round it goes on while it gains.
        """
        solver = cp_model.CpSolver()
        self.configure(solver, wall=self.wall_left(), dtime=dtime, seed=self.seed + self.rounds)
        on_solution = self.report if first and self.best is None else self.report_if_better
        stop = threading.Event()
        switch_at = self.elapsed() + wall
        last_gain = [self.elapsed()]
        latest = switch_at
        extend = first or restricted is not None
        if extend:
            latest = max(switch_at, self.elapsed() + FIRST_ROUND_MAX_SHARE * self.time_limit_s)
        stall = max(0.5, STALL_SHARE * self.time_limit_s)

        last_roster = [self.elapsed()]

        def gained(objective: float) -> None:
            last_gain[0] = last_roster[0] = self.elapsed()
            on_solution(objective)

        def bound_gained(bound: float) -> None:
            last_gain[0] = self.elapsed()

        watcher = _Watcher(gained)
        if first and restricted is None and dtime is None:
            solver.best_bound_callback = bound_gained

        def watchdog() -> None:
            # End the round once its share is spent and a roster exists (without one, keep
            # searching the whole model); the first round goes on while it still gains.
            while not stop.wait(0.05):
                if not (watcher.solutions or not first):
                    continue
                now = self.elapsed()
                if now >= latest or (now >= switch_at and now - last_gain[0] >= stall):
                    self.stalled = now - last_roster[0] >= stall
                    solver.stop_search()
                    return

        thread = None
        if dtime is None:
            thread = threading.Thread(target=watchdog, daemon=True)
            thread.start()
        try:
            # The first round keeps the model's own duty hint (measured: a complete hint from
            # the adopted greedy roster slows the proof of small months); later rounds start
            # from the best roster.
            model = self.built.model if first else self.hinted_model()
            code = solver.solve(restricted or model, watcher)
        finally:
            stop.set()
            if thread is not None:
                thread.join()
        self.dtime_used += solver.deterministic_time
        status = _STATUS.get(code, "unknown")
        if restricted is not None:
            if status in ("optimal", "feasible"):
                self.accept(solver, report=False)
            return
        if status in ("optimal", "feasible"):
            self.accept(solver, report=False)  # progress was reported by the watcher
            self.bound = max(self.bound, solver.best_objective_bound)
            if status == "optimal":
                self.bound = max(self.bound, float(self.best_objective or 0))
            self.status = "optimal" if self.proven() else "feasible"
        elif first and status in ("infeasible", "model_invalid"):
            self.status = status
        elif first and dtime is not None and (self.dtime_left() or 0) > 0 and self.wall_left() > 0:
            # Deterministic budget spent without a roster: keep looking.
            self.whole(wall=wall, dtime=self.dtime_left(), first=True)

    def needs_first(self, *, wall: float, dtime: float | None) -> bool:
        """Cover more needs first, then re-optimise the rest with that many needs covered.

        A need left uncovered (or a role missing) weighs far more than every other penalty,
        and a month that cannot be fully covered has a plateau where covering one more need
        takes a new pattern for many members at once: neither the pieces nor the whole model
        leave it (measured on Curtois instance 5: stuck at 12 uncovered needs, 1240, while
        the best-known roster has 11, 1143).  CP-SAT on the needs alone often finds the lower
        count within seconds; the whole model restricted to at most that count, started from
        that roster, then brings the other penalties down.  The restriction only narrows the
        search: its rosters are kept when better, its bound never.

        Returns False once trying again is pointless: every need is covered, or no roster
        covers more than the best one.
        """
        assert self.best_values
        terms = self.need_terms()
        current = sum(c * self.best_values[v.index] for c, v in terms)
        if current <= 0:
            return False
        uncovered = sum(c * v for c, v in terms)
        model = self.built.model.clone()
        model.clear_hints()
        model.clear_objective()
        model.minimize(uncovered)
        model.add(uncovered <= current - 1)
        solver = cp_model.CpSolver()
        self.configure(
            solver, wall=min(wall, self.wall_left()), dtime=dtime, seed=self.seed + self.rounds
        )
        # Any roster of this model covers more: the first one found is enough.
        solver.parameters.stop_after_first_solution = True
        code = solver.solve(model)
        self.dtime_used += solver.deterministic_time
        status = _STATUS.get(code)
        _log.debug("needs %s: %s t=%.1f", current, status, self.elapsed())
        if status not in ("optimal", "feasible"):
            return status != "infeasible"
        covered = self.hinted_model(solver.response_proto.solution)
        covered.add(uncovered <= round(solver.objective_value))
        round_dtime = None if dtime is None else ROUND_SHARE * (self.dtime_total or 0.0)
        self.whole(
            wall=ROUND_SHARE * self.time_limit_s, dtime=round_dtime, first=False, restricted=covered
        )
        return True

    def report_if_better(self, objective: float) -> None:
        if self.best_objective is None or objective < self.best_objective - 0.5:
            self.report(objective)

    # -- phase 2 ----------------------------------------------------------------------------

    def neighbourhood(self, kind: str) -> set[Key]:
        members = sorted(self.by_member)
        days = sorted(self.by_day)
        share = self.difficulty[kind]
        if kind == "members":
            count = min(len(members), max(2, round(share * len(members))))
            chosen = self.rng.sample(members, count)
            return {k for mi in chosen for k in self.by_member[mi]}
        if kind == "days":
            width = min(len(days), max(2, round(share * len(days))))
            first = self.rng.randrange(0, len(days) - width + 1)
            return {k for d in days[first : first + width] for k in self.by_day[d]}
        side = math.sqrt(share)
        count = min(len(members), max(2, round(side * len(members))))
        width = min(len(days), max(3, round(side * len(days))))
        if kind == "shortfall":
            short = self.shortfalls()
            if short:
                day, kind_index = self.rng.choice(short)
                first = min(max(0, day - width // 2), max(len(days) - width, 0))
                able = [mi for mi in members if any(k[2] == kind_index for k in self.by_member[mi])]
                chosen = self.rng.sample(able, min(count, len(able)))
                others = [mi for mi in members if mi not in chosen]
                chosen += self.rng.sample(others, min(max(count - len(chosen), 0), len(others)))
                window = set(days[first : first + width])
                return {k for mi in chosen for k in self.by_member[mi] if k[1] in window}
        chosen = self.rng.sample(members, count)
        first = self.rng.randrange(0, len(days) - width + 1)
        window = set(days[first : first + width])
        return {k for mi in chosen for k in self.by_member[mi] if k[1] in window}

    def shortfalls(self) -> list[tuple[int, int]]:
        """(day, kind index) of demands the best roster leaves short or over."""
        assert self.best is not None
        count: dict[tuple[int, int], int] = {}
        for (_, day, ki), value in self.best.items():
            if value:
                count[day, ki] = count.get((day, ki), 0) + 1
        index = {k.id: i for i, k in enumerate(self.p.duty_kinds)}
        out = []
        for demand in self.p.demands:
            have = count.get((demand.day, index[demand.kind]), 0)
            if have != demand.required:
                out.append((demand.day, index[demand.kind]))
        return out

    def pieces(self, *, wall: float, dtime: float | None) -> None:
        """Neighbourhood search for one round of ``wall`` seconds (or ``dtime``)."""
        assert self.best is not None and self.best_objective is not None
        piece_wall = min(max(self.time_limit_s * PIECE_SHARE, 0.3), 5.0)
        piece_dtime = (
            None if self.dtime_total is None else max(self.dtime_total * PIECE_SHARE, 0.02)
        )
        round_end = time.perf_counter() + wall
        dtime_end = None if dtime is None else self.dtime_used + dtime
        while not self.proven():
            wall_now = min(piece_wall, self.wall_left(), round_end - time.perf_counter())
            if wall_now < 0.05:
                return
            dtime_now = None
            if piece_dtime is not None and dtime_end is not None:
                dleft = min(self.dtime_left() or 0.0, dtime_end - self.dtime_used)
                if dleft <= 1e-3:
                    return
                dtime_now = min(piece_dtime, dleft)
            self.iteration += 1
            iteration = self.iteration
            kind = NEIGHBOURHOODS[self.rng.randrange(len(NEIGHBOURHOODS))]
            free = self.neighbourhood(kind)
            if not free:
                continue
            sub = self.hinted_model()
            for key, var in self.built.x.items():
                if key not in free:
                    domain = sub.proto.variables[var.index].domain
                    domain[0] = domain[1] = self.best[key]
            solver = cp_model.CpSolver()
            self.configure(
                solver, wall=wall_now, dtime=dtime_now, seed=self.seed + iteration, piece=True
            )
            code = solver.solve(sub)
            self.dtime_used += solver.deterministic_time
            status = _STATUS.get(code, "unknown")
            share = self.difficulty[kind]
            # Grow pieces that are solved to optimality, shrink those that run out of time.
            if status == "optimal":
                self.difficulty[kind] = min(1.0, share * PIECE_GROW)
            else:
                self.difficulty[kind] = max(0.005, share * PIECE_SHRINK)
            _log.debug(
                "lns %d %s free=%d share=%.3f status=%s obj=%s best=%s t=%.1f",
                iteration,
                kind,
                len(free),
                share,
                status,
                solver.objective_value if status in ("optimal", "feasible") else None,
                self.best_objective,
                self.elapsed(),
            )
            if status in ("optimal", "feasible"):
                self.accept(solver, report=True)

    def proven(self) -> bool:
        """Whether the best roster meets the lower bound (integer objective)."""
        if self.best_objective is None or not math.isfinite(self.bound):
            return False
        return self.best_objective <= math.ceil(self.bound - 1e-6)

    def clock(self) -> float:
        """Elapsed budget: deterministic time if that is the limit, else wall time."""
        return self.dtime_used if self.dtime_total is not None else self.elapsed()

    def run(self, *, neighbourhoods: bool = True) -> None:
        """The whole model first; then rounds of pieces or of the whole model, by success.

        Rounds are a tenth of the budget (the first whole-model round goes on while it gains,
        see FIRST_ROUND_MAX_SHARE).  After one round of each kind, the kind that gained more
        per unit of time in its last round goes next, and every fourth round tries the other
        kind, so that a medium month keeps the whole-model search that suits it and a large
        one the neighbourhoods.  When neither would gain as much in the time left as one more
        covered need is worth, covering more needs is tried (:meth:`needs_first`, up to
        NEEDS_TRIES times).  Once nothing gains, the rest of the budget is one whole-model run.
        """
        share = ROUND_SHARE if neighbourhoods else 1.0
        round_wall = self.time_limit_s * share
        round_dtime = None if self.dtime_total is None else self.dtime_total * share
        self.whole(wall=round_wall, dtime=round_dtime, first=True)
        if self.status != "feasible" or not neighbourhoods:
            return
        need_weight = min((c for c, _ in self.need_terms()), default=0)
        needs_tries = NEEDS_TRIES if need_weight > 0 else 0
        gains: dict[str, float] = {}
        rounds = 0
        while not self.proven() and self.wall_left() > 0.05:
            if round_dtime is not None and (self.dtime_left() or 0.0) <= 1e-3:
                break
            if rounds == 0 and needs_tries and self.stalled:
                # The first round stopped gaining well before its time was up.
                mode = "needs"
            elif rounds < 2 or (rounds == 2 and "whole" not in gains):
                mode = "pieces" if "pieces" not in gains else "whole"
            else:
                ranked = sorted(gains, key=lambda k: (-gains[k], k != "pieces"))
                mode = ranked[1] if rounds % 4 == 3 else ranked[0]
                left = self.dtime_left() if round_dtime is not None else self.wall_left()
                if needs_tries and max(gains.values()) * (left or 0.0) < need_weight:
                    mode = "needs"
                elif not any(gains.values()):
                    mode = "last"
            before, started = self.best_objective or 0, self.clock()
            self.rounds += 1
            if mode == "needs":
                # Nothing else gains much: up to half the time left to find the roster that
                # covers more (a first one takes a few seconds to tens of seconds), the
                # rest for re-optimising around it.
                needs_tries -= 1
                needs_wall = max(round_wall, self.wall_left() / 2)
                needs_dtime = None
                if round_dtime is not None:
                    needs_dtime = max(round_dtime, (self.dtime_left() or 0.0) / 2)
                if not self.needs_first(wall=needs_wall, dtime=needs_dtime):
                    needs_tries = 0
            elif mode == "last":
                # Nothing gains any more: one whole-model run with the rest of the budget,
                # which keeps its bound work instead of restarting every round (this is what
                # proves a small month optimal).
                self.whole(wall=self.wall_left(), dtime=self.dtime_left(), first=False)
            elif mode == "pieces":
                self.pieces(wall=round_wall, dtime=round_dtime)
            else:
                self.whole(wall=round_wall, dtime=round_dtime, first=False)
            spent = max(self.clock() - started, 1e-6)
            gain = (before - (self.best_objective or 0)) / spent
            if mode in ("pieces", "whole"):
                gains[mode] = gain
            rounds += 1
            _log.debug("round %d %s gain/s=%.1f best=%s", rounds, mode, gain, self.best_objective)
        if self.proven():
            self.status = "optimal"


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    deterministic_time: float | None = None,
    use_hint: bool = True,
    use_lns: bool = True,
    sequence_encoding: str = "clauses",
    log_search: bool = False,
    parameters: Mapping[str, object] | None = None,
) -> Solution:
    """Solve a problem: hard rules always hold, the weighted soft penalties are minimised.

    ``time_limit_s`` bounds the wall time (model building included).  With
    ``deterministic_time`` every CP-SAT run is bounded by CP-SAT's deterministic clock and
    runs interleaved, and the whole search stops when that budget is spent: the result is
    then reproducible for the same input, ``seed`` and ``workers`` regardless of machine load
    (the wall-time limit only acts as a safety net).  ``progress`` is called with each better
    roster found.  ``parameters`` overrides CP-SAT parameters by name (for experiments).
    """
    start = time.perf_counter()
    findings = presolve.check(problem)
    built = build_model(problem, sequence_encoding=sequence_encoding)
    kinds = [k.id for k in problem.duty_kinds]
    hint: dict[Key, int] = {}
    large = len(built.x) > LARGE_MODEL_VARS
    if use_hint:
        start_roster = greedy.roster(problem)
        for (mi, day, ki), var in built.x.items():
            hint[mi, day, ki] = int(start_roster[problem.members[mi].id][day] == kinds[ki])
            if not large:
                built.model.add_hint(var, bool(hint[mi, day, ki]))
    search = _Search(
        problem,
        built,
        start=start,
        time_limit_s=time_limit_s,
        deterministic_time=deterministic_time,
        seed=seed,
        workers=workers,
        progress=progress,
        log_search=log_search,
        parameters=parameters,
    )
    if large:
        search.full_subsolvers = LARGE_SUBSOLVERS
    if hint:
        search.adopt(hint)
    search.run(neighbourhoods=use_lns and not large)
    status = search.status
    wall = time.perf_counter() - start
    if search.best is None or status not in ("optimal", "feasible"):
        if built.trivially_infeasible:
            findings = findings + tuple(
                m.Finding("error", "infeasible", text, "", params)
                for text, params in zip(
                    built.trivially_infeasible, built.infeasible_params, strict=True
                )
            )
        return Solution(
            status=status,
            assignments=(),
            objective=None,
            best_bound=None,
            proven_optimal=False,
            penalties={},
            uncovered=(),
            loads=(),
            findings=findings,
            time_to_best_s=None,
            wall_time_s=wall,
            seed=seed,
            workers=workers,
            solutions_found=search.solutions,
        )
    assignments = tuple(
        m.Assignment(problem.members[mi].id, day, kinds[ki])
        for (mi, day, ki), value in sorted(search.best.items())
        if value
    )
    roster: dict[str, list[str | None]] = {
        mem.id: [None] * problem.horizon_days for mem in problem.members
    }
    for a in assignments:
        roster[a.member][a.day] = a.kind
    broken = evaluate.hard_violations(problem, roster)
    if broken:
        raise RuntimeError(f"solver roster breaks hard rules: {broken[:3]}")
    penalties = evaluate.penalties(problem, roster)
    objective = sum(penalties.values())
    # The model's slack variables (shortfall, surplus, spread) are only bounded from one side,
    # so an intermediate roster may be reported a little dearer than it is; never cheaper.
    model_objective = search.best_objective
    assert model_objective is not None
    if objective > model_objective or (status == "optimal" and objective != model_objective):
        raise RuntimeError(
            f"model objective {model_objective} disagrees with the rule evaluation "
            f"{objective}: {penalties}"
        )
    proven = status == "optimal"
    bound = search.bound
    return Solution(
        status=status,
        assignments=assignments,
        objective=objective,
        best_bound=bound if math.isfinite(bound) else None,
        proven_optimal=proven,
        penalties=penalties,
        uncovered=explain.uncovered_needs(problem, roster, proven_optimal=proven),
        loads=evaluate.loads(problem, roster),
        findings=findings,
        time_to_best_s=search.time_to_best,
        wall_time_s=wall,
        seed=seed,
        workers=workers,
        solutions_found=search.solutions,
        changed=evaluate.changed_count(problem, roster),
    )
