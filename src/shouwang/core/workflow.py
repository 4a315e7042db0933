"""Declared case workflows (STYLE.md rule 5): a transition table and the one step that enforces
it, shared by the case types that keep a history of transition rows (hazards, disputes).

The caller opens the transaction and locks the case row; `StateMachine.step` then checks the
source status, the permission, changes the case, validates, saves, writes the transition row
and the audit event. An illegal step raises `RecordInvalid` on "status" and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from shouwang.core.audit import ACTIONS, record_event, snapshot
from shouwang.core.models import CaseTransition
from shouwang.core.records import RecordInvalid

#: verb → (statuses it may start from, status it leads to).
Transitions = Mapping[str, tuple[frozenset[str], str]]


def action_codes(prefix: str, labels: Mapping[str, Any]) -> Callable[[str], str]:
    """Register the audit action codes "<prefix>.<verb>" with their labels; returns the
    function that names a verb's code."""
    for verb, label in labels.items():
        ACTIONS.setdefault(f"{prefix}.{verb}", label)

    def code(verb: str) -> str:
        return f"{prefix}.{verb}"

    return code


@dataclass(frozen=True)
class StateMachine:
    """One case type's declared workflow.

    `refusal` is the (lazy) message for a step from the wrong status, with the placeholders
    %(status)s and %(target)s; `history` the transition row model (None: the caller keeps no
    history and uses `check` only); `code(verb)` the audit action code of a step.
    """

    transitions: Transitions
    statuses: type[models.TextChoices]
    refusal: Any
    code: Callable[[str], str]
    history: type[CaseTransition] | None = None

    def check(self, locked: Any, verb: str) -> str:
        """The step's target status; refuses (on "status") a step from another status."""
        sources, target = self.transitions[verb]
        if locked.status not in sources:
            message = str(self.refusal) % {
                "status": locked.get_status_display(),
                "target": self.statuses(target).label,
            }
            raise RecordInvalid({"status": [message]})
        return target

    def step(
        self,
        locked: Any,
        verb: str,
        *,
        actor: Any,
        permitted: Callable[[Any, Any], bool],
        change: Callable[[Any], None],
        reason: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Take the step on an already locked case, inside the caller's transaction; `extra`
        is added to the audit event's "after"."""
        assert self.history is not None, "a workflow without history rows has no step"
        target = self.check(locked, verb)
        if not permitted(actor, locked):
            raise PermissionDenied
        before = snapshot(locked)
        from_status = locked.status
        change(locked)
        locked.status = target
        try:
            locked.full_clean()
        except ValidationError as exc:
            raise RecordInvalid.from_validation_error(exc) from exc
        locked.save()
        self.history.objects.create(
            **{self.history.case_field: locked},
            from_status=from_status,
            to_status=target,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason,
        )
        record_event(
            self.code(verb),
            actor=actor,
            target=locked,
            before=before,
            after={**snapshot(locked), **(extra or {})},
            reason=reason,
        )
