#!/usr/bin/env bash
# Loads every sample layer into a store through the real CLI. Usage: tools/load-samples.sh BINARY DB
# Used by `make run` (first start) and by the browser and client tests.
set -euo pipefail
bin=$1
db=$2
cd "$(dirname "$0")/.."
"$bin" ingest sewer_pipes layers/sample/sewer_pipes.geojson --db "$db"
"$bin" ingest manholes layers/sample/manholes.geojson --db "$db"
tools/load-sample-elections.sh "$bin" "$db"
