#!/usr/bin/env bash
# API conformance: schemathesis generates requests from /api-docs/openapi.json against a running
# gateway (debug build, scratch SQLite, admin key) and fails on any 5xx, undocumented status code or
# content type, or a response that does not match its schema. Bounded for CI.
# Usage: tests/tools/conformance.sh [EXAMPLES]   (after `cargo build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
EXAMPLES=${1:-25}
if ! python3 -c "import schemathesis" >/dev/null 2>&1; then
    python3 -m pip install -q "schemathesis>=4,<5" ||
        python3 -m pip install -q --break-system-packages "schemathesis>=4,<5"
fi
SCRATCH=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$SCRATCH"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export HISGATE_DATABASE_URL="sqlite://$SCRATCH/hisgate.db" HISGATE_BIND="127.0.0.1:$PORT" \
    HISGATE_DISPATCH_ENABLED=false HISGATE_JOBS_ENABLED=false RUST_LOG=error \
    HISGATE_MASTER_KEY_FILE="$SCRATCH/master.key"
./target/debug/hisgate keys new-master "$HISGATE_MASTER_KEY_FILE" >/dev/null
./target/debug/hisgate migrate >/dev/null
KEY=$(./target/debug/hisgate keys create --role admin --label conformance | tail -1)
./target/debug/hisgate serve >"$SCRATCH/serve.log" 2>&1 &
python3 - "$PORT" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=1)
        break
    except Exception:
        time.sleep(0.1)
else:
    sys.exit("the gateway did not come up")
PY
# Through the module: pip may have put the `schemathesis` script outside PATH.
python3 -m schemathesis.cli run "http://127.0.0.1:$PORT/api-docs/openapi.json" \
    -H "Authorization: Bearer $KEY" --max-examples "$EXAMPLES" --seed 2026 \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
