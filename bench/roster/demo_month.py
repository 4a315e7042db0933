"""The demo township's month (栗子乡, seed 001) as a solver Problem, built through the app.

The demo data lives in the app's loader (``shouwang.demo.township.load_demo``), so the
problem is built exactly as ``plan_roster`` builds it: a throw-away SQLite database in a
temporary directory, migrated, loaded, then the patrol team's active duty rules and members
go through ``adapter.build_problem``.  Nothing is written outside the temporary directory.

    python bench/roster/demo_month.py --month 2026-03    # prints the problem's size
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from shouwang.rostering.solver.model import Problem

ROOT = Path(__file__).resolve().parents[2]
#: The month the demo is planned for unless told otherwise (a month with market days and a
#: statutory holiday).
DEFAULT_MONTH = dt.date(2026, 3, 1)

_cache: dict[dt.date, Problem] = {}


def _setup_django(data_dir: str) -> None:
    os.environ["SHOUWANG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.config.settings")
    os.environ.pop("DATABASE_URL", None)
    src = str(ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    import django

    django.setup()


def demo_problem(month: dt.date = DEFAULT_MONTH) -> Problem:
    """The demo patrol team's month as the solver sees it (cached per process)."""
    month = month.replace(day=1)
    if month in _cache:
        return _cache[month]
    tmp = tempfile.mkdtemp(prefix="shouwang-demo-month-")
    _setup_django(tmp)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from shouwang.demo.township import load_demo
    from shouwang.rostering import adapter, services
    from shouwang.rostering.models import DutyRule

    load_demo()
    problems = []
    teams = {r.post.team for r in DutyRule.objects.filter(active=True).select_related("post__team")}
    for team in sorted(teams, key=lambda t: t.pk):
        first, _ = adapter.month_bounds(month)
        rules = list(
            DutyRule.objects.filter(post__team=team, active=True)
            .select_related("post")
            .order_by("-priority", "pk")
        )
        members = list(
            team.members.filter(status="active").prefetch_related("roles").order_by("pk")
        )
        problems.append(
            adapter.build_problem(
                month=first,
                rules=rules,
                members=members,
                home_zones=services._home_zones(members, rules),
                name=f"demo {team} {month:%Y-%m}",
                holidays=services.holidays_for_team(team),
            )
        )
    if not problems:
        raise RuntimeError("the demo township has no team with duty rules")
    # The demo has one planning team (the 2+2+X patrol team); take the largest if more.
    problem = max(problems, key=lambda p: (len(p.members), len(p.demands)))
    _cache[month] = problem
    return problem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--month", default=DEFAULT_MONTH.strftime("%Y-%m"))
    ns = parser.parse_args()
    month = dt.datetime.strptime(ns.month, "%Y-%m").date()  # noqa: DTZ007 - a calendar month
    problem = demo_problem(month)
    print(
        f"{problem.name}: {len(problem.members)} members, {len(problem.duty_kinds)} duty kinds, "
        f"{len(problem.demands)} demands, {sum(d.required for d in problem.demands)} places"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
