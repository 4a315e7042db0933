"""Reports benchmark: the county dashboard and a township's monthly report at county scale.

On the data set of bench/reports/generate.py (200 townships, 2,500 villages, 20,000 members,
one year: ≈2 M patrol logs, 200,000 hazards, 100,000 disputes …) on PostgreSQL, times, warm,
min and median of `--repeat` runs:

- the county dashboard: `reports.indicators.compute(county, last full month, children=True)`,
  and the dashboard page (GET through Django's test client, signed in as a superuser);
- one township's monthly report: `reports.monthly.build_monthly_report(township, month)`
  (reads the month, writes the PDF and the Excel workbook);

and beside each, in the same run, the baseline: the same aggregates as ONE hand-written SQL
query sent with psycopg (per child: patrols, turnouts, duties planned/covered, rostered
member-duties attended, hazards found/closed/overdue, disputes screened/resolved/in
mediation, trainings and drills held, visits made and due per attention level; railway
incidents per place and kind), current and previous month as conditional aggregates. Prints
each time, the ratio to its baseline and whether the targets are met (dashboard < 1 s and at
most 2× the baseline; monthly report < 10 s) — printed, never enforced.

The dashboard's figures (the county's and every township's, the 四杜绝/四下降/九无 counts) and
the monthly report's figures (key figures, the return's rows) must EQUAL the baseline's: a
mismatch is listed and the exit code is 1 (this validates the indicators).

    .venv/bin/python bench/reports/run.py                      # full scale, throw-away DB
    .venv/bin/python bench/reports/run.py --scale 0.005 --repeat 3          # short (CI)
    .venv/bin/python bench/reports/run.py --database-url postgres://…/db --reuse

Without --database-url a database is created with scripts/ci_postgres.sh and dropped after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/reports/generate.py)

DASHBOARD_TARGET_S = 1.0
DASHBOARD_TARGET_RATIO = 2.0
MONTHLY_TARGET_S = 10.0
HANDED_IN = ("submitted", "confirmed")
BINDING = ("published", "amended")
TURNOUT = ("present", "late", "substitute")
ATTENDED = ("present", "late")
CADENCE = {"red": 7, "yellow": 30, "blue": 91}  # concerns.DEFAULT_CADENCE_DAYS; no policies


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="PostgreSQL database to use (default: a throw-away one, dropped afterwards)",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="data set scale (1 = county)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (5)")
    parser.add_argument(
        "--reuse", action="store_true", help="the database already holds the data set"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--township", type=int, default=1, help="which township's monthly report (1 = first)"
    )
    parser.add_argument("--no-page", action="store_true", help="skip the dashboard page")
    parser.add_argument(
        "--jit",
        choices=("off", "server"),
        default="off",
        help="PostgreSQL JIT in this run's sessions, app and baseline alike: off (default; "
        "PGOPTIONS='-c jit=off') or the server's setting (PostgreSQL's default is on, and its "
        "compile time costs seconds on these plans)",
    )
    ns = parser.parse_args(argv)
    if ns.repeat < 1:
        parser.error("--repeat must be at least 1")
    return ns


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """One warm-up call, then `repeat` timed calls; returns the times and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def fmt(times: list[float]) -> str:
    return f"min {min(times) * 1000:8.1f} ms, median {statistics.median(times) * 1000:8.1f} ms"


# --------------------------------------------------------------------------- baseline


