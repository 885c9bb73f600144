#!/usr/bin/env bash
# Loads the sample election data (layers/sample/elections, made by gen_sample_elections.py)
# through the real CLI: stations, districts built from small areas, two elections with
# turnout; the 2022 one published, the 2024 one visible to the election office only.
# Usage: tools/load-sample-elections.sh BINARY DB   (called by tools/load-samples.sh)
set -euo pipefail
bin=$1
db=$2
cd "$(dirname "$0")/.."
dir=layers/sample/elections
"$bin" ingest polling_stations "$dir/polling_stations.geojson" --db "$db"
"$bin" elections build-districts --areas "$dir/small_areas.geojson" --area-key area_key --mapping "$dir/district_mapping.csv" --db "$db"
"$bin" elections add 2022-sangiin --name 第26回参議院議員通常選挙 --date 2022-07-10 --db "$db"
"$bin" elections import-turnout 2022-sangiin "$dir/turnout-2022-sangiin.csv" --db "$db"
"$bin" elections publish 2022-sangiin --db "$db"
"$bin" elections add 2024-shugiin --name 第50回衆議院議員総選挙 --date 2024-10-27 --db "$db"
"$bin" elections import-turnout 2024-shugiin "$dir/turnout-2024-shugiin.csv" --db "$db"
