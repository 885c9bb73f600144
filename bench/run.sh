#!/usr/bin/env bash
# Sewer-ledger benchmarks: ingest vs ogr2ogr, in-process nearest, nearest over HTTP with wrk.
# Writes bench/out/results-sewer.md and assembles BENCHMARKS.md. Sizes: BENCH_SIZES (default "10000 100000 1000000").
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
OUT=bench/out
mkdir -p "$OUT"
swift build -c release --product machigis-bench >/dev/null
swift build -c release --product machigis >/dev/null
BIN=.build/release
PORT=${BENCH_PORT:-18181}
res="$OUT/results-sewer.md"
{
  echo "## Sewer ledger (issue 2)"
  echo
  echo "| pipes | MachiGIS ingest (features/s) | peak RSS | ogr2ogr -f SQLite SPATIALITE=YES (features/s) | peak RSS | ratio | nearest k=5 in process p50 / p99 | HTTP nearest (wrk 2 threads, 32 conn) req/s | p50 / p99 |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$res"

for n in $SIZES; do
  bench_source "$BIN" "$n"
  db="$OUT/machigis-$n.sqlite"; rm -f "$db"*
  "$BIN/machigis" init --db "$db" --layers bench/layers 2>/dev/null
  /usr/bin/time -f "%e %M" -o "$OUT/time-ingest" "$BIN/machigis" ingest sewer_pipes "$src" --db "$db" --layers bench/layers 2>"$OUT/ingest-$n.log"
  read -r t_ing rss_ing <"$OUT/time-ingest"
  ogr="$OUT/ogr-$n.sqlite"; rm -f "$ogr"
  /usr/bin/time -f "%e %M" -o "$OUT/time-ogr" ogr2ogr -f SQLite -dsco SPATIALITE=YES "$ogr" "$src" 2>/dev/null
  read -r t_ogr rss_ogr <"$OUT/time-ogr"
  rm -f "$ogr"
  near=$("$BIN/machigis-bench" nearest --db "$db" --layers bench/layers --queries 20000 --spread "$spread")
  p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$near"); p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$near")
  start_server "$BIN/machigis" "$PORT" "$OUT/serve-$n.log" --db "$db" --layers bench/layers
  SPREAD_M=$spread wrk -t2 -c32 -d5s -s bench/nearest.lua "http://127.0.0.1:$PORT" >/dev/null 2>&1 || true
  SPREAD_M=$spread wrk -t2 -c32 -d20s --latency -s bench/nearest.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-$n.txt" 2>&1
  stop_server
  wrk_summary "$OUT/wrk-$n.txt"
  fps=$(python3 -c "print(round($n/$t_ing))"); ofps=$(python3 -c "print(round($n/$t_ogr))")
  ratio=$(python3 -c "print(f'{$t_ogr/$t_ing:.2f}×')")
  echo "| $n | $fps (${t_ing} s) | $((rss_ing/1024)) MB | $ofps (${t_ogr} s) | $((rss_ogr/1024)) MB | $ratio | ${p50} / ${p99} ms | $rps $errs | $w50 / $w99 |" >>"$res"
  echo "done $n: ingest ${t_ing}s vs ogr2ogr ${t_ogr}s; nearest $near; http $rps req/s" >&2
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$db"*
done
bench/run-nearest.sh
bench/run-parking.sh
bench/run-ogc.sh
bench/run-mixed.sh
BENCH_BIN=.build/release bench/run-filters.sh
bench/run-elections.sh
bench/report.sh
