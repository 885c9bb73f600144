# Shared by the benchmark scripts: the server helpers, wrk's summary and the synthetic
# ledgers. Source it from a script that has `set -euo pipefail`.
. tools/server.sh

# wrk_summary FILE — sets rps, w50, w99 (latency percentiles; needs --latency) and errs.
wrk_summary() {
  rps=$(awk '/Requests\/sec/ {print $2}' "$1")
  w50=$(awk '$1=="50%" {print $2}' "$1")
  w99=$(awk '$1=="99%" {print $2}' "$1")
  errs=$(grep -E "Non-2xx|Socket errors" "$1" | tr '\n' ' ' || true)
}

# bench_source BIN N — the synthetic ledger of N pipes (generated once, kept in bench/out); sets
# src, and spread (metres from the grid centre that random query points stay within).
bench_source() {
  src="bench/out/pipes-$2.geojson"
  [ -f "$src" ] || "$1/machigis-bench" generate --pipes "$2" --out "$src" >/dev/null
  spread=$(python3 -c "import math; print(int(math.sqrt($2/2)*35/2*0.9))")
}

# bench_build — release builds of machigis and machigis-bench; sets OUT (created) and BIN.
# BENCH_SCRATCH: another build folder, so a benchmark does not disturb a build in .build.
bench_build() {
  OUT=bench/out
  mkdir -p "$OUT"
  local scratch=${BENCH_SCRATCH:-.build}
  swift build -c release --scratch-path "$scratch" --product machigis-bench >/dev/null
  swift build -c release --scratch-path "$scratch" --product machigis >/dev/null
  BIN=$scratch/release
}
