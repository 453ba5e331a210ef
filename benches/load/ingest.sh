#!/usr/bin/env bash
# Durable ingest throughput: JSON batches and single-episode POSTs, on SQLite or PostgreSQL
# (dispatch off, so only ingest is measured). Typical episodes: the generator's inpatient stays.
# Usage: benches/load/ingest.sh [SECONDS] [sqlite|postgres]; BATCH_CONCURRENCY (default 4) batches
# in flight.
source "$(dirname "$0")/common.sh"
SECONDS_PER_RUN=${1:-20}
BACKEND=${2:-sqlite}
use_database "$BACKEND" hisgate_ingest_bench
export HISGATE_DISPATCH_ENABLED=false
start_gateway
KEY=$($BIN/hisgate keys create --role facility --facility 83001 --label loadgen | tail -1)
machine
echo "backend: $BACKEND"
# New episodes for each run, so that every request stores new claims.
for n in 1 2; do
    $BIN/hisgate gen --episodes 200000 --seed "$n" --facility 83001 >"$SCRATCH/episodes-$n.jsonl"
done
echo "JSON batches of 100 episodes, concurrency ${BATCH_CONCURRENCY:-4}, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency "${BATCH_CONCURRENCY:-4}" --seconds "$SECONDS_PER_RUN" \
    batch --input "$SCRATCH/episodes-1.jsonl" --size 100
echo "single episodes, concurrency 64, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 64 --seconds "$SECONDS_PER_RUN" \
    claims --input "$SCRATCH/episodes-2.jsonl"
echo "resident memory of the gateway after the runs: $(ps -o rss= -p "$GATEWAY_PID" | awk '{printf "%.0f MB", $1/1024}')"
