#!/usr/bin/env bash
# OGC API – Features and vector tile benchmarks (issue 5): items in a 300 m bbox with limit=100
# over HTTP (wrk, 2 threads, 32 connections), tile generation p50 / p99 for a dense z16 and a
# z14 tile (in process), and a full export of the Settsu sample at z10–z18.
# Writes bench/out/results-ogc.md. Sizes: BENCH_SIZES (default "10000 100000 1000000").
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
bench_build
PORT=${BENCH_PORT:-18183}
res="$OUT/results-ogc.md"

# PostGIS 3 (bench only, `make bench-deps`): a private server on a Unix socket in a scratch
# folder, run as the postgres user, so the system cluster is never touched.
PGBIN=/usr/lib/postgresql/15/bin
pg=""
if [ -x "$PGBIN/initdb" ] && [ -f /usr/share/postgresql/15/extension/postgis.control ] && id postgres >/dev/null 2>&1; then
  pg=$(mktemp -d)
  chown postgres "$pg"
  runuser -u postgres -- "$PGBIN/initdb" -D "$pg/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pg/data" -o "-p 5499 -k $pg -c listen_addresses= -c shared_buffers=256MB -c jit=off" \
    -l "$pg/log" start -w >/dev/null
  trap 'runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pg/data" stop -m fast >/dev/null 2>&1; rm -rf "$pg"' EXIT
  psql -h "$pg" -p 5499 -U postgres -qAt -c "CREATE EXTENSION postgis" >/dev/null
fi
# ST_AsMVT timing of one tile, the way PostGIS tile servers build it: index filter on the
# stored (plane CS) geometry, transform, clip with a 64-unit buffer, all attributes.
postgis_tile() {  # z x y runs → "features, bytes, p50 / p99 ms"
  local z=$1 x=$2 y=$3 runs=$4 q f
  q="WITH b AS (SELECT ST_TileEnvelope($z, $x, $y) AS env, ST_Transform(ST_TileEnvelope($z, $x, $y, margin => 64.0 / 4096), 6674) AS q)
     SELECT length(ST_AsMVT(t, 'sewer_pipes', 4096, 'geom')) FROM (
       SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.env, 4096, 64, true) AS geom, p.pipe_no, p.system, p.diameter_mm,
              p.material, p.install_year, p.upstream_mh, p.downstream_mh
       FROM pipes p, b WHERE p.geom && b.q) t WHERE geom IS NOT NULL;"
  f=$(psql -h "$pg" -p 5499 -U postgres -qAt -c "WITH b AS (SELECT ST_TileEnvelope($z, $x, $y) AS env, ST_Transform(ST_TileEnvelope($z, $x, $y, margin => 64.0 / 4096), 6674) AS q)
     SELECT count(*) FROM pipes p, b WHERE p.geom && b.q AND ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.env, 4096, 64, true) IS NOT NULL")
  { echo '\timing on'; for _ in $(seq 1 $((runs + 5))); do echo "$q"; done; } >"$OUT/pg-tile.sql"
  psql -h "$pg" -p 5499 -U postgres -qAt -f "$OUT/pg-tile.sql" >"$OUT/pg-tile.out"
  python3 - "$OUT/pg-tile.out" "$f" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
sizes = [l for l in lines if l.isdigit()]
# The first five queries warm the cache (each prints its result and its time).
times = sorted(float(m.group(1)) for m in (re.match(r"Time: ([0-9.]+) ms", l) for l in lines[10:]) if m)
print(f"{sys.argv[2]}, {sizes[-1]} B, {times[len(times) // 2]:.2f} / {times[min(len(times) - 1, int(len(times) * 0.99))]:.2f} ms")
PY
}

