#!/usr/bin/env bash
# Installs anvil (a local EVM node, from the npm package @foundry-rs/anvil-linux-amd64) into
# .tools/ for the EVM connector tests and benchmark. Safe to rerun: does nothing when present.
# The tests look for ANVIL_BIN, then .tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil,
# then anvil on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${ANVIL_NPM_VERSION:-1.7.1}"
bin=".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

if [ -x "$bin" ]; then
  echo "anvil already installed: $bin ($("$bin" --version | head -n1))"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is required to install anvil (apt-get install nodejs npm)" >&2
  exit 1
fi
mkdir -p .tools
npm install --prefix .tools --no-save --no-package-lock --no-audit --no-fund \
  "@foundry-rs/anvil-linux-amd64@${version}" >/dev/null
if [ ! -x "$bin" ]; then
  echo "npm installed @foundry-rs/anvil-linux-amd64 but $bin is missing" >&2
  exit 1
fi
echo "anvil installed: $bin ($("$bin" --version | head -n1))"