BASELINE_SQL = """
WITH
pl AS (
  SELECT pfx(j.path) AS prefix,
         count(*) FILTER (WHERE l.started_at >= %(lo)s) AS cur,
         count(*) FILTER (WHERE l.started_at < %(lo)s) AS prev
  FROM patrols_patrollog l JOIN core_jurisdiction j ON j.id = l.jurisdiction_id
  WHERE j.path LIKE %(like)s AND l.status = ANY(%(handed_in)s)
    AND l.started_at >= %(plo)s AND l.started_at < %(hi)s
  GROUP BY 1),
tu AS (
  SELECT pfx(j.path) AS prefix,
         count(*) FILTER (WHERE l.started_at >= %(lo)s) AS cur,
         count(*) FILTER (WHERE l.started_at < %(lo)s) AS prev
  FROM patrols_logattendance a JOIN patrols_patrollog l ON l.id = a.log_id
  JOIN core_jurisdiction j ON j.id = l.jurisdiction_id
  WHERE j.path LIKE %(like)s AND l.status = ANY(%(handed_in)s) AND a.status = ANY(%(turnout)s)
    AND l.started_at >= %(plo)s AND l.started_at < %(hi)s
  GROUP BY 1),
du_rows AS MATERIALIZED (
  -- the period's binding duties with their child prefix; "covered" evaluated once per duty
  SELECT pfx(j.path) AS prefix, d.date >= %(start)s AS is_cur,
         EXISTS (SELECT 1 FROM patrols_patrollog l
                 WHERE l.duty_id = d.id AND l.status = ANY(%(handed_in)s)) AS covered
  FROM rostering_duty d JOIN rostering_roster r ON r.id = d.roster_id
  JOIN forces_team t ON t.id = r.team_id JOIN core_jurisdiction j ON j.id = t.jurisdiction_id
  WHERE j.path LIKE %(like)s AND r.status = ANY(%(binding)s)
    AND d.date >= %(pstart)s AND d.date <= %(end)s),
du AS (
  SELECT prefix, count(*) FILTER (WHERE is_cur) AS cur, count(*) FILTER (WHERE NOT is_cur) AS prev,
         count(*) FILTER (WHERE is_cur AND covered) AS cov_cur,
         count(*) FILTER (WHERE NOT is_cur AND covered) AS cov_prev
  FROM du_rows GROUP BY 1),
da_rows AS MATERIALIZED (
  -- the rostered member-duties; "attended" evaluated once per assignment
  SELECT pfx(j.path) AS prefix, d.date >= %(start)s AS is_cur,
         EXISTS (SELECT 1 FROM patrols_patrollog l JOIN patrols_logattendance la
                   ON la.log_id = l.id AND la.member_id = a.member_id
                 WHERE l.duty_id = a.duty_id AND l.status = ANY(%(handed_in)s)
                   AND la.status = ANY(%(attended)s)) AS attended
  FROM rostering_dutyassignment a JOIN rostering_duty d ON d.id = a.duty_id
  JOIN rostering_roster r ON r.id = d.roster_id
  JOIN forces_team t ON t.id = r.team_id JOIN core_jurisdiction j ON j.id = t.jurisdiction_id
  WHERE j.path LIKE %(like)s AND r.status = ANY(%(binding)s)
    AND d.date >= %(pstart)s AND d.date <= %(end)s),
da AS (
  SELECT prefix, count(*) FILTER (WHERE is_cur) AS cur, count(*) FILTER (WHERE NOT is_cur) AS prev,
         count(*) FILTER (WHERE is_cur AND attended) AS att_cur,
         count(*) FILTER (WHERE NOT is_cur AND attended) AS att_prev
  FROM da_rows GROUP BY 1),
hz AS (
  SELECT pfx(j.path) AS prefix,
         count(*) FILTER (WHERE h.found_at >= %(lo)s) AS cur,
         count(*) FILTER (WHERE h.found_at < %(lo)s) AS prev,
         count(*) FILTER (WHERE h.found_at >= %(lo)s AND h.status = 'closed') AS closed_cur,
         count(*) FILTER (WHERE h.found_at < %(lo)s AND h.status = 'closed') AS closed_prev,
         count(*) FILTER (WHERE h.found_at >= %(lo)s AND h.deadline < %(today)s
                          AND h.status NOT IN ('closed', 'rejected')) AS over_cur,
         count(*) FILTER (WHERE h.found_at < %(lo)s AND h.deadline < %(today)s
                          AND h.status NOT IN ('closed', 'rejected')) AS over_prev
  FROM hazards_hazard h JOIN core_jurisdiction j ON j.id = h.jurisdiction_id
  WHERE j.path LIKE %(like)s AND h.status <> 'rejected'
    AND h.found_at >= %(plo)s AND h.found_at < %(hi)s
  GROUP BY 1),
di AS (
  SELECT pfx(j.path) AS prefix,
         count(*) FILTER (WHERE d.registered_on >= %(start)s) AS cur,
         count(*) FILTER (WHERE d.registered_on < %(start)s) AS prev,
         count(*) FILTER (WHERE d.registered_on >= %(start)s AND d.outcome = 'resolved') AS res_cur,
         count(*) FILTER (WHERE d.registered_on < %(start)s AND d.outcome = 'resolved') AS res_prev,
         count(*) FILTER (WHERE d.registered_on >= %(start)s
                          AND d.status IN ('registered', 'mediating')) AS med_cur
  FROM disputes_dispute d JOIN core_jurisdiction j ON j.id = d.jurisdiction_id
  WHERE j.path LIKE %(like)s AND d.registered_on >= %(pstart)s AND d.registered_on <= %(end)s
  GROUP BY 1),
tr AS (
  SELECT pfx(j.path) AS prefix,
         count(*) FILTER (WHERE t.starts_at >= %(lo)s AND t.kind = 'training') AS tr_cur,
         count(*) FILTER (WHERE t.starts_at < %(lo)s AND t.kind = 'training') AS tr_prev,
         count(*) FILTER (WHERE t.starts_at >= %(lo)s AND t.kind = 'drill') AS dr_cur,
         count(*) FILTER (WHERE t.starts_at < %(lo)s AND t.kind = 'drill') AS dr_prev
  FROM governance_training t JOIN core_jurisdiction j ON j.id = t.jurisdiction_id
  WHERE j.path LIKE %(like)s AND t.status = 'held'
    AND t.starts_at >= %(plo)s AND t.starts_at < %(hi)s
  GROUP BY 1),
people AS (
  SELECT p.id, p.attention_level AS level, pfx(j.path) AS prefix,
         CASE p.attention_level WHEN 'red' THEN %(red)s WHEN 'yellow' THEN %(yellow)s
              ELSE %(blue)s END AS cadence,
         GREATEST(LEAST(%(end)s::date, %(today)s::date, COALESCE(p.off_register_on, 'infinity'))
                  - GREATEST(%(start)s::date, p.registered_on) + 1, 0) AS days_cur,
         GREATEST(LEAST(%(pend)s::date, %(today)s::date, COALESCE(p.off_register_on, 'infinity'))
                  - GREATEST(%(pstart)s::date, p.registered_on) + 1, 0) AS days_prev
  FROM concerns_personofconcern p JOIN core_jurisdiction j ON j.id = p.jurisdiction_id
  WHERE j.path LIKE %(like)s AND p.registered_on <= %(end)s
    AND (p.off_register_on IS NULL OR p.off_register_on >= %(pstart)s)),
visits AS (
  SELECT v.person_id, count(*) FILTER (WHERE v.visited_on >= %(start)s) AS cur,
         count(*) FILTER (WHERE v.visited_on < %(start)s) AS prev
  FROM concerns_visit v JOIN people p ON p.id = v.person_id
  WHERE v.visited_on >= %(pstart)s AND v.visited_on <= %(end)s
  GROUP BY 1),
vr AS (
  SELECT p.prefix, p.level,
         sum(LEAST(COALESCE(v.cur, 0), p.days_cur::numeric / p.cadence)) AS made_cur,
         sum(p.days_cur::numeric / p.cadence) AS due_cur,
         sum(LEAST(COALESCE(v.prev, 0), p.days_prev::numeric / p.cadence)) AS made_prev,
         sum(p.days_prev::numeric / p.cadence) AS due_prev,
         sum(COALESCE(v.cur, 0)) AS done_cur
  FROM people p LEFT JOIN visits v ON v.person_id = p.id
  GROUP BY 1, 2),
ri AS (
  SELECT j.path AS prefix, i.kind,
         count(*) FILTER (WHERE i.occurred_at >= %(lo)s) AS cur,
         count(*) FILTER (WHERE i.occurred_at < %(lo)s) AS prev
  FROM railway_railwayincident i JOIN core_jurisdiction j ON j.id = i.jurisdiction_id
  WHERE j.path LIKE %(like)s AND i.occurred_at >= %(plo)s AND i.occurred_at < %(hi)s
  GROUP BY 1, 2)
"""