{
  echo "## OGC API – Features and vector tiles (issue 5)"
  echo
  echo "| pipes | items, 300 m bbox, limit=100 (wrk 2 threads, 32 conn) req/s | p50 / p99 | mean features per page | dense z16 tile: features, bytes, p50 / p99 | PostGIS ST_AsMVT, same z16 tile | z14 tile: features, bytes, p50 / p99 | PostGIS ST_AsMVT, same z14 tile |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$res"

for n in $SIZES; do
  bench_source "$BIN" "$n"
  db="$OUT/ogc-$n.sqlite"; rm -f "$db"*
  "$BIN/machigis" ingest sewer_pipes "$src" --db "$db" --layers bench/layers 2>"$OUT/ogc-ingest-$n.log"
  t16=$("$BIN/machigis-bench" tiles --db "$db" --layers bench/layers --zoom 16 --runs 200)
  t14=$("$BIN/machigis-bench" tiles --db "$db" --layers bench/layers --zoom 14 --runs 50)
  fmt() { sed -E 's/.*features=([0-9]+) bytes=([0-9]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+).*/\1, \2 B, \3 \/ \4 ms/' <<<"$1"; }
  pg16="not run"; pg14="not run"
  if [ -n "$pg" ]; then
    psql -h "$pg" -p 5499 -U postgres -qAt -c "DROP TABLE IF EXISTS pipes" >/dev/null 2>&1
    ogr2ogr -f PostgreSQL "PG:host=$pg port=5499 user=postgres dbname=postgres" "$src" -nln pipes -lco GEOMETRY_NAME=geom \
      -t_srs EPSG:6674 -nlt LINESTRING --config PG_USE_COPY YES 2>/dev/null
    psql -h "$pg" -p 5499 -U postgres -qAt -c "VACUUM ANALYZE pipes" >/dev/null
    read -r z x y < <(sed -E 's/.*tile=([0-9]+)\/([0-9]+)\/([0-9]+).*/\1 \2 \3/' <<<"$t16")
    pg16=$(postgis_tile "$z" "$x" "$y" 200)
    read -r z x y < <(sed -E 's/.*tile=([0-9]+)\/([0-9]+)\/([0-9]+).*/\1 \2 \3/' <<<"$t14")
    pg14=$(postgis_tile "$z" "$x" "$y" 50)
  fi
  start_server "$BIN/machigis" "$PORT" "$OUT/serve-ogc-$n.log" --db "$db" --layers bench/layers
  # Mean page size over a few sample boxes, so the request rate can be read against the work per request.
  mean=$(SPREAD=$spread PORT=$PORT python3 - <<'PY'
import json, os, random, urllib.request
random.seed(1)
s, port, total = int(os.environ["SPREAD"]), os.environ["PORT"], 0
for _ in range(50):
    lon = 135.566 + random.uniform(-1, 1) * s / 91600
    lat = 34.776 + random.uniform(-1, 1) * s / 110950
    dx, dy = 150 / 91600, 150 / 110950
    url = f"http://127.0.0.1:{port}/ogc/collections/sewer_pipes/items?bbox={lon-dx},{lat-dy},{lon+dx},{lat+dy}&limit=100"
    total += json.load(urllib.request.urlopen(url))["numberReturned"]
print(round(total / 50, 1))
PY
)
  SPREAD_M=$spread wrk -t2 -c32 -d5s -s bench/ogc_items.lua "http://127.0.0.1:$PORT" >/dev/null 2>&1 || true
  SPREAD_M=$spread wrk -t2 -c32 -d20s --latency -s bench/ogc_items.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-ogc-$n.txt" 2>&1
  stop_server
  wrk_summary "$OUT/wrk-ogc-$n.txt"
  echo "| $n | $rps $errs | $w50 / $w99 | $mean | $(fmt "$t16") | $pg16 | $(fmt "$t14") | $pg14 |" >>"$res"
  echo "done $n: items $rps req/s; z16 $t16 (PostGIS $pg16); z14 $t14 (PostGIS $pg14)" >&2
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$db"*
done

# Issue 15: a dense city centre, 26,000 pipes on a 15 m street grid (~1.7 km square, about what
# the densest z14 tile of a 100k-pipe Settsu holds): tiles at z14–z16 over its middle with the
# byte budget, the same tiles unbudgeted and from PostGIS ST_AsMVT, and the largest tile at z10–z18.
dense="bench/out/pipes-dense-26000.geojson"
[ -f "$dense" ] || "$BIN/machigis-bench" generate --pipes 26000 --spacing 15 --out "$dense" >/dev/null
db="$OUT/ogc-dense.sqlite"; rm -f "$db"*
"$BIN/machigis" ingest sewer_pipes "$dense" --db "$db" --layers bench/layers 2>"$OUT/ogc-ingest-dense.log"
if [ -n "$pg" ]; then
  psql -h "$pg" -p 5499 -U postgres -qAt -c "DROP TABLE IF EXISTS pipes" >/dev/null 2>&1
  ogr2ogr -f PostgreSQL "PG:host=$pg port=5499 user=postgres dbname=postgres" "$dense" -nln pipes -lco GEOMETRY_NAME=geom \
    -t_srs EPSG:6674 -nlt LINESTRING --config PG_USE_COPY YES 2>/dev/null
  psql -h "$pg" -p 5499 -U postgres -qAt -c "VACUUM ANALYZE pipes" >/dev/null
fi
{
  echo
  echo "### Dense centre: 26,000 pipes, 15 m grid (issue 15)"
  echo
  echo "| zoom | MachiGIS (500 KB budget): features, bytes, p50 / p99, dropped | unbudgeted | PostGIS ST_AsMVT, same tile |"
  echo "|---:|---:|---:|---:|"
} >>"$res"
for z in 14 15 16; do
  b=$("$BIN/machigis-bench" tiles --db "$db" --layers bench/layers --zoom "$z" --runs 50)
  u=$("$BIN/machigis-bench" tiles --db "$db" --layers bench/layers --zoom "$z" --runs 50 --unbudgeted)
  pgz="not run"
  if [ -n "$pg" ]; then
    read -r tz tx ty < <(sed -E 's/.*tile=([0-9]+)\/([0-9]+)\/([0-9]+).*/\1 \2 \3/' <<<"$b")
    pgz=$(postgis_tile "$tz" "$tx" "$ty" 50)
  fi
  dfmt() { sed -E 's/.*features=([0-9]+) bytes=([0-9]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) dropped=([0-9]+).*/\1, \2 B, \3 \/ \4 ms, \5 dropped/' <<<"$1"; }
  echo "| $z | $(dfmt "$b") | $(dfmt "$u") | $pgz |" >>"$res"
  echo "dense z$z: $b (unbudgeted $u; PostGIS $pgz)" >&2
done
largest=$("$BIN/machigis-bench" tiles --db "$db" --layers bench/layers --zoom 14 --largest)
echo >>"$res"
echo "Largest tile of the dense ledger at z10–z18 (every tile with data): $(sed -E 's/largest_bytes=([0-9]+) tiles=([0-9]+) dropped=([0-9]+) budget=([0-9]+)/\1 B of a \4 B budget over \2 tiles, \3 features left out in all/' <<<"$largest")." >>"$res"
rm -f "$db"*

# Static export of the shipped Settsu sample (pipes and manholes), z10–z18.
db="$OUT/ogc-sample.sqlite"; rm -f "$db"*
"$BIN/machigis" ingest sewer_pipes layers/sample/sewer_pipes.geojson --db "$db" 2>/dev/null
"$BIN/machigis" ingest manholes layers/sample/manholes.geojson --db "$db" 2>/dev/null
rm -rf "$OUT/tiles-sample"
/usr/bin/time -f "%e %M" -o "$OUT/time-export" "$BIN/machigis" tiles export --db "$db" --layers sewer_pipes,manholes \
  --minzoom 10 --maxzoom 18 --out "$OUT/tiles-sample" --mbtiles "$OUT/tiles-sample.mbtiles" 2>"$OUT/export.log"
read -r t_exp rss_exp <"$OUT/time-export"
summary=$(tail -1 "$OUT/export.log")
{
  echo
  echo "Static export of the Settsu sample ($(sqlite3 "$db" 'SELECT count(*) FROM sewer_pipes') pipes, $(sqlite3 "$db" 'SELECT count(*) FROM manholes') manholes), \`machigis tiles export --minzoom 10 --maxzoom 18\` with \`--mbtiles\`: ${t_exp} s wall, peak RSS $((rss_exp/1024)) MB — ${summary#*: }."
  echo
  echo "Tiles are generated from SpatiaLite on each request (no tile cache); a 304 answer to \`If-None-Match\` costs one small query."
  echo "Tile times are in process (machigis-bench tiles: query, reprojection, clipping, encoding); PostGIS times are psql's for"
  echo "\`ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z, x, y), 4096, 64))\` over the same pipes, stored in EPSG:6674"
  echo "with a GiST index, on a private PostgreSQL 15 / PostGIS 3.3 in the same run (\"not run\" when PostGIS is not installed)."
  echo "The benchmark grid has one pipe every 35 m, so its densest z16 tile holds ~500 pipes at any size. tipg and pygeoapi were not"
  echo "run; the issue quotes ~68 and ~26 items requests/s for them at 1M pipes on this class of machine."
} >>"$res"
rm -f "$db"*
echo "wrote $res" >&2
