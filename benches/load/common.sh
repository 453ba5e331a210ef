# Shared set-up of the load scripts: release binaries, a scratch folder, the portal mocks and a
# gateway configured from the environment. Source it; it cleans up on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# BIN=DIR runs binaries built earlier (to compare two builds run by run); else the current release build.
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p hisgate -p mocks -p loadgen
    BIN=./target/release
fi
SCRATCH=$(mktemp -d)
cleanup() {
    local pids
    pids=$(jobs -p)
    if [ -n "$pids" ]; then
        kill $pids 2>/dev/null || true
        # Whatever has not stopped after 5 s is killed.
        for _ in $(seq 1 50); do
            alive=$(for p in $pids; do if kill -0 "$p" 2>/dev/null; then echo "$p"; fi; done)
            [ -z "$alive" ] && break
            sleep 0.1
        done
        kill -9 $pids 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
# The gateway seals what it stores (as in production): a master key of the run, written without
# the gateway's own command so that an older build compared run by run starts with it too.
if [ -z "${HISGATE_MASTER_KEY_FILE:-}${HISGATE_MASTER_KEY:-}" ]; then
    export HISGATE_MASTER_KEY_FILE=$SCRATCH/master.key
    head -c 32 /dev/urandom | base64 >"$HISGATE_MASTER_KEY_FILE"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_mocks: the BHXH and MoH mocks on free ports; sets BHXH_URL and MOH_URL.
start_mocks() {
    local bhxh_port moh_port
    bhxh_port=$(free_port); moh_port=$(free_port)
    RUST_LOG=warn $BIN/mocks bhxh --port "$bhxh_port" --appraisal-delay-ms 0 >"$SCRATCH/bhxh.log" 2>&1 &
    RUST_LOG=warn $BIN/mocks moh --port "$moh_port" >"$SCRATCH/moh.log" 2>&1 &
    BHXH_URL=http://127.0.0.1:$bhxh_port
    MOH_URL=http://127.0.0.1:$moh_port
    wait_for "$BHXH_URL/_admin/state"
    wait_for "$MOH_URL/_admin/state"
}

# use_mocks: points the gateway at the mocks start_mocks started, with their demo accounts.
use_mocks() {
    export HISGATE_BHXH_URL=$BHXH_URL HISGATE_BHXH_USERNAME=83_SYT HISGATE_BHXH_PASSWORD=hisgate-demo \
        HISGATE_MOH_URL=$MOH_URL HISGATE_MOH_USERNAME=83_SYT HISGATE_MOH_PASSWORD=hisgate-demo \
        HISGATE_BHXH_APPRAISAL_API=modelled
    # Files of many HOSO, as the measurements before QĐ 3176's one-HOSO default were taken
    # (HOSO_PER_FILE=1 measures the one-dossier-per-file sending).
    export HISGATE_BHXH_HOSO_PER_FILE=${HOSO_PER_FILE:-${BATCH:-50}}
}

# use_signing FACILITY: a fresh RSA-2048 key and certificate for FACILITY, so that its files are
# signed (CHUKYDONVI) on their way to the portals; sets HISGATE_CONFIG.
use_signing() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$1" \
        -keyout "$SCRATCH/signing-key.pem" -out "$SCRATCH/signing-cert.pem" 2>/dev/null
    printf '[signing.%s]\nkey_pem = "%s"\ncert_pem = "%s"\n' "$1" \
        "$SCRATCH/signing-key.pem" "$SCRATCH/signing-cert.pem" >"$SCRATCH/hisgate.toml"
    export HISGATE_CONFIG=$SCRATCH/hisgate.toml
}

# use_database BACKEND NAME: a fresh PostgreSQL database NAME (sqlite: a file in the scratch
# folder); sets HISGATE_DATABASE_URL.
use_database() {
    if [ "$1" = postgres ]; then
        psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2"
        export HISGATE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/$2
    else
        export HISGATE_DATABASE_URL=sqlite://$SCRATCH/hisgate.db
    fi
}

wait_for() {
    for _ in $(seq 1 200); do
        curl -fs "$1" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "$1 did not come up" >&2
    return 1
}

# start_gateway: `hisgate serve` with the current HISGATE_* environment; sets GATEWAY_URL.
start_gateway() {
    local port
    port=$(free_port)
    export HISGATE_BIND=127.0.0.1:$port RUST_LOG=${RUST_LOG:-warn}
    $BIN/hisgate migrate >/dev/null
    $BIN/hisgate serve >"$SCRATCH/hisgate.log" 2>&1 &
    GATEWAY_PID=$!
    GATEWAY_URL=http://127.0.0.1:$port
    wait_for "$GATEWAY_URL/healthz"
}

# without_check_ins: copies JSON-lines episodes from standard input without their check-ins.
without_check_ins() {
    python3 -c 'import json,sys
for line in sys.stdin:
    e = json.loads(line); e.pop("check_ins", None); print(json.dumps(e, ensure_ascii=False))'
}

machine() {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version)"
}