def baseline_sql() -> str:
    """The hand-written query: one row per (prefix, figure) with the current and previous
    value; `pfx(path)` is the record's path cut after the first node below the place."""
    selects = [
        "SELECT prefix, 'patrols', cur, prev FROM pl",
        "SELECT prefix, 'turnouts', cur, prev FROM tu",
        "SELECT prefix, 'duties_planned', cur, prev FROM du",
        "SELECT prefix, 'duties_covered', cov_cur, cov_prev FROM du",
        "SELECT prefix, '_assigned', cur, prev FROM da",
        "SELECT prefix, '_attended', att_cur, att_prev FROM da",
        "SELECT prefix, 'hazards_found', cur, prev FROM hz",
        "SELECT prefix, 'hazards_closed', closed_cur, closed_prev FROM hz",
        "SELECT prefix, 'hazards_overdue', over_cur, over_prev FROM hz",
        "SELECT prefix, 'disputes_screened', cur, prev FROM di",
        "SELECT prefix, 'disputes_resolved', res_cur, res_prev FROM di",
        "SELECT prefix, '_mediating', med_cur, 0 FROM di",
        "SELECT prefix, 'trainings_held', tr_cur, tr_prev FROM tr",
        "SELECT prefix, 'drills_held', dr_cur, dr_prev FROM tr",
        "SELECT prefix, '_made_' || level, made_cur, made_prev FROM vr",
        "SELECT prefix, '_due_' || level, due_cur, due_prev FROM vr",
        "SELECT prefix, '_done_' || level, done_cur, 0 FROM vr",
        "SELECT prefix, 'incident:' || kind, cur, prev FROM ri",
    ]
    sql = BASELINE_SQL + "\nUNION ALL\n".join(selects)
    # pfx(path): inlined (a function would be one more object in the database).
    return sql.replace(
        "pfx(j.path)",
        "substr(j.path, 1, %(n)s + strpos(substr(j.path, %(n)s + 1), '/'))",
    )


