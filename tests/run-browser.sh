#!/usr/bin/env bash
# Starts the debug server on a scratch store with the sample layers and staff accounts,
# then drives the pages with headless Chromium (pytest + Selenium).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${TEST_PORT:-18080}
bin=.build/debug/machigis
. tools/server.sh
tmp=$(mktemp -d)
SERVER_PID=
trap 'stop_server; rm -rf "$tmp"' EXIT
db=$tmp/t.sqlite
tools/load-samples.sh "$bin" "$db" 2>"$tmp/load.log" || { cat "$tmp/load.log"; exit 1; }
export MACHIGIS_PARKING_USER=traffic1
MACHIGIS_PARKING_PASSWORD=$("$bin" user add traffic1 --role road_traffic --db "$db" 2>/dev/null)
export MACHIGIS_PARKING_PASSWORD
export MACHIGIS_ELECTION_USER=senkyo1
MACHIGIS_ELECTION_PASSWORD=$("$bin" user add senkyo1 --role election --db "$db" 2>/dev/null)
export MACHIGIS_ELECTION_PASSWORD
start_server "$bin" "$port" "$tmp/server.log" --db "$db"
MACHIGIS_URL=http://127.0.0.1:$port /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/browser || { tail -50 "$tmp/server.log"; exit 1; }
