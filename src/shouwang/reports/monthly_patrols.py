"""The monthly report's patrol ledger (巡逻台账): the rows of the patrol ledger's 巡查日志 sheet
(patrols/ledger.py: same columns, same wording, its helpers), written onto a worksheet.

Factored out of `patrols.ledger.ledger_xlsx`, which only makes a whole workbook of three sheets
from fully prefetched logs: here a month of a township (≈800 logs, ≈12,000 attendance rows
and check-ins) is read as the logs plus one grouped count query per related table, so the
report stays fast and the number of queries is fixed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from shouwang.core.models import Jurisdiction
from shouwang.patrols import ledger
from shouwang.patrols.models import (
    AttendanceStatus,
    CheckIn,
    ChecklistResult,
    FieldPhoto,
    ItemResult,
    LogAttendance,
    LogCorrection,
    LogStatus,
    PatrolLog,
)

#: The widths of the patrol ledger's 巡查日志 sheet (patrols/ledger.py), column by column.
WIDTHS = (11, 7, 7, 14, 28, 24, 7, 10, 8, 6, 6, 6, 6, 7, 9, 36, 24, 24, 6, 9, 10, 10, 16, 30)


#: The columns of the logs and their related rows that a ledger row reads.
LOG_COLUMNS = (
    "started_at",
    "ended_at",
    "place",
    "method",
    "status",
    "findings",
    "publicity",
    "notes",
    "confirmed_at",
    "duty_id",
    "team__name",
    "duty__date",
    "duty__start",
    "duty__end",
    "duty__post__name",
    "post__name",
    "route__name",
    "author__username",
    "author__first_name",
    "author__last_name",
    "confirmed_by__username",
    "confirmed_by__first_name",
    "confirmed_by__last_name",
)


@dataclass
class LogFigures:
    """What a ledger row counts of one log."""

    rostered: int = 0
    attendance: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    results: int = 0
    failed: int = 0
    photos: int = 0
    flagged: int = 0


@dataclass
class PatrolMonth:
    """The month's logs under a place, oldest first, with their counts."""

    logs: list[PatrolLog]
    figures: dict[int, LogFigures]

    def of(self, log: PatrolLog) -> LogFigures:
        return self.figures.get(log.pk) or LogFigures()

    def counts(self) -> ledger.Counts:
        """The patrol ledger's summary (cover lines) of the month."""
        tally: dict[str, int] = defaultdict(int)
        for f in self.figures.values():
            for status, n in f.attendance.items():
                tally[status] += n
        return ledger.Counts(
            logs=len(self.logs),
            confirmed=sum(1 for log in self.logs if log.status == LogStatus.CONFIRMED),
            unplanned=sum(1 for log in self.logs if log.duty_id is None),
            present=tally[AttendanceStatus.PRESENT],
            late=tally[AttendanceStatus.LATE],
            absent=tally[AttendanceStatus.ABSENT],
            substitute=tally[AttendanceStatus.SUBSTITUTE],
            failed_items=sum(f.failed for f in self.figures.values()),
            flagged=sum(f.flagged for f in self.figures.values()),
        )


def month_logs(place: Jurisdiction, month: dt.date, actor: Any = None) -> QuerySet[PatrolLog]:
    """The month's logs under `place` (the actor's visible ones when given), as the patrol
    ledger selects them."""
    start, end = ledger.month_bounds(month)
    base: Any = PatrolLog.objects
    qs = base.visible_to(actor) if actor is not None else base.all()
    return qs.filter(  # type: ignore[no-any-return]
        jurisdiction__path__startswith=place.path, started_at__gte=start, started_at__lt=end
    )


def read_patrols(place: Jurisdiction, month: dt.date, actor: Any = None) -> PatrolMonth:
    """The logs with what a row shows: six queries whatever the number of logs."""
    base = month_logs(place, month, actor)
    logs = list(
        base.select_related("team", "duty__post", "post", "route", "author", "confirmed_by")
        # Only the columns a row shows: routes carry their geometry, teams their rules.
        .only(*LOG_COLUMNS)
        .prefetch_related(
            Prefetch(
                "corrections",
                queryset=LogCorrection.objects.only("log_id", "created_at", "text").order_by(
                    "created_at", "pk"
                ),
            )
        )
        .order_by("started_at", "pk")
    )
    figures: dict[int, LogFigures] = defaultdict(LogFigures)
    ids = base.values("pk")
    for row in (
        LogAttendance.objects.filter(log__in=ids)
        .values("log_id", "status", "rostered")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        f = figures[row["log_id"]]
        f.attendance[row["status"]] += row["n"]
        if row["rostered"]:
            f.rostered += row["n"]
    for row in (
        ChecklistResult.objects.filter(log__in=ids)
        .values("log_id")
        .annotate(n=Count("pk"), failed=Count("pk", filter=Q(result=ItemResult.FAIL)))
        .order_by()
    ):
        figures[row["log_id"]].results = row["n"]
        figures[row["log_id"]].failed = row["failed"]
    for row in (
        CheckIn.objects.filter(log__in=ids)
        .exclude(flag="")
        .values("log_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        figures[row["log_id"]].flagged = row["n"]
    for row in (
        FieldPhoto.objects.filter(log__in=ids).values("log_id").annotate(n=Count("pk")).order_by()
    ):
        figures[row["log_id"]].photos = row["n"]
    return PatrolMonth(logs=logs, figures=dict(figures))


def row_of(log: PatrolLog, f: LogFigures) -> list[Any]:
    """One row of the 巡查日志 sheet (patrols.ledger.LOG_HEADERS)."""
    findings = "\n".join(
        f"【{ledger.FINDING_ZH.get(str(x.get('kind')), '其他')}】{x.get('text', '')}"
        for x in (log.findings or [])
        if isinstance(x, dict)
    )
    return [
        ledger.local(log.started_at, "%Y-%m-%d"),
        ledger.local(log.started_at, "%H:%M"),
        ledger.local(log.ended_at, "%H:%M") if log.ended_at else "",
        log.team.name,
        ledger.duty_text(log),
        ledger.place_text(log),
        ledger.METHOD_ZH.get(log.method, log.method),
        ledger.STATUS_ZH.get(LogStatus(log.status), log.status),
        f.rostered,
        f.attendance.get(AttendanceStatus.PRESENT, 0),
        f.attendance.get(AttendanceStatus.LATE, 0),
        f.attendance.get(AttendanceStatus.ABSENT, 0),
        f.attendance.get(AttendanceStatus.SUBSTITUTE, 0),
        f.results,
        f.failed,
        findings,
        log.publicity,
        log.notes,
        f.photos,
        f.flagged,
        ledger.person(log.author),
        ledger.person(log.confirmed_by),
        ledger.local(log.confirmed_at),
        "\n".join(f"{ledger.local(x.created_at)} {x.text}" for x in log.corrections.all()),
    ]


def patrol_rows(month: PatrolMonth) -> list[list[Any]]:
    return [row_of(log, month.of(log)) for log in month.logs]