def baseline_params(path: str, period: Any, today: dt.date) -> dict[str, Any]:
    prev = period.previous()

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, generate.TZ)

    return {
        "n": len(path),
        "like": path + "%",
        "lo": at(period.start),
        "hi": at(period.end + dt.timedelta(days=1)),
        "plo": at(prev.start),
        "phi": at(prev.end + dt.timedelta(days=1)),
        "start": period.start,
        "end": period.end,
        "pstart": prev.start,
        "pend": prev.end,
        "today": today,
        "handed_in": list(HANDED_IN),
        "binding": list(BINDING),
        "turnout": list(TURNOUT),
        "attended": list(ATTENDED),
        **CADENCE,
    }


def run_baseline(conn: Any, path: str, period: Any, today: dt.date) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(baseline_sql(), baseline_params(path, period, today))
        return list(cur.fetchall())


def rate(num: Any, den: Any) -> float | None:
    """As indicators._rate: a percentage to two places, None without a denominator."""
    if not den:
        return None
    return round(float(100 * Decimal(num) / Decimal(den)), 2)


def baseline_figures(
    rows: list[tuple[Any, ...]], place_path: str
) -> tuple[dict[str, dict[str, tuple[Any, Any]]], dict[str, dict[str, tuple[Any, Any]]]]:
    """(figures per prefix with "" the total, raw counts per prefix with "" the total)."""
    raw: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for prefix, key, cur, prev in rows:
        for p in ("", prefix):
            raw[p][key][0] += cur
            raw[p][key][1] += prev
    out: dict[str, dict[str, tuple[Any, Any]]] = {}
    for prefix, counts in raw.items():
        fig: dict[str, tuple[Any, Any]] = {}
        for key, (cur, prev) in counts.items():
            if not key.startswith(("_", "incident:")):
                fig[key] = (int(cur), int(prev))

        def pair(num: str, den: str, c: dict[str, list[Any]] = counts) -> tuple[Any, Any]:
            n, d = c.get(num, [0, 0]), c.get(den, [0, 0])
            return rate(n[0], d[0]), rate(n[1], d[1])

        fig["attendance_rate"] = pair("_attended", "_assigned")
        fig["rectification_rate"] = pair("hazards_closed", "hazards_found")
        fig["mediation_rate"] = pair("disputes_resolved", "disputes_screened")
        for level in CADENCE:
            fig[f"visit_rate_{level}"] = pair(f"_made_{level}", f"_due_{level}")
        out[prefix] = fig
    frozen = {p: {k: (v[0], v[1]) for k, v in c.items()} for p, c in raw.items()}
    return out, frozen


