#!/usr/bin/env bash
# The FHIR path against the native one, the same episodes in the same run: transaction Bundles
# posted one per request to `POST /fhir/r4`, then the same episodes (other seeds' copies, so that
# each run stores new claims) as native JSON to `POST /api/v1/claims`, on SQLite or PostgreSQL
# (dispatch off, so only ingest is measured).
# Usage: benches/load/fhir.sh [SECONDS] [sqlite|postgres]; CONCURRENCY (default 16), EPISODES generated
# per format (default 100000: more than a run stores).
source "$(dirname "$0")/common.sh"
SECONDS_PER_RUN=${1:-20}
BACKEND=${2:-sqlite}
CONCURRENCY=${CONCURRENCY:-16}
EPISODES=${EPISODES:-100000}
use_database "$BACKEND" hisgate_fhir_bench
export HISGATE_DISPATCH_ENABLED=false
start_gateway
KEY=$($BIN/hisgate keys create --role facility --facility 83001 --label loadgen | tail -1)
machine
echo "backend: $BACKEND"
# The same generator and seed for both formats, but the JSON run's episodes are a second seed's,
# since the first run stored the first seed's claims.
$BIN/hisgate gen --episodes "$EPISODES" --seed 1 --facility 83001 --format fhir >"$SCRATCH/bundles.jsonl"
$BIN/hisgate gen --episodes "$EPISODES" --seed 2 --facility 83001 >"$SCRATCH/episodes.jsonl"
echo "FHIR transaction Bundles, concurrency $CONCURRENCY, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN" \
    fhir --input "$SCRATCH/bundles.jsonl"
echo "native JSON episodes, concurrency $CONCURRENCY, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_RUN" \
    claims --input "$SCRATCH/episodes.jsonl"
echo "resident memory of the gateway after the runs: $(ps -o rss= -p "$GATEWAY_PID" | awk '{printf "%.0f MB", $1/1024}')"
