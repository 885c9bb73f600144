#!/usr/bin/env bash
# Real GIS clients against the debug server on a scratch store with the sample layers:
# GDAL (OAPIF driver, ogr2ogr to GeoPackage, MVT driver on an exported pyramid and MBTiles),
# owslib's OGC API – Features client and the mapbox-vector-tile decoder (pytest).
# Every expected number is computed from the store with SpatiaLite or read from the API.
set -euo pipefail
cd "$(dirname "$0")/../.."
port=${CLIENT_TEST_PORT:-18090}
bin=${MACHIGIS_BIN:-.build/debug/machigis}
venv=.venv-clients
. tools/server.sh
tmp=$(mktemp -d)
SERVER_PID=
trap 'stop_server; rm -rf "$tmp"' EXIT
db=$tmp/t.sqlite

# Debian's python3 (not a pyenv one): its sqlite3 loads mod_spatialite and it brings python3-pytest.
if ! grep -qs '^home = /usr/bin' "$venv/pyvenv.cfg"; then
  rm -rf "$venv"
  /usr/bin/python3 -m venv "$venv" --system-site-packages
fi
"$venv/bin/python" -c 'import owslib, mapbox_vector_tile' 2>/dev/null ||
  "$venv/bin/pip" install -q --disable-pip-version-check owslib mapbox-vector-tile

tools/load-samples.sh "$bin" "$db" 2>"$tmp/load.log" || { cat "$tmp/load.log"; exit 1; }
"$bin" user add douro1 --role road_traffic --db "$db" >/dev/null 2>&1
token=$("$bin" token create douro1 --db "$db" 2>/dev/null)
"$bin" tiles export --db "$db" --layers sewer_pipes,manholes --minzoom 14 --maxzoom 16 --out "$tmp/tiles" \
  --mbtiles "$tmp/tiles.mbtiles" 2>"$tmp/export.log" || { cat "$tmp/export.log"; exit 1; }
# Static tiles have no access control: a staff layer must be refused unless asked for.
if "$bin" tiles export --db "$db" --layers parking_incidents --minzoom 14 --maxzoom 14 --out "$tmp/staff-tiles" 2>"$tmp/staff.log"; then
  echo "tiles export wrote the staff-only parking layer without --include-staff-layers"; exit 1
fi
grep -q "staff-only" "$tmp/staff.log" || { echo "no clear refusal:"; cat "$tmp/staff.log"; exit 1; }
[ ! -e "$tmp/staff-tiles" ] || { echo "refused export still wrote $tmp/staff-tiles"; exit 1; }
start_server "$bin" "$port" "$tmp/server.log" --db "$db"

MACHIGIS_URL=http://127.0.0.1:$port MACHIGIS_DB=$db MACHIGIS_TILES=$tmp/tiles MACHIGIS_MBTILES=$tmp/tiles.mbtiles \
  MACHIGIS_TOKEN=$token MACHIGIS_WORK=$tmp \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/clients || { tail -30 "$tmp/server.log"; exit 1; }
