#!/usr/bin/env bash
# Short roster benchmark (run by .ci/run): instances 1-3 of the Shift Scheduling Benchmark at
# 10 s per instance and solver, engine beside the textbook baseline.  Exits non-zero only if
# the independent checker finds a bug or an instance gets no feasible roster; the ratio
# targets are printed, not enforced.  Full mode: see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=.venv/bin/python
[[ -x $PYTHON ]] || PYTHON=python3.11
"$PYTHON" bench/roster/run.py --time-limit 10 --instances 1-3 "$@"
# County benchmark, short: 3 small townships through Celery workers on Redis (1, then 2).
"$PYTHON" bench/county/run.py --short
# Sync benchmark, short: 50 phones × 4 logs with photos (each phone's logs in one batch, as
# the app sends them) against gunicorn (2 workers) on a throw-away PostgreSQL database, one
# worker SIGKILLed part-way; exits non-zero if a record the phones were told was saved is lost
# or stored twice.
SYNC_DB=$(bash scripts/ci_postgres.sh create)
sync_status=0
"$PYTHON" bench/sync/run.py --phones 50 --logs-per-phone 4 --batch 4 --database-url "$SYNC_DB" ||
    sync_status=$?
bash scripts/ci_postgres.sh drop "$SYNC_DB"
[[ $sync_status -eq 0 ]] || exit "$sync_status"
# Reports benchmark, short: a one-township data set (scale 0.005: 12 villages, 100 members, a
# year of duties and patrol logs …) on a throw-away PostgreSQL database; the county dashboard
# and the township's monthly report beside their one-query SQL baselines. Exits non-zero if a
# figure differs from the baseline's; the speed targets are printed, not enforced.
REPORTS_DB=$(bash scripts/ci_postgres.sh create)
reports_status=0
"$PYTHON" bench/reports/run.py --scale 0.005 --repeat 2 --database-url "$REPORTS_DB" ||
    reports_status=$?
bash scripts/ci_postgres.sh drop "$REPORTS_DB"
[[ $reports_status -eq 0 ]] || exit "$reports_status"
