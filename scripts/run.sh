#!/usr/bin/env bash
# The whole app on this machine in one command: the API in local single-user mode (SQLite in
# ./data, no sign-in) and the dashboard, both on loopback. Builds what changed (the API with
# cargo, the web once per change of its sources), prints the one URL to open, and stops both on
# Ctrl-C. Needs Rust and Node 20.
#
# Settings: API_PORT (3000), WEB_PORT (3001), RELEASE=1 (an optimized API build: slower to
# build, faster to run), DATA_DIR (./data).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
api_port=${API_PORT:-3000}
web_port=${WEB_PORT:-3001}
export DATA_DIR=${DATA_DIR:-$root/data}
export NEXT_TELEMETRY_DISABLED=1
mkdir -p "$DATA_DIR"
log_dir="$DATA_DIR/logs"
mkdir -p "$log_dir"

say() { echo "run.sh: $*"; }
# The build's steps on the terminal (fd 3) while their output goes to the logs: a first build
# takes minutes, and says which step it is on.
exec 3>&1
step() { echo "run.sh: [$(date -u +%H:%M:%S)] $*" >&3; echo "== $*"; }
die() { echo "run.sh: $*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo is missing: install Rust (https://rustup.rs)"
command -v npm >/dev/null || die "npm is missing: install Node 20"
for port in "$api_port" "$web_port"; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    die "something already listens on 127.0.0.1:$port (set API_PORT / WEB_PORT to use others)"
  fi
done

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'echo; say "stopping"; cleanup; exit 0' INT TERM
trap cleanup EXIT

# A hash of everything that goes into the web build (the lockfile through the install stamp).
web_hash() {
  (cd web && find . \( -path ./node_modules -o -path ./.next -o -path ./test-results \
    -o -path ./playwright-report -o -path ./e2e -o -path ./test \) -prune -o -type f \
    ! -name package-lock.json -print | LC_ALL=C sort | xargs sha256sum
    cat node_modules/.butler-lock-hash 2>/dev/null) | sha256sum | cut -d' ' -f1
}

lock_hash() { sha256sum web/package-lock.json web/package.json | sha256sum | cut -d' ' -f1; }

# npm ci fails on this lockfile here (other platforms' optional binaries are missing), so
# npm install; it may rewrite the lockfile, so the stamp is taken after it.
build_web() {
  local stamp="web/node_modules/.butler-lock-hash"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$(lock_hash)" ]; then
    step "web: installing npm packages (first run: a few minutes)"
    (cd web && npm install --no-audit --no-fund --loglevel=error) && lock_hash >"$stamp"
  fi
  local built="web/.next/.butler-source-hash"
  if [ "$(cat "$built" 2>/dev/null)" != "$(web_hash)" ] || [ ! -f web/.next/BUILD_ID ]; then
    step "web: next build (first run: 2 to 5 minutes)"
    # Hashed after the build: next may rewrite files such as next-env.d.ts.
    (cd web && npx next build) && web_hash >"$built"
  else
    step "web: build is up to date"
    return 0
  fi
  step "web: built"
}

started=$SECONDS
say "building the web (log: $log_dir/web-build.log) and the API"
build_web >"$log_dir/web-build.log" 2>&1 &
web_build=$!
profile=debug
cargo_flags=(--locked -p api)
if [ "${RELEASE:-}" = 1 ]; then profile=release; cargo_flags+=(--release); fi
step "API: cargo build ($profile; first run: several minutes, cargo shows its progress)"
cargo build "${cargo_flags[@]}" || { kill "$web_build" 2>/dev/null; die "the API did not build"; }
step "API: built"
if kill -0 "$web_build" 2>/dev/null; then
  say "waiting for the web build (now: $(grep '^== ' "$log_dir/web-build.log" | tail -1 | sed 's/^== //'))"
fi
if ! wait "$web_build"; then
  tail -30 "$log_dir/web-build.log" >&2
  die "the web did not build (log: $log_dir/web-build.log)"
fi
say "built in $((SECONDS - started))s"

wait_for() {
  local url=$1 pid=$2 name=$3 deadline=$((SECONDS + 90))
  until curl -sf -o /dev/null --max-time 2 "$url"; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$log_dir/$name.log" >&2; die "$name exited (log: $log_dir/$name.log)"; }
    ((SECONDS < deadline)) || die "$name did not answer at $url (log: $log_dir/$name.log)"
    sleep 0.5
  done
}

# Appended, never overwritten: an earlier run's log is still there to read after a restart.
echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) run.sh: API starting on 127.0.0.1:$api_port" >>"$log_dir/api.log"
BIND_ADDR="127.0.0.1:$api_port" "target/$profile/api" >>"$log_dir/api.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$api_port/health/ready" "${pids[-1]}" api
mode=$(curl -s "http://127.0.0.1:$api_port/api/me" | sed -n 's/.*"auth_mode":"\([a-z]*\)".*/\1/p')
[ "$mode" = local ] || die "the API did not start in local mode (KEYCLOAK_SERVER in the environment or .env?): this command runs the single-user mode; see docs/setup.md for Keycloak"

# The standalone server `next build` makes (output: "standalone"), as `npm start` runs it.
echo "==== $(date -u +%Y-%m-%dT%H:%M:%SZ) run.sh: web starting on 127.0.0.1:$web_port" >>"$log_dir/web.log"
(
  cd web
  NODE_ENV=production API_URL="http://127.0.0.1:$api_port" BUTLER_AUTH_MODE=local \
    AUTH_URL="http://localhost:$web_port" AUTH_SECRET="$(head -c 32 /dev/urandom | base64)" \
    exec node scripts/start.mjs -H 127.0.0.1 -p "$web_port"
) >>"$log_dir/web.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$web_port/" "${pids[-1]}" web

say "ready in $((SECONDS - started))s (logs in $log_dir)"
echo
echo "    Open http://localhost:$web_port"
echo
say "API on http://127.0.0.1:$api_port (Swagger UI at /swagger-ui/). Ctrl-C stops both."
while :; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "a server stopped (logs in $log_dir)"
  done
  sleep 1
done
