"""The `shouwang` command line.

shouwang demo         create the database, load the demo township, serve it
shouwang serve        serve the application (waitress)
shouwang migrate      apply database migrations
shouwang createadmin  create a system administrator login
shouwang check        run the system checks (add --deploy for production settings)
shouwang manage …     any Django management command
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence


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
    from waitress import serve

    from shouwang.config.wsgi import application

    if settings.PRODUCTION:
        _manage("collectstatic", "--noinput", "--verbosity", "0")
    print(f"Shouwang serving on http://{ns.host}:{ns.port}/  (Ctrl+C to stop)", flush=True)
    serve(application, host=ns.host, port=ns.port, threads=ns.threads, ident="shouwang")
    return 0


def cmd_demo(ns: argparse.Namespace) -> int:
    _setup()
    from shouwang.demo.township import DEMO_PASSWORD, load_demo

    print("Migrating the database…", flush=True)
    _manage("migrate", "--noinput", "--verbosity", "0")
    print("Loading the demo township (栗子乡)…", flush=True)
    logins = load_demo()
    base = f"http://{ns.host}:{ns.port}"
    print()
    print("Shouwang demo township is ready.")
    print(f"  Pages:     {base}/")
    print(f"  Map:       {base}/map/")
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
        p.add_argument("--threads", type=int, default=8)

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
        help="serve the application with waitress",
        description="Serve Shouwang over HTTP with the waitress WSGI server. Put a TLS proxy "
        "in front in production.",
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

    manage = sub.add_parser("manage", help="run any Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    return int(ns.func(ns) or 0)


if __name__ == "__main__":
    sys.exit(main())
