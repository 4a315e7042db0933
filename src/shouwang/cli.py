"""The `shouwang` command line.

shouwang demo         create the database, load the demo township, serve it
shouwang serve        serve the application (waitress; gunicorn with --workers N)
shouwang migrate      apply database migrations
shouwang createadmin  create a system administrator login
shouwang check        run the system checks (add --deploy for production settings)
shouwang roster       plan a team's month as a draft roster, printing the solver's progress
shouwang sweep-missed open missed-duty items (run every 15 minutes; --dry-run lists only)
shouwang sweep-hazards warn, supervise and escalate hazards near or past their deadline (daily)
shouwang sweep-cases  the daily deadline sweep of every case kind (hazards, disputes, …)
shouwang send-notifications  send due group-robot and e-mail messages (retries included)
shouwang remind-duties       tell members of tomorrow's duties (daily, e.g. 17:00)
shouwang daily-summary       yesterday's figures to the work groups (daily, e.g. 08:00)
shouwang tallies      check the dashboard tallies of duties and logs (--rebuild recomputes them)
shouwang manage …     any Django management command
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Sequence
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.config.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def cmd_migrate(ns: argparse.Namespace) -> int:
    _setup()
    _manage("migrate", "--noinput", *(["--verbosity", "0"] if ns.quiet else []))
    return 0


def cmd_serve(ns: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings

    from shouwang.config import server

    if settings.PRODUCTION:
        _manage("collectstatic", "--noinput", "--verbosity", "0")
    workers = int(getattr(ns, "workers", 1) or 1)
    if workers > 1 and server.multiprocess_available():
        from django.db import connections

        # Nothing opened here may be shared with the forked workers, and each worker imports
        # the WSGI application itself (no preload).
        connections.close_all()
        print(
            f"Shouwang serving on http://{ns.host}:{ns.port}/ with gunicorn, {workers} workers"
            f" × {ns.threads} threads  (Ctrl+C or SIGTERM to stop)",
            flush=True,
        )
        options = server.gunicorn_options(
            host=ns.host,
            port=ns.port,
            workers=workers,
            threads=ns.threads,
            access_log=bool(getattr(ns, "access_log", False)),
        )
        server.run_gunicorn(options)
        return 0
    from waitress import serve

    from shouwang.config.wsgi import application

    print(f"Shouwang serving on http://{ns.host}:{ns.port}/  (Ctrl+C to stop)", flush=True)
    serve(application, host=ns.host, port=ns.port, threads=ns.threads, ident="shouwang")
    return 0


def cmd_demo(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.demo.township import (
        DEMO_PASSWORD,
        load_demo,
        patrol_last_month,
        publish_current_month,
    )

    print("Migrating the database…", flush=True)
    _manage("migrate", "--noinput", "--verbosity", "0")
    print("Loading the demo township (栗子乡)…", flush=True)
    logins = load_demo()
    print("Planning and publishing this month's patrol roster…", flush=True)
    publish_current_month()
    print("Recording last month's roster and patrol logs (for the dashboard)…", flush=True)
    patrol_last_month()
    base = f"http://{ns.host}:{ns.port}"
    print()
    print("Shouwang demo township is ready.")
    print(f"  Pages:     {base}/")
    print(f"  Map:       {base}/map/")
    print(f"  Phone app: {base}/app/  (sign in as patrol: works offline once opened)")
    print(f"  API docs:  {base}/api/v1/docs")
    print(f"  OpenAPI:   {base}/api/v1/openapi.json")
    print(f"  Logins (password for all: {DEMO_PASSWORD}):")
    for username, role_label in logins:
        print(f"    {username:<14} {role_label}")
    print()
    if ns.no_serve:
        return 0
    return cmd_serve(ns)


def cmd_createadmin(ns: argparse.Namespace) -> int:
    _setup()
    from django.contrib.auth import get_user_model

    from shouwang.core.records import RecordInvalid
    from shouwang.core.services import grant_system_admin

    username = ns.username or input("Username: ").strip()
    password = os.environ.get("SHOUWANG_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    if get_user_model().objects.filter(username=username).exists():
        print(f"error: user {username!r} already exists", file=sys.stderr)
        return 1
    try:
        grant_system_admin(username=username, password=password, email=ns.email or "")
    except RecordInvalid as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                print(f"error: {field}: {message}", file=sys.stderr)
        return 1
    print(f"System administrator {username!r} created.")
    return 0


def cmd_check(ns: argparse.Namespace) -> int:
    _setup()
    _manage("check", *(["--deploy", "--fail-level", "WARNING"] if ns.deploy else []))
    return 0


def _month(text: str) -> dt.date:
    """argparse type of --month: 2026-12 → 2026-12-01."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()  # noqa: DTZ007 - a month, no time
    except ValueError:
        message = f"not a month: {text!r} (expected YYYY-MM, e.g. 2026-12)"
        raise argparse.ArgumentTypeError(message) from None


