#!/usr/bin/env bash
# Resident memory of the gateway against the number of stored claims: rounds of JSON batch ingest
# with dispatch to the portal mocks on, each followed by the DoH's reads (province summary,
# facility list, claim list, dashboard); after each round the gateway's resident memory (VmRSS),
# its anonymous (heap) and file-backed parts, and its peak so far (VmHWM) from /proc.
# Usage: benches/load/memory.sh [ROUNDS] [EPISODES_PER_ROUND] [sqlite|postgres]
# (HISGATE_DISPATCH_ENABLED=false: ingest and reads only, nothing sent; READS=off: no DoH reads.)
source "$(dirname "$0")/common.sh"
ROUNDS=${1:-10}
PER_ROUND=${2:-50000}
BACKEND=${3:-sqlite}
use_database "$BACKEND" hisgate_memory_bench
start_mocks
use_mocks
use_signing 83001
start_gateway
KEY=$($BIN/hisgate keys create --role facility --facility 83001 --label loadgen | tail -1)
DOH=$($BIN/hisgate keys create --role doh --label memory | tail -1)
machine
dispatch=on
[ "${HISGATE_DISPATCH_ENABLED:-true}" = false ] && dispatch=off
echo "backend: $BACKEND; $ROUNDS rounds of $PER_ROUND episodes (batches of 100, concurrency 4), dispatch $dispatch, DoH reads ${READS:-on}"
mb() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$GATEWAY_PID/status"; }
# Signed in as a browser is: the form first (its token and cookie), then the key with the token.
token=$(curl -fs -c "$SCRATCH/cookies" "$GATEWAY_URL/dashboard/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -o /dev/null -b "$SCRATCH/cookies" -c "$SCRATCH/cookies" --data-urlencode "key=$DOH" \
    --data-urlencode "csrf=$token" "$GATEWAY_URL/dashboard/login"
read_all() {
    local path
    for path in /api/v1/stats/summary /api/v1/stats/facilities "/api/v1/claims?limit=200"; do
        curl -fs -o /dev/null -H "Authorization: Bearer $DOH" "$GATEWAY_URL$path" || echo "GET $path failed" >&2
    done
    for path in /dashboard /dashboard/facilities /dashboard/facilities/83001; do
        curl -fs -o /dev/null -b "$SCRATCH/cookies" "$GATEWAY_URL$path" || echo "GET $path failed" >&2
    done
}
echo "round | claims stored | acknowledged by BHXH | RSS after ingest (MB) | RSS after reads (MB) | of which heap / files (MB) | peak so far (MB)"
stored=0
for round in $(seq 1 "$ROUNDS"); do
    $BIN/hisgate gen --episodes "$PER_ROUND" --seed "$((1000 + round))" --facility 83001 >"$SCRATCH/round.jsonl"
    result=$($BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 4 --seconds 3600 \
        --requests "$((PER_ROUND / 100))" batch --input "$SCRATCH/round.jsonl" --size 100)
    stored=$((stored + $(jq .episodes_acknowledged <<<"$result")))
    after_ingest=$(mb VmRSS)
    accepted=-
    if [ "${READS:-on}" != off ]; then
        read_all
        accepted=$(curl -fs -H "Authorization: Bearer $DOH" "$GATEWAY_URL/api/v1/stats/summary" | jq .figures.funnel.submitted)
    fi
    echo "$round | $stored | $accepted | $after_ingest | $(mb VmRSS) | $(mb RssAnon) / $(mb RssFile) | $(mb VmHWM)"
done
