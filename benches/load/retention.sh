#!/usr/bin/env bash
# Retention gives space back: episodes ingested for SECONDS, sent to both portal mocks and
# appraised (the mock's modelled outcome), then the retention job (HISGATE_RETENTION_DAYS=0: every
# settled claim's payload goes) — the database's size on disk before and after, as the gateway
# measures it (SQLite: pages after a WAL checkpoint; PostgreSQL: pg_database_size).
# Usage: benches/load/retention.sh [SECONDS] [sqlite|postgres]
source "$(dirname "$0")/common.sh"
SECONDS_PER_RUN=${1:-20}
BACKEND=${2:-sqlite}
start_mocks
use_database "$BACKEND" hisgate_retention_bench
use_mocks
export HISGATE_BHXH_RATE_PER_SECOND=0 HISGATE_DISPATCH_BATCH_SIZE=200 HISGATE_DISPATCH_POLL_INTERVAL_MS=1000 \
    HISGATE_RETENTION_DAYS=0 HISGATE_JOBS_ENABLED=false
start_gateway
KEY=$($BIN/hisgate keys create --role facility --facility 83001 --label loadgen | tail -1)
ADMIN=$($BIN/hisgate keys create --role admin --label retention | tail -1)
machine
echo "backend: $BACKEND"
$BIN/hisgate gen --episodes 200000 --seed 11 --facility 83001 | without_check_ins >"$SCRATCH/episodes.jsonl"
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 4 --seconds "$SECONDS_PER_RUN" \
    batch --input "$SCRATCH/episodes.jsonl" --size 100 >"$SCRATCH/ingest.json"
python3 - "$GATEWAY_URL" "$ADMIN" "$SCRATCH/ingest.json" <<'PY'
import json, sys, time, urllib.request
url, key, ingest = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
def call(path, method="GET"):
    request = urllib.request.Request(f"{url}{path}", method=method, headers={"Authorization": f"Bearer {key}"})
    return json.loads(urllib.request.urlopen(request).read())
# Until nothing is queued, in flight or awaiting an appraisal (a minute more at most for the last).
deadline = time.time() + 900
while time.time() < deadline:
    rows = call("/api/v1/queue")["depth"]
    if not any(r["status"] in ("pending", "in_flight", "sent") for r in rows):
        break
    time.sleep(2)
runs = []
for _ in range(2):
    runs.append(call("/api/v1/jobs/retention/run", "POST")["detail"])
print(json.dumps({"episodes_ingested": ingest["episodes_acknowledged"], "retention": runs,
                  "queue": {f'{r["destination"]}:{r["status"]}': r["count"] for r in rows}}, ensure_ascii=False))
PY
if [ "$BACKEND" = sqlite ]; then
    echo "files: $(ls -l "$SCRATCH"/hisgate.db* | awk '{printf "%s %s  ", $9, $5}')"
fi