# --------------------------------------------------------------------------- comparison


def same(a: Any, b: Any, key: str) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if key.startswith("visit_rate_"):
        # Σ of float shares (the app) against exact decimals (here), both rounded to 0.01.
        return abs(float(a) - float(b)) <= 0.01 + 1e-9
    return bool(a == b)


def compare_dashboard(result: Any, base: dict[str, dict[str, tuple[Any, Any]]],
                      raw: dict[str, dict[str, tuple[Any, Any]]]) -> list[str]:  # fmt: skip
    """Every figure of the place and of each child, and the railway counts, against the
    baseline; returns the differences."""
    from shouwang.railway.models import FOUR_DECLINE, FOUR_NEVER, NINE_NO

    problems = []

    def check(where: str, prefix: str, figures: dict[str, Any]) -> None:
        row = base.get(prefix, {})
        for key, fig in figures.items():
            default = (None, None) if fig.unit == "%" else (0, 0)
            want = row.get(key, default)
            if not (same(fig.value, want[0], key) and same(fig.previous, want[1], key)):
                problems.append(
                    f"{where} {key}: app {fig.value} (previous {fig.previous}), "
                    f"SQL {want[0]} (previous {want[1]})"
                )

    check(result.jurisdiction.name, "", result.figures)
    for child in result.children:
        check(child.jurisdiction.name, child.jurisdiction.path, child.figures)
    shown = {c.jurisdiction.path for c in result.children} | {"", result.jurisdiction.path}
    for prefix in sorted(set(base) - shown):
        problems.append(f"records under {prefix}: no row among the app's children")

    def incidents(path: str, kinds: frozenset[str], i: int) -> int:
        return sum(
            counts[f"incident:{k}"][i]
            for p, counts in raw.items()
            if p and p.startswith(path)
            for k in kinds
            if f"incident:{k}" in counts
        )

    place = result.jurisdiction.path
    for line, (key, _label, kinds) in zip(result.four_never, FOUR_NEVER, strict=True):
        if line.count != incidents(place, kinds, 0):
            problems.append(f"四杜绝 {key}: app {line.count}, SQL {incidents(place, kinds, 0)}")
    for line, (key, _label, kinds) in zip(result.four_decline, FOUR_DECLINE, strict=True):
        want = (incidents(place, kinds, 0), incidents(place, kinds, 1))
        if (line.current, line.previous) != want:
            problems.append(f"四下降 {key}: app {line.current}/{line.previous}, SQL {want}")
    for village in result.nine_no:
        for target, (key, _label, kinds) in zip(village.targets, NINE_NO, strict=True):
            want_n = incidents(village.village.path, kinds, 0)
            if target.count != want_n:
                problems.append(
                    f"九无 {village.village.name} {key}: app {target.count}, SQL {want_n}"
                )
    return problems


