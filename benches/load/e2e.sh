#!/usr/bin/env bash
# End to end: JSON batches in, every episode sent to both portal mocks (BHXH and MoH, as signed
# GIAMDINHHS files) and acknowledged by them. Reports episodes per second from the first request
# until the last submission is acknowledged, and the ingest rate alone over the same run.
# Usage: benches/load/e2e.sh [SECONDS] [sqlite|postgres]
source "$(dirname "$0")/common.sh"
SECONDS_PER_RUN=${1:-20}
BACKEND=${2:-sqlite}
start_mocks
use_database "$BACKEND" hisgate_e2e_bench
use_mocks
use_signing 83001
export HISGATE_BHXH_RATE_PER_SECOND=0 HISGATE_DISPATCH_BATCH_SIZE=${BATCH:-200} \
    HISGATE_DISPATCH_CONCURRENCY=${SENDERS:-4}
start_gateway
KEY=$($BIN/hisgate keys create --role facility --facility 83001 --label loadgen | tail -1)
ADMIN=$($BIN/hisgate keys create --role admin --label e2e | tail -1)
machine
echo "backend: $BACKEND; dispatch files of ${BATCH:-200} HOSO, ${SENDERS:-4} in flight"
# Episodes carry their first-order check-in; CHECK_INS=0 (the default, as the figures before
# check-ins were measured) sends them without, CHECK_INS=1 with (each dossier then waits for its
# check-in, one call per portal).
if [ "${CHECK_INS:-0}" = 1 ]; then
    $BIN/hisgate gen --episodes 200000 --seed 7 --facility 83001 >"$SCRATCH/episodes.jsonl"
else
    $BIN/hisgate gen --episodes 200000 --seed 7 --facility 83001 | without_check_ins >"$SCRATCH/episodes.jsonl"
fi
started=$(date +%s.%N)
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 4 --seconds "$SECONDS_PER_RUN" \
    batch --input "$SCRATCH/episodes.jsonl" --size 100 | tee "$SCRATCH/ingest.json"
# Waits until no submission is pending or in flight, then reports.
python3 - "$GATEWAY_URL" "$ADMIN" "$started" "$SCRATCH/ingest.json" <<'PY'
import json, sys, time, urllib.request
url, key, started, ingest = sys.argv[1], sys.argv[2], float(sys.argv[3]), json.load(open(sys.argv[4]))
def depth():
    request = urllib.request.Request(f"{url}/api/v1/queue", headers={"Authorization": f"Bearer {key}"})
    return json.loads(urllib.request.urlopen(request).read())["depth"]
deadline = time.time() + 600
while True:
    rows = depth()
    waiting = sum(r["count"] for r in rows if r["status"] in ("pending", "in_flight"))
    if waiting == 0 or time.time() > deadline:
        break
    time.sleep(1)
elapsed = time.time() - started
acknowledged = {d: sum(r["count"] for r in rows if r["destination"] == d and r["status"] not in ("pending", "in_flight"))
                for d in ("bhxh", "moh")}
episodes = ingest["episodes_acknowledged"]
print(json.dumps({
    "episodes_ingested": episodes,
    "acknowledged_by_portal": acknowledged,
    "still_waiting": waiting,
    "seconds_to_last_acknowledgement": round(elapsed, 2),
    "episodes_per_second_end_to_end": round(episodes / elapsed),
    "by_status": {f'{r["destination"]}:{r["status"]}': r["count"] for r in rows},
}))
sys.exit(1 if waiting or any(n < episodes for n in acknowledged.values()) else 0)
PY
echo "resident memory: gateway $(ps -o rss= -p "$GATEWAY_PID" | awk '{printf "%.0f MB", $1/1024}')"
