#!/usr/bin/env bash
# Election benchmarks (issue 4): build-districts dissolving 5,000 small areas into 100 districts
# (target < 2 s), and the turnout GeoJSON of 100 districts over HTTP (target < 50 ms).
# Writes bench/out/results-elections.md. BENCH_BIN overrides the binary folder (.build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
OUT=bench/out
mkdir -p "$OUT"
BIN=${BENCH_BIN:-.build/release}
PORT=${BENCH_ELECTIONS_PORT:-18183}
AREAS=${BENCH_AREAS:-5000}
DISTRICTS=${BENCH_DISTRICTS:-100}
src=$OUT/elections-input
python3 bench/gen_elections.py --areas "$AREAS" --districts "$DISTRICTS" --out "$src" >/dev/null
db=$OUT/elections.sqlite
rm -f "$db"*
"$BIN/machigis" init --db "$db" 2>/dev/null

# build-districts: three runs, median; wall clock of the whole command and the builder's own time.
walls=()
inner=()
for run in 1 2 3; do
  /usr/bin/time -f "%e %M" -o "$OUT/time-build" "$BIN/machigis" elections build-districts --db "$db" \
    --areas "$src/areas.geojson" --area-key key --mapping "$src/mapping.csv" 2>"$OUT/build-districts.log" ||
    { cat "$OUT/build-districts.log" >&2; exit 1; }
  read -r wall rss <"$OUT/time-build"
  walls+=("$wall")
  inner+=("$(sed -nE 's/.*overlap\(s\), ([0-9.]+) s — written.*/\1/p' "$OUT/build-districts.log")")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
build_wall=$(median "${walls[@]}")
build_inner=$(median "${inner[@]}")
summary=$(tail -1 "$OUT/build-districts.log")

"$BIN/machigis" elections add bench --name ベンチマーク選挙 --date 2025-07-20 --db "$db" 2>/dev/null
"$BIN/machigis" elections import-turnout bench "$src/turnout.csv" --db "$db" 2>/dev/null
"$BIN/machigis" elections publish bench --db "$db" 2>/dev/null
start_server "$BIN/machigis" "$PORT" "$OUT/serve-elections.log" --db "$db"
trap stop_server EXIT
url="http://127.0.0.1:$PORT/api/elections/bench/turnout.geojson"
bytes=$(curl -fs "$url?method=jenks" | wc -c)
# Sequential requests, one at a time: the latency a person clicking in the page sees.
latency() {
  for _ in $(seq 1 20); do curl -fs -o /dev/null "$1"; done
  for _ in $(seq 1 200); do curl -fs -o /dev/null -w '%{time_total}\n' "$1"; done | sort -n |
    awk '{v[NR] = $1 * 1000} END {printf "%.1f / %.1f ms", v[int(NR * 0.5)], v[int(NR * 0.99)]}'
}
q=$(latency "$url?method=quantile")
j=$(latency "$url?method=jenks&classes=7")
wrk -t2 -c8 -d10s --latency "$url?method=jenks" >"$OUT/wrk-elections.txt" 2>&1
stop_server
trap - EXIT
wrk_summary "$OUT/wrk-elections.txt"
{
  echo "## Elections (issue 4)"
  echo
  echo "| measure | result | target |"
  echo "|---|---:|---:|"
  echo "| build-districts: $AREAS small areas → $DISTRICTS districts (GEOS union, overlap and gap checks, write), median of 3: whole command / builder | ${build_wall} s / ${build_inner} s | < 2 s |"
  echo "| turnout GeoJSON, $DISTRICTS districts ($((bytes / 1024)) KiB), sequential HTTP requests, p50 / p99: quantile, 5 classes | $q | < 50 ms |"
  echo "| the same, Jenks, 7 classes | $j | < 50 ms |"
  echo "| the same under load (wrk 2 threads, 8 connections, 10 s): req/s, p50 / p99 | $rps, $w50 / $w99 | |"
  echo
  echo "build-districts: \`$summary\`; peak RSS of the last run $((rss / 1024)) MB."
} >"$OUT/results-elections.md"
rm -f "$db"*
echo "elections: build ${build_wall} s (builder ${build_inner} s); turnout ${q} (quantile), ${j} (jenks); ${rps} req/s" >&2
