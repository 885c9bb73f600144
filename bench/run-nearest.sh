#!/usr/bin/env bash
# Nearest at city density (issue 15): ledgers of N pipes inside Settsu's real boundary
# (tools/gen_city_ledger.py: density grows with N, as in a city that digitises its whole
# network), k=5 nearest pipes for three point sets — inside the network, uniform over the
# city's extent box, 1–2 km outside the network — in process and over HTTP (wrk, 2 threads,
# 32 connections), with the server's peak RSS. Writes bench/out/results-nearest.md.
# Sizes: BENCH_CITY_SIZES (default "100000 1000000"). BIN: the build to measure.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SIZES=${BENCH_CITY_SIZES:-"100000 1000000"}
OUT=bench/out
mkdir -p "$OUT"
BIN=${BIN:-.build/release}
PORT=${BENCH_PORT:-18183}
DURATION=${BENCH_DURATION:-20s}
res="$OUT/results-nearest.md"
{
  echo "## Nearest at city density (issue 15)"
  echo
  echo "Pipes inside Settsu's real boundary (\`tools/gen_city_ledger.py\`), k=5, 2,000 points per set."
  echo
  echo "| pipes | points | in process p50 / p99 / max | HTTP req/s | HTTP p50 / p99 | serve peak RSS |"
  echo "|---:|---|---:|---:|---:|---:|"
} >"$res"
for n in $SIZES; do
  [ -f "$OUT/city-pipes-$n.geojson" ] || python3 tools/gen_city_ledger.py --pipes "$n" --out "$OUT" >&2
  db="$OUT/city-$n.sqlite"
  rm -f "$db"*
  "$BIN/machigis" ingest sewer_pipes "$OUT/city-pipes-$n.geojson" --srid 6674 --db "$db" >"$OUT/ingest-city-$n.log" 2>&1
  "$BIN/machigis" ingest manholes "$OUT/city-manholes-$n.geojson" --srid 6674 --db "$db" >>"$OUT/ingest-city-$n.log" 2>&1
  for set in inside extent outside; do
    pts="$OUT/city-points-$n-$set.txt"
    near=$("$BIN/machigis-bench" nearest --db "$db" --layers layers --queries 20000 --points "$pts")
    p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$near")
    p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$near")
    max=$(sed -E 's/.*max_ms=([0-9.]+).*/\1/' <<<"$near")
    start_server "$BIN/machigis" "$PORT" "$OUT/serve-city-$n.log" --db "$db"
    POINTS=$pts wrk -t2 -c32 -d5s -s bench/nearest.lua "http://127.0.0.1:$PORT" >/dev/null 2>&1 || true
    POINTS=$pts wrk -t2 -c32 -d"$DURATION" --latency -s bench/nearest.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-city-$n-$set.txt" 2>&1
    rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$SERVER_PID/status")
    stop_server
    wrk_summary "$OUT/wrk-city-$n-$set.txt"
    echo "| $n | $set | $p50 / $p99 / $max ms | $rps $errs | $w50 / $w99 | $rss MB |" >>"$res"
    echo "city $n $set: $near; http $rps req/s $w50 / $w99; rss $rss MB" >&2
  done
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$db"*
done
