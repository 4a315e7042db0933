"""What every case workflow (hazards, disputes, people of concern) plugs into.

Each case app registers, from its `AppConfig.ready`:
* an inbox provider — the open tasks a user has on its records ("my tasks");
* a map layer — its open cases with a position, for the map of open cases;
* a deadline sweep — the daily, idempotent pass that marks overdue items and reminds people.

The inbox page, the map and `shouwang sweep-cases` only read these registries, so a case app
never imports another one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class InboxTask:
    """One thing a user has to do on one record."""

    #: What to do: "assign", "rectify", "verify", "approve", "screen", "mediate",
    #: "follow_up", "visit", "review" …
    kind: str
    #: Short text in the user's language, e.g. "整改：3 号道口护栏破损".
    title: str
    #: The page where the task is done.
    url: str
    #: The record it is about, e.g. "hazards.hazard" and its primary key.
    record_type: str
    record_id: int
    #: The day it is due (None: no deadline).
    due: dt.date | None = None
    overdue: bool = False
    #: Where, for the reader (jurisdiction name).
    place: str = ""


#: How the inbox names each kind of task (a kind missing here is shown as its code).
KIND_LABELS: dict[str, Any] = {
    "assign": _("Assign"),
    "rectify": _("Rectify"),
    "verify": _("Verify"),
    "approve": _("Approve"),
    "screen": _("Screen"),
    "mediate": _("Mediate"),
    "follow_up": _("Follow-up visit"),
    "visit": _("Visit"),
    "review": _("Review"),
    "confirm": _("Confirm"),
    "swap": _("Swap"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


#: A provider lists the tasks of `user` as of `today` (its records' scope rules apply).
InboxProvider = Callable[[Any, dt.date], Iterable[InboxTask]]


@dataclass(frozen=True)
class CaseMarker:
    """One open case on the map (WGS-84)."""

    layer: str
    title: str
    url: str
    latitude: float
    longitude: float
    status: str = ""
    overdue: bool = False


#: A map layer lists the open cases `user` may see.
MapLayer = Callable[[Any], Iterable[CaseMarker]]

#: A sweep marks overdue items and sends reminders as of `now`; with `dry_run` it writes
#: nothing. It returns counts by name, e.g. {"overdue_marked": 2, "reminders": 3}.
CaseSweep = Callable[[dt.datetime | None, bool], Mapping[str, int]]

INBOX_PROVIDERS: dict[str, InboxProvider] = {}
MAP_LAYERS: dict[str, tuple[Any, MapLayer]] = {}
SWEEPS: dict[str, tuple[Any, CaseSweep]] = {}


def register_inbox(name: str, provider: InboxProvider) -> None:
    INBOX_PROVIDERS[name] = provider


def register_map_layer(name: str, label: Any, layer: MapLayer) -> None:
    MAP_LAYERS[name] = (label, layer)


def register_sweep(name: str, label: Any, sweep: CaseSweep) -> None:
    SWEEPS[name] = (label, sweep)


def tasks_for(user: Any, today: dt.date) -> list[InboxTask]:
    """All open tasks of the user, overdue first, then by due date (undated last)."""
    tasks = [task for provider in INBOX_PROVIDERS.values() for task in provider(user, today)]
    far = dt.date.max
    return sorted(tasks, key=lambda t: (not t.overdue, t.due or far, t.title))


def markers_for(user: Any, layers: Iterable[str] | None = None) -> list[CaseMarker]:
    wanted = set(layers) if layers is not None else set(MAP_LAYERS)
    return [
        marker
        for name, (_label, layer) in MAP_LAYERS.items()
        if name in wanted
        for marker in layer(user)
    ]


def run_sweeps(
    *, now: dt.datetime | None = None, dry_run: bool = False
) -> dict[str, Mapping[str, int]]:
    """Run every registered deadline sweep; each is idempotent on its own."""
    return {name: sweep(now, dry_run) for name, (_label, sweep) in SWEEPS.items()}


def layer_labels() -> dict[str, str]:
    """The registered map layers' names and labels, in registration order."""
    return {name: str(label) for name, (label, _layer) in MAP_LAYERS.items()}


def sweep_labels() -> dict[str, str]:
    return {name: str(label) for name, (label, _sweep) in SWEEPS.items()}
