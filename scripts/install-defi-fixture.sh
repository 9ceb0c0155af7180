#!/usr/bin/env bash
# Installs the DeFi fixture's npm packages (the real Aave v3 / Uniswap v3 hardhat artifacts + ethers 6) into
# tools/defi-fixture/node_modules with `npm ci` from the committed lockfile. Idempotent: does nothing when
# node_modules was already installed from the current package-lock.json (a stamp holds the lockfile's sha256).
# Run scripts/install-anvil.sh too for the node itself. Usage: bash scripts/install-defi-fixture.sh
set -euo pipefail
cd "$(dirname "$0")/../tools/defi-fixture"

stamp="node_modules/.defi-fixture-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/@aave/core-v3/artifacts ] \
  && [ -d node_modules/@uniswap/v3-periphery/artifacts ] && [ -d node_modules/ethers ]; then
  echo "defi-fixture already installed: tools/defi-fixture/node_modules (lockfile ${want:0:12})"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is required to install the DeFi fixture (apt-get install nodejs npm)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
echo "defi-fixture installed: tools/defi-fixture/node_modules ($(du -sh node_modules | cut -f1), lockfile ${want:0:12})"
