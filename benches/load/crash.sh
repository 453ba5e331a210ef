#!/usr/bin/env bash
# Crash test: sustained ingest (and dispatch to the portal mocks) while the gateway is killed with
# SIGKILL at random moments and restarted, KILLS times. Afterwards every episode the load generator
# saw acknowledged (202/201/200 with an id) must be stored, with the content that was sent.
# Usage: benches/load/crash.sh [KILLS] [sqlite|postgres]
source "$(dirname "$0")/common.sh"
KILLS=${1:-20}
BACKEND=${2:-sqlite}
start_mocks
use_database "$BACKEND" hisgate_crash
use_mocks
export HISGATE_DISPATCH_POLL_INTERVAL_MS=1000 HISGATE_DISPATCH_LEASE_MS=5000 RUST_LOG=warn
PORT=$(free_port)
export HISGATE_BIND=127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT
$BIN/hisgate migrate >/dev/null
KEY=$($BIN/hisgate keys create --role facility --facility 83001 --label crash | tail -1)
ADMIN=$($BIN/hisgate keys create --role admin --label crash-check | tail -1)
machine
echo "backend: $BACKEND; $KILLS kills, each at a random moment 0.5–4 s into a round of ingest"

serve() {
    $BIN/hisgate serve >>"$SCRATCH/hisgate.log" 2>&1 &
    GATEWAY_PID=$!
    wait_for "$URL/healthz"
}

# round N SECONDS [kill]: 16 writers post new episodes (seed N) for SECONDS; with `kill`, the
# gateway is killed mid-round and started again once the load generator has noted what was
# acknowledged.
round() {
    local n=$1 seconds=$2
    $BIN/hisgate gen --episodes 20000 --seed "$n" --facility 83001 >"$SCRATCH/round-$n.jsonl"
    $BIN/loadgen --url "$URL" --key "$KEY" --concurrency 16 --seconds "$seconds" --acked "$SCRATCH/acked.txt" \
        claims --input "$SCRATCH/round-$n.jsonl" >>"$SCRATCH/loadgen.jsonl" &
    local loadgen=$!
    if [ "${3:-}" = kill ]; then
        sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 4.0), 2))')"
        kill -9 "$GATEWAY_PID"
        wait "$GATEWAY_PID" 2>/dev/null || true
        wait "$loadgen"
        serve
    else
        wait "$loadgen"
    fi
}

serve
for n in $(seq 1 "$KILLS"); do
    round "$n" 5 kill
done
round $((KILLS + 1)) 3
sleep 5
# A server without autovacuum (this machine's, as CI configures it) has never analysed the tables
# the check reads claims back through, and plans them as scans; one that has autovacuum would have.
if [ "$BACKEND" = postgres ]; then psql -q "$HISGATE_DATABASE_URL" -c ANALYZE; fi

python3 - "$URL" "$ADMIN" "$SCRATCH" "$KILLS" <<'PY'
import glob, json, re, sys, urllib.request
from decimal import Decimal

url, key, scratch, kills = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# Where each sent episode's line is (by MA_LK), read again only for the episodes to compare:
# the rounds hold hundreds of thousands of episodes, too many to keep parsed.
where = {}
for path in glob.glob(f"{scratch}/round-*.jsonl"):
    with open(path, "rb") as f:
        offset = 0
        for line in f:
            episode_key = re.search(rb'"MA_LK":"([^"]*)"', line).group(1).decode()
            where[episode_key] = (path, offset)
            offset += len(line)
def sent(episode_key):
    if episode_key not in where:
        return None
    path, offset = where[episode_key]
    with open(path, "rb") as f:
        f.seek(offset)
        return json.loads(f.readline(), parse_float=Decimal)
acked = sorted({line.strip() for line in open(f"{scratch}/acked.txt") if line.strip()})
missing, altered = [], []
for claim_id in acked:
    request = urllib.request.Request(f"{url}/api/v1/claims/{claim_id}", headers={"Authorization": f"Bearer {key}"})
    try:
        claim = json.loads(urllib.request.urlopen(request).read(), parse_float=Decimal)
    except urllib.error.HTTPError as e:
        if not missing:
            print(f"{claim_id}: HTTP {e.code} {e.read()[:300]!r}", file=sys.stderr)
        missing.append(claim_id)
        continue
    stored = claim["episode"]
    if stored != sent(stored["summary"]["MA_LK"]):
        altered.append(claim_id)
runs = [json.loads(l) for l in open(f"{scratch}/loadgen.jsonl")]
print(json.dumps({
    "kills": kills,
    "requests": sum(r["requests"] for r in runs),
    "connection_errors": sum(r["by_status"].get("connection error", 0) for r in runs),
    "acknowledged_episodes": len(acked),
    "stored_intact": len(acked) - len(missing) - len(altered),
    "missing": len(missing),
    "altered": len(altered),
}))
sys.exit(1 if missing or altered else 0)
PY