def compare_monthly(
    key_figures: list[Any],
    rows: list[Any],
    result: Any,
    base: dict[str, dict[str, tuple[Any, Any]]],
    raw: dict[str, dict[str, tuple[Any, Any]]],
) -> list[str]:
    """The report's key figures and return rows against the baseline (township, its villages)."""
    problems = []
    total = base.get("", {})
    by_label = {str(f.label): k for k, f in result.figures.items()}
    for fig in key_figures:
        key = by_label.get(fig.label)
        if key is None:
            problems.append(f"key figure {fig.label}: not among the indicators")
            continue
        want = total.get(key, (None, None) if fig.unit == "%" else (0, 0))
        if not (same(fig.current, want[0], key) and same(fig.previous, want[1], key)):
            problems.append(f"key figure {key}: report {fig.current}/{fig.previous}, SQL {want}")
    paths = {c.jurisdiction.name: c.jurisdiction.path for c in result.children}
    for row in rows:
        prefix = paths.get(row.name, result.jurisdiction.path)
        r = raw.get(prefix, {})

        def cur(key: str, r: dict[str, tuple[Any, Any]] = r) -> Any:
            return r.get(key, (0, 0))[0]

        due = sum(Decimal(cur(f"_due_{lv}")) for lv in CADENCE)
        expected = {
            "disputes_screened": cur("disputes_screened"),
            "disputes_resolved": cur("disputes_resolved"),
            "disputes_mediating": cur("_mediating"),
            "hazards_found": cur("hazards_found"),
            "hazards_rectified": cur("hazards_closed"),
            "hazards_overdue": cur("hazards_overdue"),
            "visits_due": round(due),
            "visits_done": sum(int(cur(f"_done_{lv}")) for lv in CADENCE),
        }
        for attr, value in expected.items():
            got = getattr(row, attr)
            if attr == "visits_due" and abs(got - value) <= 1 and abs(float(due) % 1 - 0.5) < 1e-6:
                continue  # a half rounded either way (float against decimal)
            if got != value:
                problems.append(f"return row {row.name} {attr}: report {got}, SQL {value}")
    return problems