def _time_limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"not a time limit: {text!r} (seconds, 1 to 3600)")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a seed: {text!r} (a whole number, 0 or more)")
    return value


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _find_team(ref: str) -> Any:
    from shouwang.forces.models import Team

    ref = ref.strip()
    teams = list(Team.objects.filter(pk=int(ref))) if ref.isdigit() else []
    if not teams:
        teams = list(Team.objects.filter(name=ref).select_related("jurisdiction"))
    if len(teams) > 1:
        where = ", ".join(f"{t.pk} ({t.jurisdiction})" for t in teams)
        raise LookupError(f"{len(teams)} teams are named {ref!r}; give the number: {where}")
    if not teams:
        raise LookupError(f"no team {ref!r} (give a team's number or exact name)")
    return teams[0]


def _find_actor(username: str | None) -> Any:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise LookupError(f"no active user {username!r}")
        return user
    user = users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise LookupError(
            "no system administrator to plan as: create one (shouwang createadmin) or pass --user"
        )
    return user


def cmd_roster(ns: argparse.Namespace) -> int:
    _setup()
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from shouwang.core.records import RecordInvalid
    from shouwang.rostering import services
    from shouwang.rostering.solver import Progress

    try:
        team = _find_team(ns.team)
        actor = _find_actor(ns.user)
    except LookupError as exc:
        return _fail(str(exc))
    print(
        f"Planning team {team.name} (#{team.pk}) for {ns.month:%Y-%m} as {actor.username} "
        f"(time limit {ns.time_limit:g} s, seed {ns.seed})…",
        flush=True,
    )

    def on_progress(p: Progress) -> None:
        print(
            f"  {p.elapsed_s:7.1f} s  objective {p.objective:>10g}  bound {p.best_bound:>10g}"
            f"  ({p.solutions} rosters found)",
            flush=True,
        )

    try:
        roster = services.generate_draft_roster(
            actor=actor,
            team=team,
            month=ns.month,
            time_limit_s=ns.time_limit,
            seed=ns.seed,
            progress=on_progress,
        )
    except RecordInvalid as exc:
        for messages in exc.errors.values():
            for message in messages:
                print(f"error: {message}", file=sys.stderr)
        return 1
    except (PermissionDenied, Http404):
        return _fail(f"{actor.username} may not plan rosters of {team.name}")
    summary = roster.solver_summary
    print(f"Draft roster: {roster} (#{roster.pk})")
    print(
        f"  status {summary.get('status')}, objective {summary.get('objective')}"
        f"{' (proven optimal)' if summary.get('proven_optimal') else ''},"
        f" {summary.get('wall_time_s')} s"
    )
    print(
        f"  {summary.get('duties')} duties, {summary.get('assignments')} assignments,"
        f" {summary.get('members')} members, {len(roster.uncovered)} uncovered needs,"
        f" {len(roster.findings)} findings"
    )
    for name, value in sorted((summary.get("penalties") or {}).items()):
        if value:
            print(f"  penalty {name}: {value}")
    return 0 if summary.get("status") in ("optimal", "feasible") else 2


