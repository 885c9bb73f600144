#!/usr/bin/env bash
# Assembles BENCHMARKS.md from the machine description and every bench/out/results-*.md.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`make bench\` (bench/run.sh). Numbers are from one run on the machine below; these machines are"
  echo "noisy, so compare medians and ratios measured in the same run, not absolute values across runs."
  echo
  echo "## Machine"
  echo
  echo "- date: $(date -Iseconds)"
  echo "- CPU: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}') — $(nproc) cores"
  echo "- memory: $(free -h | awk '/Mem:/ {print $2}')"
  echo "- OS: $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "- $(swift --version 2>/dev/null | head -1)"
  echo "- SpatiaLite $(pkg-config --modversion spatialite), GEOS $(pkg-config --modversion geos), PROJ $(pkg-config --modversion proj), SQLite $(pkg-config --modversion sqlite3), $(ogr2ogr --version 2>/dev/null | head -1)"
  echo
  for f in bench/out/results-*.md; do [ -f "$f" ] && { cat "$f"; echo; }; done
  [ -f bench/NOTES.md ] && cat bench/NOTES.md
} >BENCHMARKS.md
echo "wrote BENCHMARKS.md" >&2
