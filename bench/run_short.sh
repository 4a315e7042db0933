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
