#!/usr/bin/env bash
# Runs every test of the Butler: the whole Rust suite on SQLite, then again on PostgreSQL.
# Safe to rerun. Uses TEST_DATABASE_URL when set, else the local server at 127.0.0.1:5432
# (starting it when it is installed but stopped).
set -euo pipefail
cd "$(dirname "$0")/.."

pg_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

ensure_postgres() {
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then return 0; fi
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && return 0
      sleep 1
    done
  fi
  return 1
}

echo "== anvil (real EVM node for the wallet tests)"
bash scripts/install-anvil.sh

echo "== tests on SQLite"
env -u TEST_DATABASE_URL cargo test --workspace --locked

if [ -z "${TEST_DATABASE_URL:-}" ] && ! ensure_postgres; then
  echo "PostgreSQL is not reachable at 127.0.0.1:5432; set TEST_DATABASE_URL to a server" >&2
  exit 1
fi
echo "== tests on PostgreSQL"
TEST_DATABASE_URL="$pg_url" cargo test --workspace --locked

echo "== web: typecheck, API types, unit tests, production build, end-to-end in Chromium"
bash scripts/test-web.sh
