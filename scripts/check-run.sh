#!/usr/bin/env bash
# Checks scripts/run.sh as a user meets it: it says which build step it is on, the web starts with
# the command that matches its build (no `next start` warning about `output: standalone`), and
# data/logs/api.log keeps the earlier run's lines after a restart. Starts run.sh twice in a
# temporary DATA_DIR on free ports, stopping it with TERM as Ctrl-C would (a background job
# ignores INT); ends with "check-run: ok" or the first failure.
set -uo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$data" "$out"' EXIT
api_port=${API_PORT:-3900}
web_port=${WEB_PORT:-3901}
fail() { echo "check-run: FAIL: $*" >&2; exit 1; }

start_once() {
  DATA_DIR="$data" API_PORT=$api_port WEB_PORT=$web_port bash scripts/run.sh >"$out" 2>&1 &
  local pid=$! deadline=$((SECONDS + ${CHECK_RUN_TIMEOUT:-1200}))
  until grep -q "Open http://localhost:$web_port" "$out"; do
    kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; fail "run.sh stopped before it was ready"; }
    ((SECONDS < deadline)) || { kill -TERM "$pid"; fail "run.sh was not ready in time"; }
    sleep 2
  done
  curl -sf -o /dev/null "http://127.0.0.1:$web_port/" || fail "the web does not answer"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null
  cat "$out"
}

first=$(start_once) || exit 1
grep -Eq 'run.sh: \[[0-9:]+\] (web: (next build|build is up to date)|API: cargo build)' <<<"$first" || fail "no build step was named: $first"
grep -Eq 'run.sh: \[[0-9:]+\] API: built' <<<"$first" || fail "the API build's end was not said"
start_once >/dev/null || exit 1
starts=$(grep -c "run.sh: API starting" "$data/logs/api.log")
[ "$starts" -eq 2 ] || fail "api.log holds $starts starts, not 2: it was overwritten"
grep -qi "does not work with \"output: standalone\"" "$data/logs/web.log" && fail "the web was started with next start"
echo "check-run: ok (api.log kept both runs; steps named; the standalone server answered)"
