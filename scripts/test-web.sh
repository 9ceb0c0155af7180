#!/usr/bin/env bash
# The web dashboard's checks: typecheck, lint, API types in sync with the OpenAPI snapshot, unit tests
# (vitest), production build, and the end-to-end journey (Playwright in Debian's Chromium against
# the real API on PostgreSQL, anvil, and the real Keycloak of scripts/keycloak.sh when
# KEYCLOAK_TEST_URL names it, as scripts/test.sh does; else oidc-provider standing in for Keycloak).
# Installs what is missing (Chromium, npm packages, anvil, the DeFi fixture, the API's debug build); safe to rerun.
# Ends with "web: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
export NEXT_TELEMETRY_DISABLED=1 CARGO_TERM_COLOR=never

passed=0
failed=0
failures=()
reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT

pass() { passed=$((passed + ${2:-1})); }
fail() { failed=$((failed + ${2:-1})); failures+=("$1"); }

setup() {
  if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
    echo "== installing chromium (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null || return 1
  fi
  echo "== npm install (web/)"
  (cd web && npm install --no-audit --no-fund --loglevel=error) || return 1
  bash scripts/install-anvil.sh || return 1
  bash scripts/install-defi-fixture.sh || return 1
  echo "== cargo build -p api (for the end-to-end tests)"
  cargo build -p api --locked || return 1
}

# The journey makes its own databases on E2E_PG_ADMIN_URL, by default the local server.
ensure_postgres() {
  [ -n "${E2E_PG_ADMIN_URL:-}" ] || env -u TEST_DATABASE_URL -u BENCH_DATABASE_URL bash "$root/scripts/ensure-postgres.sh"
}

# Counts "passed"/"failed" from a JSON report: vitest's or Playwright's.
count() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    let p = 0, f = 0;
    if ("numPassedTests" in r) { p = r.numPassedTests; f = r.numFailedTests; }
    else if (r.stats) { p = r.stats.expected + (r.stats.flaky || 0); f = r.stats.unexpected; }
    console.log(p, f);
  ' "$1" 2>/dev/null || echo "0 1"
}

if ! setup; then
  echo "web: setup failed"
  echo "web: 0 passed, 1 failed"
  exit 1
fi

cd web
echo "== typecheck (tsc --noEmit)"
if npx tsc --noEmit; then pass; else fail typecheck; fi
echo "== lint (eslint: TypeScript, hooks, feature boundaries)"
if npm run --silent lint; then pass; else fail lint; fi

echo "== API types match api/tests/snapshots/openapi.json"
if npm run --silent check:api-types; then pass; else fail api-types; fi

echo "== unit tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json"
vitest_rc=$?
read -r p f < <(count "$reports/vitest.json")
pass unit "$p"
[ "$f" -gt 0 ] && fail "unit tests" "$f"
[ "$vitest_rc" -ne 0 ] && [ "$f" -eq 0 ] && fail "vitest (exit $vitest_rc)"

echo "== production build (next build)"
if npx next build; then
  pass
  node scripts/route-sizes.mjs || true
  echo "== end-to-end (Playwright, Debian Chromium)"
  if ensure_postgres; then
    PLAYWRIGHT_JSON_OUTPUT_NAME="$reports/e2e.json" npx playwright test --reporter=list,json
    e2e_rc=$?
    read -r p f < <(count "$reports/e2e.json")
    pass e2e "$p"
    [ "$f" -gt 0 ] && fail "end-to-end tests" "$f"
    [ "$e2e_rc" -ne 0 ] && [ "$f" -eq 0 ] && fail "playwright (exit $e2e_rc; see web/test-results/logs)"
    [ -f test-results/e2e-metrics.json ] && echo "e2e metrics: $(tr -d '\n ' < test-results/e2e-metrics.json)"
  else
    echo "PostgreSQL is not reachable (E2E_PG_ADMIN_URL or 127.0.0.1:5432)" >&2
    fail "end-to-end (no PostgreSQL)"
  fi
else
  fail build
  fail "end-to-end (no build)"
fi

cd "$root"
if [ "$failed" -gt 0 ]; then echo "web: failed: ${failures[*]}"; fi
echo "web: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
