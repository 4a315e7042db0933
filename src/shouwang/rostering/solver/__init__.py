"""Roster solver: a pure package (standard library + OR-Tools, never Django).

Plain inputs in (:class:`Problem` and its frozen dataclasses), a :class:`Solution` out: the
roster, the penalty of each named soft rule, an explanation for every uncovered need and each
member's load.  The app adapts its records into a ``Problem`` and turns the ``Solution`` into
a draft roster through a service; the benchmark (``bench/roster``) maps the public Shift
Scheduling Benchmark onto the very same model.

Modules: :mod:`.model` (domain snapshot), :mod:`.presolve` (checks before solving),
:mod:`.cpsat` (the CP-SAT model and :func:`solve`), :mod:`.evaluate` (rules over a finished
roster), :mod:`.explain` (why a need stays uncovered), :mod:`.greedy` (a fast hint),
:mod:`.curtois` (benchmark reader, mapping and independent checker).
"""

from __future__ import annotations

from shouwang.rostering.solver.cpsat import solve
from shouwang.rostering.solver.model import (
    HARD_RULES,
    SOFT_RULES,
    Assignment,
    CandidateReason,
    Demand,
    DutyKind,
    EmploymentCaps,
    Finding,
    Member,
    MemberLoad,
    Pin,
    Problem,
    Progress,
    ShiftRequest,
    Solution,
    UncoveredNeed,
    Weights,
    night_then_early_successions,
)

__all__ = [
    "HARD_RULES",
    "SOFT_RULES",
    "Assignment",
    "CandidateReason",
    "Demand",
    "DutyKind",
    "EmploymentCaps",
    "Finding",
    "Member",
    "MemberLoad",
    "Pin",
    "Problem",
    "Progress",
    "ShiftRequest",
    "Solution",
    "UncoveredNeed",
    "Weights",
    "night_then_early_successions",
    "solve",
]