def cmd_sweep_missed(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.patrols.attendance import sweep_missed_duties

    result = sweep_missed_duties(dry_run=ns.dry_run)
    verb = "would open" if result.dry_run else "opened"
    for finding in result.opened:
        print(f"  {verb}: {finding.line()}")
    print(
        f"Missed-duty sweep{' (dry run, nothing written)' if result.dry_run else ''}: "
        f"{result.checked} duties past their grace checked, {len(result.opened)} {verb}"
        + ("" if result.dry_run else f", {result.notified_users} messages sent")
        + (f", {result.deferred} left for the next run (database busy)" if result.deferred else ""),
        flush=True,
    )
    return 0


def cmd_tallies(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.patrols import tallies

    if ns.rebuild:
        duties, logs = tallies.rebuild()
        print(f"Tallies recomputed: {duties} duties, {logs} patrol logs", flush=True)
        return 0
    found = tallies.stale(limit=20)
    print(
        f"Tallies differing from the records: {len(found.duties)} duties, "
        f"{len(found.logs)} patrol logs (at most 20 of each listed)",
        flush=True,
    )
    if found.duties:
        print("  duties: " + ", ".join(map(str, found.duties)))
    if found.logs:
        print("  patrol logs: " + ", ".join(map(str, found.logs)))
    if found:
        print("Run `shouwang tallies --rebuild` to recompute them.")
    return 1 if found else 0


def cmd_sweep_hazards(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.hazards.workflow import sweep_hazard_deadlines

    result = sweep_hazard_deadlines(dry_run=ns.dry_run)
    print(
        f"Hazard deadline sweep{' (dry run, nothing written)' if result.dry_run else ''}: "
        f"{len(result.warned)} yellow warnings, {len(result.supervised)} supervision notices, "
        f"{len(result.escalated)} escalations",
        flush=True,
    )
    return 0


def _moment(text: str) -> dt.datetime:
    """--now: an ISO date or date-time (the time zone is applied once Django is set up)."""
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO date or date-time: {text!r} (e.g. 2026-12-06T09:00)"
        ) from None


def cmd_sweep_cases(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.core.cases import run_sweeps, sweep_labels

    now: dt.datetime | None = ns.now
    if now is not None and now.tzinfo is None:  # without an offset: the township's time
        from zoneinfo import ZoneInfo

        from django.conf import settings

        now = now.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    labels = sweep_labels()
    results = run_sweeps(now=now, dry_run=ns.dry_run)
    suffix = " (dry run, nothing written)" if ns.dry_run else ""
    for name, counts in results.items():
        figures = ", ".join(f"{key} {value}" for key, value in counts.items()) or "nothing to do"
        print(f"{name} ({labels.get(name, name)}){suffix}: {figures}", flush=True)
    if not results:
        print("No case sweeps are registered.", flush=True)
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _print_counts(title: str, counts: dict[str, Any]) -> None:
    figures = ", ".join(f"{key} {value}" for key, value in counts.items())
    print(f"{title}: {figures}", flush=True)


def cmd_send_notifications(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.notify.delivery import send_due_deliveries

    _print_counts("Notifications sent", send_due_deliveries().counts())
    return 0


def cmd_remind_duties(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.notify import delivery
    from shouwang.notify.digests import remind_tomorrows_duties

    result = remind_tomorrows_duties(ns.today, dry_run=ns.dry_run)
    _print_counts("Duty reminders", result.counts())
    # Without a broker the messages go out from a thread of this process: let it finish.
    delivery.wait_for_sender()
    return 0


def cmd_daily_summary(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.notify import delivery
    from shouwang.notify.digests import send_daily_summary

    result = send_daily_summary(ns.day, dry_run=ns.dry_run)
    _print_counts("Daily summary", result.counts())
    delivery.wait_for_sender()
    return 0


def cmd_manage(ns: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shouwang manage", *ns.args])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shouwang",
        description="Shouwang (守望): grassroots community safety co-governance platform.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def serve_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default=os.environ.get("SHOUWANG_HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("SHOUWANG_PORT", "8000")))
        p.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
        p.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("SHOUWANG_WORKERS", "1")),
            help="worker processes; more than 1 serves with gunicorn (POSIX), 1 with waitress",
        )
        p.add_argument(
            "--access-log", action="store_true", help="log each request (gunicorn workers only)"
        )

    demo = sub.add_parser(
        "demo",
        help="migrate, load the demo township and serve it on http://127.0.0.1:8000",
        description="Create the database if needed, migrate, load the demo township (idempotent: "
        "running it again adds nothing twice), print the URLs and one login per role, then serve.",
    )
    serve_args(demo)
    demo.add_argument("--no-serve", action="store_true", help="load the demo and exit")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser(
        "serve",
        help="serve the application (waitress, or gunicorn with --workers N)",
        description="Serve Shouwang over HTTP: with the waitress WSGI server (one process), or "
        "with --workers N > 1 with gunicorn (N worker processes under a master that replaces "
        "any worker that dies; POSIX only). Put a TLS proxy in front in production; see "
        "docs/operations.md.",
    )
    serve_args(serve)
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser(
        "migrate",
        help="apply database migrations",
        description="Create or upgrade the database schema (DATABASE_URL; SQLite when unset) "
        "and seed the national code lists and built-in roles.",
    )
    migrate.add_argument("--quiet", action="store_true")
    migrate.set_defaults(func=cmd_migrate)

    createadmin = sub.add_parser(
        "createadmin",
        help="create a system administrator login",
        description="Create a system administrator. The password is asked for, or taken from "
        "SHOUWANG_ADMIN_PASSWORD for scripted installs.",
    )
    createadmin.add_argument("--username")
    createadmin.add_argument("--email")
    createadmin.set_defaults(func=cmd_createadmin)

    check = sub.add_parser(
        "check",
        help="run the system checks",
        description="Run Django's system checks; with --deploy, also the production security "
        "checks (use with SHOUWANG_ENV=production).",
    )
    check.add_argument("--deploy", action="store_true")
    check.set_defaults(func=cmd_check)

    roster = sub.add_parser(
        "roster",
        help="plan a team's month as a draft roster (prints progress)",
        description="Plan a team's month as a draft roster, as the web page does, here in the "
        "foreground: prints each better roster the solver finds (objective = weighted "
        "penalty, bound = the best still possible, elapsed seconds), then the summary. "
        "Re-planning a draft keeps hand assignments; published rosters are refused. "
        "Exit code 0: planned; 1: bad input or refused; 2: no roster satisfies the hard rules.",
    )
    roster.add_argument("--team", required=True, help="the team's number or exact name")
    roster.add_argument(
        "--month", required=True, type=_month, help="the month to plan, YYYY-MM (e.g. 2026-12)"
    )
    roster.add_argument(
        "--time-limit",
        type=_time_limit,
        default=10.0,
        help="solver time limit in seconds (default 10)",
    )
    roster.add_argument(
        "--seed", type=_seed, default=0, help="solver seed: same input and seed, same roster"
    )
    roster.add_argument(
        "--user", help="plan as this user (default: the first system administrator)"
    )
    roster.set_defaults(func=cmd_roster)

    sweep = sub.add_parser(
        "sweep-missed",
        help="open missed-duty items for duties that passed without a check-in or a log",
        description="Look at the duties of published rosters that ended in the last 35 days: "
        "a duty whose end plus the team's grace period has passed, with members assigned and "
        "no check-in or no handed-in patrol log, gets one missed-duty item, and the team "
        "leader and the township office are told once. Safe to run often and concurrently; "
        "run it every 15 minutes from cron or a systemd timer when there is no Celery beat.",
    )
    sweep.add_argument(
        "--dry-run", action="store_true", help="list what would be opened; write nothing"
    )
    sweep.set_defaults(func=cmd_sweep_missed)

    tallies = sub.add_parser(
        "tallies",
        help="check the dashboard tallies of duties and logs (--rebuild recomputes them)",
        description="Duties and patrol logs carry derived counts for the dashboards (covered, "
        "members rostered and on post, turnouts), kept by the services that change the "
        "records. Without options: list any that differ from the records (exit code 1). "
        "After changing records outside the application: --rebuild.",
    )
    tallies.add_argument("--rebuild", action="store_true", help="recompute every tally")
    tallies.set_defaults(func=cmd_tallies)

    sweep_hazards = sub.add_parser(
        "sweep-hazards",
        help="warn, supervise and escalate hazards near or past their deadline",
        description="Once a day: a yellow warning for hazards within their category's warning "
        "days of the deadline, a red supervision notice once overdue, and escalation to the "
        "team leader, the office and the county as the overdue working days grow. Each "
        "notice is sent once; safe to run again.",
    )
    sweep_hazards.add_argument(
        "--dry-run", action="store_true", help="list what would be sent; write nothing"
    )
    sweep_hazards.set_defaults(func=cmd_sweep_hazards)

    sweep_cases = sub.add_parser(
        "sweep-cases",
        help="the daily deadline sweep of every case kind (hazards, disputes, …)",
        description="Run the deadline sweep of every case kind (hazards: yellow warnings, red "
        "supervision notices, escalation; disputes and people of concern as they register), "
        "printing one line of counts per kind. Each sweep is idempotent: run it once a day "
        "from cron or a systemd timer when there is no Celery beat; running it again sends "
        "nothing twice.",
    )
    sweep_cases.add_argument(
        "--dry-run", action="store_true", help="count what would be done; write nothing"
    )
    sweep_cases.add_argument(
        "--now",
        type=_moment,
        help="sweep as of this moment (ISO date or date-time, township time when no offset), "
        "e.g. to catch up after an outage",
    )
    sweep_cases.set_defaults(func=cmd_sweep_cases)

    send = sub.add_parser(
        "send-notifications",
        help="send due group-robot and e-mail messages",
        description="Send every due outbound message (WeCom/DingTalk group robots, e-mail), "
        "retrying failed ones with backoff. Celery beat does this every minute; without a "
        "broker, run it from cron.",
    )
    send.set_defaults(func=cmd_send_notifications)

    remind = sub.add_parser(
        "remind-duties",
        help="tell members of tomorrow's duties",
        description="Each member on a published duty tomorrow gets one message (in-app, and "
        "e-mail when the login has an address); each team's channels get one list. Running "
        "it twice sends nothing twice.",
    )
    remind.add_argument("--today", type=_day, help="remind as if today were this date")
    remind.add_argument("--dry-run", action="store_true", help="count only; write nothing")
    remind.set_defaults(func=cmd_remind_duties)

    summary = sub.add_parser(
        "daily-summary",
        help="yesterday's figures to the work groups",
        description="Patrol logs, missed duties, hazards and disputes of one day, sent once "
        "to every channel that takes the daily summary.",
    )
    summary.add_argument("--day", type=_day, help="the day to sum up (default: yesterday)")
    summary.add_argument("--dry-run", action="store_true", help="count only; write nothing")
    summary.set_defaults(func=cmd_daily_summary)

    manage = sub.add_parser("manage", help="run any Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    return int(ns.func(ns) or 0)


if __name__ == "__main__":
    sys.exit(main())
