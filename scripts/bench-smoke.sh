#!/usr/bin/env bash
# Runs every benchmark once at a small size (debug build, BENCH_SMOKE=1), so none can rot
# unnoticed: each still seeds, serves, reads and checks its answers; targets on time, which a
# small debug run cannot show, are printed and not enforced. The full sizes are the separate
# commands of docs/benchmarks.md. Needs PostgreSQL (BENCH_DATABASE_URL, default the local server),
# anvil (scripts/install-anvil.sh) and the DeFi fixture (scripts/install-defi-fixture.sh).
# Ends with "benchmarks: N ran, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export BENCH_SMOKE=1 CARGO_TERM_COLOR=never
export BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

cargo build -p api --bins --locked || { echo "benchmarks: 0 ran, 1 failed (build)"; exit 1; }

ran=0
failed=()
bench() {
  local name="$1"; shift
  local start=$(date +%s)
  echo "== $name ($*)"
  if env "$@" "target/debug/$name" > "target/$name.smoke.log" 2>&1; then
    tail -n 4 "target/$name.smoke.log"
  else
    tail -n 30 "target/$name.smoke.log"
    failed+=("$name")
  fi
  ran=$((ran + 1))
  echo "   $name: $(( $(date +%s) - start )) s"
}

bench bench_sqlite_writes BENCH_WRITERS=4 BENCH_WRITES=10
bench bench_portfolios BENCH_PORTFOLIOS=50 BENCH_PORTFOLIO_REQUESTS=100
bench bench_market BENCH_MARKET_COINS=300 BENCH_MARKET_CONTRACTS=600 BENCH_MARKET_PRICED=100
bench bench_solana BENCH_SOLANA_WALLETS=5 BENCH_SOLANA_TOKENS=10 BENCH_SOLANA_DELAY_MS=5
bench bench_evm BENCH_EVM_TOKENS=40 BENCH_EVM_CHUNK=20 BENCH_EVM_RUNS=1 BENCH_EVM_WALLETS=20 BENCH_EVM_FLEET_TOKENS=10
# The fixture needs about 10 reserves for its bench to borrow in all but one (fewer: Aave 36).
bench bench_defi BENCH_DEFI_RESERVES=10 BENCH_DEFI_POSITIONS=2 BENCH_DEFI_RUNS=1
bench bench_ledger BENCH_LEDGER_ENTRIES=2000 BENCH_LEDGER_ACCOUNTS=2
bench bench_performance BENCH_PERF_DAYS=120 BENCH_PERF_ASSETS=20 BENCH_PERF_ACCOUNTS=3 BENCH_PERF_RUNS=2

if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks that failed: ${failed[*]}"
fi
echo "benchmarks: $ran ran, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
