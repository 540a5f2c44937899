#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 for the tests and print the
# ODBC connection string (psqlODBC) the tests read from LEOSTATA_TEST_PG_ODBC.
# Usage: eval "$(bash scripts/start-postgres.sh)"
set -euo pipefail
PORT="${LEOSTATA_PG_PORT:-54329}"
DIR="${LEOSTATA_PG_DIR:-/tmp/leostata-pg-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
# On any failure: the reason and the log that tells why (the server log unless
# initdb failed) on stderr, a line for `eval` that says so, and a nonzero exit
# (scripts/test.sh stops on it).  Usage: fail MESSAGE [LOG]
fail() {
  local log="${2:-$DIR/server.log}"
  echo "start-postgres.sh: $1" >&2
  if [ -s "$log" ]; then echo "---- $log (last 60 lines)" >&2; tail -n 60 "$log" >&2; fi
  echo "echo 'PostgreSQL did not start: $1' >&2; false"
  exit 1
}
[ -x "$BIN/initdb" ] || fail "PostgreSQL server binaries not found" /dev/null
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
ready() { as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U leo -d leostata_test -qAtc "SELECT 1" >/dev/null 2>&1; }
if ! ready; then
  # not answering: stop whatever is left of an earlier run (or a stale pid file), start afresh
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"; mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  as_pg "$BIN/initdb" -D "$DIR/data" -U leo --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log" 2>&1 || fail "initdb failed" "$DIR/initdb.log"
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null 2>&1 \
    || fail "pg_ctl start failed"
  as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U leo -d postgres -qc "CREATE DATABASE leostata_test" \
    >/dev/null 2>&1 || fail "could not create the database leostata_test"
  ready || fail "the server does not answer on 127.0.0.1:$PORT"
fi
echo "export LEOSTATA_TEST_PG_ODBC='DRIVER={PostgreSQL Unicode};SERVER=127.0.0.1;PORT=$PORT;DATABASE=leostata_test;UID=leo;UseDeclareFetch=1;Fetch=10000'"