# --------------------------------------------------------------------------- machine


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ci_postgres(*args: str) -> str:
    out = subprocess.run(
        ["bash", str(ROOT / "scripts" / "ci_postgres.sh"), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


# --------------------------------------------------------------------------- main


def bench(ns: argparse.Namespace, url: str) -> int:
    import psycopg

    if ns.jit == "off":  # every libpq session of this process: Django's and the baseline's
        os.environ["PGOPTIONS"] = (os.environ.get("PGOPTIONS", "") + " -c jit=off").strip()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("SHOUWANG_DEBUG", "0")
    if ns.reuse:
        generate.django_setup(url)
    else:
        generate.generate(url, ns.scale, ns.seed)
    from django.utils import timezone

    from shouwang.core.models import Jurisdiction
    from shouwang.reports import indicators, monthly, monthly_figures

    today = timezone.localdate()
    period = indicators.Period.last_full_month(today)
    county = Jurisdiction.objects.get(level="county", parent=None)
    townships = list(Jurisdiction.objects.filter(parent=county).order_by("stat_division_code"))
    township = townships[min(ns.township, len(townships)) - 1]
    with psycopg.connect(url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        jit = conn.execute("SHOW jit").fetchone()
        rows = generate.count_rows(conn)
        print(
            f"\nMachine: {cpu_model()}, {os.cpu_count()} cores, load "
            f"{os.getloadavg()[0]:.2f}; PostgreSQL {version[0] if version else '?'}; "
            f"JIT {jit[0] if jit else '?'}; Python {platform.python_version()}"
        )
        print(
            f"Data: {len(townships)} township(s), {rows['patrols_patrollog']:,} patrol logs, "
            f"{rows['hazards_hazard']:,} hazards, {rows['disputes_dispute']:,} disputes, "
            f"{rows['rostering_duty']:,} duties; period {period.label} (previous "
            f"{period.previous().label}), today {today}; {ns.repeat} timed runs after a warm-up"
        )
        problems: list[str] = []

        # -- county dashboard
        print(f"\nCounty dashboard: {county.name}, {len(townships)} township(s)")
        app_t, result = timed(
            lambda: indicators.compute(county, period, children=True, today=today), ns.repeat
        )
        sql_t, sql_rows = timed(lambda: run_baseline(conn, county.path, period, today), ns.repeat)
        base, raw = baseline_figures(sql_rows, county.path)
        ratio = statistics.median(app_t) / statistics.median(sql_t)
        print(f"  indicators.compute    {fmt(app_t)}")
        print(f"  baseline (1 SQL)      {fmt(sql_t)}")
        print(f"  ratio (median)        {ratio:.2f}×")
        dash_ok = statistics.median(app_t) < DASHBOARD_TARGET_S and ratio <= DASHBOARD_TARGET_RATIO
        print(
            f"  target < {DASHBOARD_TARGET_S:g} s and ≤ {DASHBOARD_TARGET_RATIO:g}×: "
            f"{'met' if dash_ok else 'NOT met'}"
        )
        found = compare_dashboard(result, base, raw)
        figures_n = len(result.figures) + sum(len(c.figures) for c in result.children)
        print(
            f"  figures equal to the baseline: "
            f"{'yes' if not found else 'NO'} ({figures_n} figures, {len(result.children)} "
            f"townships, {len(result.nine_no)} railway villages)"
        )
        problems += [f"dashboard: {p}" for p in found]
        if not ns.no_page:
            page_t = dashboard_page(county, period, ns.repeat)
            if page_t:
                print(f"  dashboard page (GET)  {fmt(page_t)}")

        # -- monthly report
        print(f"\nMonthly report: {township.name}, {period.label}")
        pages: dict[str, int] = {}

        def build() -> tuple[bytes, bytes]:
            pdf, xlsx = monthly.build_monthly_report(
                township, period.start, progress=lambda *a, **k: None
            )
            pages["pdf"], pages["xlsx"] = len(pdf), len(xlsx)
            return pdf, xlsx

        rep_t, _files = timed(build, ns.repeat)
        sql_t, sql_rows = timed(lambda: run_baseline(conn, township.path, period, today), ns.repeat)
        base, raw = baseline_figures(sql_rows, township.path)
        ratio = statistics.median(rep_t) / statistics.median(sql_t)
        print(f"  build_monthly_report  {fmt(rep_t)}  (PDF {pages['pdf']:,} B, "
              f"Excel {pages['xlsx']:,} B)")  # fmt: skip
        print(f"  baseline (1 SQL)      {fmt(sql_t)}  (the figures only, no documents)")
        print(f"  ratio (median)        {ratio:.1f}×")
        print(
            f"  target < {MONTHLY_TARGET_S:g} s: "
            f"{'met' if statistics.median(rep_t) < MONTHLY_TARGET_S else 'NOT met'}"
        )
        result = indicators.compute(township, period, children=True, today=today)
        key_figs, return_rows = monthly_figures.figures(township, period.start)
        found = compare_dashboard(result, base, raw) + compare_monthly(
            key_figs, return_rows, result, base, raw
        )
        print(
            f"  figures equal to the baseline: {'yes' if not found else 'NO'} "
            f"({len(key_figs)} key figures, {len(return_rows)} return rows)"
        )
        problems += [f"monthly report: {p}" for p in found]
    if problems:
        print(f"\nFAILED: {len(problems)} figure(s) differ from the baseline:")
        for line in problems[:40]:
            print(f"  {line}")
        return 1
    print("\nResult: ok (every figure equals the baseline's)")
    return 0


def dashboard_page(county: Any, period: Any, repeat: int) -> list[float]:
    """GET the dashboard page as a signed-in superuser; [] if the page cannot be served."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    url = f"{reverse('reports-dashboard')}?jurisdiction={county.pk}&period=month&month={period.start:%Y-%m}"  # noqa: E501

    def get() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        return len(response.content)

    try:
        times, _size = timed(get, repeat)
    except Exception as exc:  # the page is extra: say why it was not measured, go on
        print(f"  dashboard page: not measured ({type(exc).__name__}: {str(exc)[:160]})")
        return []
    return times


def main(argv: list[str] | None = None) -> int:
    ns = parse_args(argv)
    print(
        f"Reports benchmark: scale {ns.scale:g}{' (reused data)' if ns.reuse else ''}, "
        f"repeat {ns.repeat}",
        flush=True,
    )
    url = ns.database_url
    owned = url is None
    if owned:
        if ns.reuse:
            print("error: --reuse needs --database-url")
            return 2
        url = ci_postgres("create")
    try:
        return bench(ns, url)
    finally:
        if owned:
            from django.db import connections

            connections.close_all()
            ci_postgres("drop", url)


if __name__ == "__main__":
    sys.exit(main())
