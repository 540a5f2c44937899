#!/usr/bin/env bash
# Install leostata into .venv and run the demo on the embedded synthetic
# database (the README's first command).  Needs Python 3.10+ and unixODBC's
# runtime library for pyodbc (Debian: apt-get install unixodbc).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ldconfig -p 2>/dev/null | grep -q libodbc.so.2; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq unixodbc >/dev/null
fi
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q .
.venv/bin/leostata demo
