#!/usr/bin/env bash
# Check-ins in real time behind a dossier backlog: a backlog of dossiers is queued with the queue
# paused, then the queue resumes and check-ins arrive at a steady rate while the backlog drains.
# Reports the check-ins' acceptance-to-acknowledgement delay (from the gateway's 202 to the
# portal's answer, as the store recorded both: every check-in, both portals), and how much of the
# backlog was still waiting when the last check-in had been sent.
# The portals' pacing is the gateway's default (20 calls/s for files and lookups, 400/s for
# check-ins, each per portal); UNPACED=1 lifts both.
# Usage: benches/load/checkins.sh [RATE] [SECONDS] [BACKLOG]     (SQLite; the target: 200/s, p99 ≤ 1 s, 50000)
source "$(dirname "$0")/common.sh"
RATE=${1:-200}
SECONDS_PER_RUN=${2:-60}
BACKLOG=${3:-50000}
start_mocks
use_database sqlite hisgate_checkins_bench
use_mocks
export HISGATE_DISPATCH_BATCH_SIZE=${BATCH:-50} HISGATE_DISPATCH_CONCURRENCY=${SENDERS:-4}
if [ "${UNPACED:-0}" = 1 ]; then
    export HISGATE_BHXH_RATE_PER_SECOND=0 HISGATE_MOH_RATE_PER_SECOND=0 \
        HISGATE_BHXH_CHECK_IN_RATE_PER_SECOND=0 HISGATE_MOH_CHECK_IN_RATE_PER_SECOND=0
fi
start_gateway
KEY=$($BIN/hisgate keys create --role facility --facility 83001 --label loadgen | tail -1)
ADMIN=$($BIN/hisgate keys create --role admin --label checkins | tail -1)
machine
echo "backlog: $BACKLOG dossiers (files of ${BATCH:-50} HOSO, ${SENDERS:-4} in flight); check-ins: $RATE/s for ${SECONDS_PER_RUN} s"

# The backlog: episodes without their check-ins (those are what the run measures, sent apart).
$BIN/hisgate gen --episodes "$BACKLOG" --seed 7 --facility 83001 | without_check_ins >"$SCRATCH/backlog.jsonl"
$BIN/hisgate gen --episodes $((RATE * SECONDS_PER_RUN)) --seed 8 --facility 83001 --format checkin >"$SCRATCH/checkins.jsonl"
queue() { curl -fs -X POST -H "Authorization: Bearer $ADMIN" "$GATEWAY_URL/api/v1/queue/$1" >/dev/null; }
queue pause
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 4 --requests $((BACKLOG / 100)) --seconds 900 \
    batch --input "$SCRATCH/backlog.jsonl" --size 100 >"$SCRATCH/backlog.json"
echo "backlog queued: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["episodes_acknowledged"])' "$SCRATCH/backlog.json") episodes"
queue resume
$BIN/loadgen --url "$GATEWAY_URL" --key "$KEY" --concurrency 16 --rate "$RATE" --seconds "$SECONDS_PER_RUN" \
    checkins --input "$SCRATCH/checkins.jsonl" | tee "$SCRATCH/checkins.json"
python3 - "$GATEWAY_URL" "$ADMIN" "$SCRATCH/hisgate.db" "$SCRATCH/checkins.json" <<'PY'
import json, sqlite3, sys, time, urllib.request
url, key, db, run = sys.argv[1], sys.argv[2], sys.argv[3], json.load(open(sys.argv[4]))
def depth():
    request = urllib.request.Request(f"{url}/api/v1/queue", headers={"Authorization": f"Bearer {key}"})
    rows = json.loads(urllib.request.urlopen(request).read())["depth"]
    return sum(r["count"] for r in rows if r["status"] in ("pending", "in_flight"))
backlog_left = depth()
conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
deadline = time.time() + 120
while conn.execute("SELECT count(*) FROM check_in_outbox WHERE status IN ('pending','in_flight')").fetchone()[0] \
        and time.time() < deadline:
    time.sleep(0.5)
delays = sorted(r[0] for r in conn.execute(
    "SELECT o.sent_at - c.received_at FROM check_in_outbox o JOIN check_ins c ON c.id = o.check_in_id "
    "WHERE o.status = 'delivered'"))
undelivered = conn.execute("SELECT count(*) FROM check_in_outbox WHERE status <> 'delivered'").fetchone()[0]
q = lambda p: delays[min(len(delays) - 1, int(p * len(delays)))] if delays else None
report = {
    "check_ins_accepted": run["episodes_acknowledged"],
    "check_ins_per_second": run["episodes_per_second"],
    "sendings_delivered": len(delays),
    "sendings_not_delivered": undelivered,
    "accept_to_ack_ms": {"p50": q(0.50), "p90": q(0.90), "p99": q(0.99), "max": delays[-1] if delays else None},
    "dossier_jobs_still_queued_when_check_ins_ended": backlog_left,
}
print(json.dumps(report))
sys.exit(0 if delays and undelivered == 0 else 1)
PY
echo "resident memory: gateway $(ps -o rss= -p "$GATEWAY_PID" | awk '{printf "%.0f MB", $1/1024}')"
