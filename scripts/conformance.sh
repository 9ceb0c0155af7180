#!/usr/bin/env bash
# OpenAPI conformance: schemathesis (installed into .tools/schemathesis) against a running API
# in local mode on a fresh SQLite database, every operation, fixed seed, bounded time.
# Fails when an answer is a 5xx, has a status, body or content type the document does not
# describe. Safe to rerun. SCHEMATHESIS_MAX_EXAMPLES (default 15) trades depth for time, and
# SCHEMATHESIS_MAX_TIME (default 120 s; scripts/test.sh gives it 200 s beside the Rust suites)
# bounds it: the run stops there with what it covered (24,019 cases in 120 s alone here).
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
# The resolved path: .tools may be a link to a cache (.ci/run), and a venv's scripts name it.
venv="$(realpath -m .tools)/schemathesis"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
  echo "== installing schemathesis $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

cargo build --quiet -p api --locked --bin api
bin="$PWD/target/debug/api"
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

# No .env (the API runs in the temp dir), no schedules, no upstream reachable (refused at
# once on port 9). Reads and writes are not limited (schemathesis sends thousands a minute),
# but syncs and job triggers keep their default intervals: their 429s are documented, and
# hundreds of background job runs would only contend for the SQLite file.
(cd "$dir" && exec env -i PATH="$PATH" HOME="$dir" BIND_ADDR="127.0.0.1:$port" DATA_DIR="$dir" \
  RUST_LOG=warn RATE_LIMIT_READS_PER_MIN=1000000 RATE_LIMIT_READS_BURST=100000 \
  RATE_LIMIT_WRITES_PER_MIN=1000000 RATE_LIMIT_WRITES_BURST=100000 \
  FETCH_ALL_COINS_ENABLED=false PRICE_COLLECTION_ENABLED=false ACCOUNT_SYNC_ENABLED=false \
  EOD_SNAPSHOT_ENABLED=false \
  COINGECKO_BASE_URL=http://127.0.0.1:9 COINPAPRIKA_BASE_URL=http://127.0.0.1:9 \
  OKX_BASE_URL=http://127.0.0.1:9 OKX_MAX_RETRIES=0 COINGECKO_MAX_RETRIES=0 \
  BINANCE_BASE_URL=http://127.0.0.1:9 BINANCE_MAX_RETRIES=0 \
  COINPAPRIKA_MAX_RETRIES=0 EVM_RPC_RETRIES=0 EVM_RPC_TIMEOUT_SECS=2 \
  "$bin" >"$dir/api.log" 2>&1) &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/health" >/dev/null || { cat "$dir/api.log"; exit 1; }

echo "== schemathesis $version against $base"
status=0
"$venv/bin/schemathesis" run "$base/api-docs/openapi.json" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --seed 20261203 --generation-deterministic \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-15}" \
  --workers 1 --max-time "${SCHEMATHESIS_MAX_TIME:-120}" --request-timeout 10 \
  --no-color --warnings off || status=$?
if [ "$status" -ne 0 ]; then
  echo "== API log (last 40 lines)"
  tail -n 40 "$dir/api.log"
fi
exit "$status"
