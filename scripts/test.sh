#!/usr/bin/env bash
# Install everything the tests need and run them all (the README's second
# command; .ci/run calls it).  Needs root or sudo for the Debian packages:
# unixODBC, the psqlODBC driver and a PostgreSQL server (started on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
need=""
for pkg in unixodbc odbc-postgresql postgresql; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
PY="${PYTHON:-python3}"
"$PY" -c "import ensurepip, venv" 2>/dev/null || need="$need python3-venv"
if [ -n "$need" ]; then
  echo "== installing Debian packages:$need"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
echo "== starting PostgreSQL on 127.0.0.1 (psqlODBC path)"
# Stop here, with the server log (start-postgres.sh prints it), when the server
# does not start: never run the suite to watch the PostgreSQL tests fail one
# by one.  (`eval "$(...)"` alone would hide the failure.)
if ! pg_env="$(bash scripts/start-postgres.sh)"; then
  echo "== PostgreSQL did not start (server log above): stopping" >&2
  exit 1
fi
eval "$pg_env"
export LEOSTATA_REQUIRE_PG=1
echo "== installing leostata and its test dependencies into .venv"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "== checking the layering (import-linter: imports point down the data flow; only bridge imports sfi)"
.venv/bin/lint-imports --config setup.cfg
echo "== running the tests"
export LEOSTATA_HOME="$(mktemp -d)"   # never touch the user's config or data folder
.venv/bin/python -m pytest "$@"
