#!/usr/bin/env bash
# Throw-away PostgreSQL databases for CI.
#
#   scripts/ci_postgres.sh [create]   make sure PostgreSQL answers on 127.0.0.1:5432, create a
#                                     fresh database shouwang_ci_<epoch>_<random> and print its
#                                     DATABASE_URL (the only line written to stdout)
#   scripts/ci_postgres.sh drop NAME  drop NAME and pytest-django's test_NAME (NAME may also be
#                                     the whole DATABASE_URL)
#
# Logs go to stderr. Only databases named shouwang_ci_* are ever dropped.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
ADMIN_DB="test" # maintenance database we connect to (falls back to "postgres")
NAME_RE='^shouwang_ci_[0-9]+_[0-9a-f]+$'

log() { printf 'ci_postgres: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

ensure_running() {
    if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
        return 0
    fi
    local version
    # shellcheck disable=SC2012  # version directories are plain numbers
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
    [[ -n "$version" ]] || die "PostgreSQL is not answering and no cluster is configured in /etc/postgresql"
    log "PostgreSQL $version not answering on $PG_HOST:$PG_PORT; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 ||
        log "pg_ctlcluster exited with $?; waiting for the server anyway"
    local i
    for ((i = 0; i < 30; i++)); do
        if pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
            log "PostgreSQL is up"
            return 0
        fi
        sleep 1
    done
    die "PostgreSQL did not answer on $PG_HOST:$PG_PORT within 30 s"
}

psql_admin() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$ADMIN_DB" "$@" </dev/null
}

pick_admin_db() {
    if ! psql_admin -c 'SELECT 1' >/dev/null 2>&1; then
        log "cannot connect to database '$ADMIN_DB'; using 'postgres' instead"
        ADMIN_DB=postgres
        psql_admin -c 'SELECT 1' >/dev/null || die "cannot connect to PostgreSQL as $PG_USER"
    fi
}

create() {
    ensure_running
    pick_admin_db
    local suffix name
    suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
    name="shouwang_ci_$(date +%s)_${suffix}"
    log "creating database $name"
    psql_admin -c "CREATE DATABASE \"$name\" OWNER \"$PG_USER\" ENCODING 'UTF8' TEMPLATE template0" >&2
    printf 'postgres://%s@%s:%s/%s\n' "$PG_USER" "$PG_HOST" "$PG_PORT" "$name"
}

drop() {
    local name=${1##*/} # accept a bare name or a whole DATABASE_URL
    name=${name%%\?*}
    [[ "$name" =~ $NAME_RE ]] || die "refusing to drop '$name': not a shouwang_ci_* database"
    ensure_running
    pick_admin_db
    local db found=0
    # NAME itself, pytest-django's test_NAME and, with pytest-xdist, test_NAME_gwN.
    while IFS= read -r db; do
        [[ -n "$db" ]] || continue
        found=1
        log "dropping database $db"
        psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >&2
    done < <(psql_admin -At -c "SELECT datname FROM pg_database
                               WHERE datname ~ '^(test_)?${name}(_gw[0-9]+)?\$'")
    ((found)) || log "nothing to drop for $name"
}

case "${1:-create}" in
create)
    [[ $# -le 1 ]] || die "usage: $0 [create]"
    create
    ;;
drop)
    [[ $# -eq 2 ]] || die "usage: $0 drop NAME"
    drop "$2"
    ;;
-h | --help)
    sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
    ;;
*)
    die "unknown sub-command '$1' (use: create, drop NAME)"
    ;;
esac
