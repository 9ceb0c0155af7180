#!/usr/bin/env bash
# Runs every test of the Butler: the whole Rust suite on SQLite, the OpenAPI conformance run
# (schemathesis), then the Rust suite again on PostgreSQL, every benchmark once at a small size
# (scripts/bench-smoke.sh), then the web's checks.
# Safe to rerun. Uses TEST_DATABASE_URL when set (that server is never touched), else the local
# server at 127.0.0.1:5432, which scripts/ensure-postgres.sh installs and starts when missing.
# Starts a real Keycloak (scripts/keycloak.sh) for the Keycloak-mode API tests and the browser
# journey (which signs in on Keycloak's own login page), and stops it at the end.
# Builds the real Solana node (scripts/build-surfnet.sh; cached outside the clone) for the
# Solana wallet test, which then must run (SOLANA_TEST_REQUIRED=1).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# Property tests draw one fixed sequence of cases here, so a run is reproducible and says the
# same thing twice; `cargo test` without it explores new cases. (One rare rebalancing case that
# random runs found is recorded in docs/portfolios.md, "Known issues".)
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261207}"
started=$(date +%s)
# Each phase's start, in seconds since this script began (docs/benchmarks.md, "CI phases").
phase() { echo "== $1 (at +$(( $(date +%s) - started )) s)"; }

phase "anvil (real EVM node for the wallet tests)"
bash scripts/install-anvil.sh

phase "ccxt (PyPI, pinned: the signing oracle of the Binance tests)"
bash scripts/install-ccxt.sh
export BINANCE_CCXT_REQUIRED=1
phase "rp2 (PyPI, pinned: the cost-basis oracle of the ledger tests)"
bash scripts/install-rp2.sh
export RP2_REQUIRED=1
phase "pyxirr (PyPI, pinned: the money-weighted-return oracle of the returns tests)"
bash scripts/install-pyxirr.sh
export PYXIRR_REQUIRED=1
phase "aiosmtpd (PyPI, pinned: the real SMTP server of the alert e-mail tests)"
bash scripts/install-aiosmtpd.sh
export AIOSMTPD_REQUIRED=1
phase "bitcoinjs oracle (npm, pinned: the Bitcoin derivation cross-check of domain/tests/bitcoinjs_oracle.rs)"
bash scripts/install-bitcoinjs-oracle.sh
export BITCOINJS_REQUIRED=1
phase "DeFi fixture (npm: the real Aave v3 / Uniswap v3 artifacts, deployed on anvil by the DeFi tests)"
bash scripts/install-defi-fixture.sh
export DEFI_TEST_REQUIRED=1

phase "Keycloak (real server for the Keycloak-mode tests; first run fetches it with Maven)"
trap 'bash scripts/keycloak.sh stop' EXIT
# Keycloak starts (30-50 s here) while the tests compile.
bash scripts/keycloak.sh start &
keycloak_start=$!
cargo test --workspace --locked --no-run
wait "$keycloak_start"
eval "$(bash scripts/keycloak.sh env)"
export KEYCLOAK_TEST_REQUIRED=1

# After the test build, so that a build of the node started beside it (.ci/run) overlaps it.
phase "surfnet (real Solana node for the Solana wallet test; cold build 25+ minutes, then cached)"
SURFNET_BIN="$(bash scripts/build-surfnet.sh)"
export SURFNET_BIN
export SOLANA_TEST_REQUIRED=1

phase "tests on SQLite"
env -u TEST_DATABASE_URL cargo test --workspace --locked

phase "OpenAPI conformance: schemathesis against the running API (about 2.5 minutes)"
bash scripts/conformance.sh

phase "PostgreSQL"
bash scripts/ensure-postgres.sh
phase "tests on PostgreSQL"
TEST_DATABASE_URL="$pg_url" cargo test --workspace --locked

phase "benchmarks, each once at a small size (debug build; full sizes: docs/benchmarks.md)"
BENCH_DATABASE_URL="$pg_url" bash scripts/bench-smoke.sh

phase "web: typecheck, API types, unit tests, production build, end-to-end in Chromium"
bash scripts/test-web.sh
phase "done"
