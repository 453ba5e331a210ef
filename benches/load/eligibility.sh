#!/usr/bin/env bash
# Card lookups per second and their latency, answered from the cache and from the BHXH mock.
# Usage: benches/load/eligibility.sh [SECONDS]   (SQLite; the audit rows are written too)
source "$(dirname "$0")/common.sh"
SECONDS_PER_RUN=${1:-20}
start_mocks
export HISGATE_DATABASE_URL=sqlite://$SCRATCH/hisgate.db HISGATE_DISPATCH_ENABLED=false \
    HISGATE_BHXH_URL=$BHXH_URL HISGATE_BHXH_USERNAME=83_SYT HISGATE_BHXH_PASSWORD=hisgate-demo \
    HISGATE_BHXH_RATE_PER_SECOND=0 HISGATE_BHXH_MAX_CONCURRENT=64 \
    HISGATE_ELIGIBILITY_OFFICER_NAME="Nguyễn Thị Lan" HISGATE_ELIGIBILITY_OFFICER_CCCD=083190000001 \
    HISGATE_ELIGIBILITY_PER_KEY_PER_MINUTE=0
start_gateway
KEY=$($BIN/hisgate keys create --role eligibility --label loadgen | tail -1)
machine
echo "cached (100 cards, warmed), concurrency 64, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 64 --seconds 3 eligibility --cards 100 >/dev/null
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 64 --seconds "$SECONDS_PER_RUN" eligibility --cards 100
echo "cached, concurrency 16, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 16 --seconds "$SECONDS_PER_RUN" eligibility --cards 100
echo "cached, at a fixed 20,000 lookups/s (open loop, latency from when each was due; at most 64 connections), ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --rate 20000 --concurrency 64 --seconds "$SECONDS_PER_RUN" eligibility --cards 100
echo "the limit: GET /healthz (HTTP round trip only, same server and load generator), concurrency 64, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 64 --seconds "$SECONDS_PER_RUN" get --path /healthz
echo "uncached (a new card every request: one BHXH mock call each), concurrency 64, ${SECONDS_PER_RUN}s:"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 64 --seconds "$SECONDS_PER_RUN" eligibility --unique
echo "resident memory of the gateway after the runs: $(ps -o rss= -p "$GATEWAY_PID" | awk '{printf "%.0f MB", $1/1024}')"
