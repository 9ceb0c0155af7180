#!/usr/bin/env bash
# Installs the Bitcoin derivation oracle's npm packages (bitcoinjs-lib 7.0.0, bip32 4.0.0,
# tiny-secp256k1 2.2.4, pinned in the committed lockfile) into tools/bitcoinjs-oracle/node_modules
# with `npm ci`. Idempotent: does nothing when node_modules was installed from the current
# package-lock.json (a stamp holds the lockfile's sha256). Used by domain/tests/bitcoinjs_oracle.rs.
# Usage: bash scripts/install-bitcoinjs-oracle.sh
set -euo pipefail
cd "$(dirname "$0")/../tools/bitcoinjs-oracle"

stamp="node_modules/.bitcoinjs-oracle-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/bitcoinjs-lib ] \
  && [ -d node_modules/bip32 ] && [ -d node_modules/tiny-secp256k1 ]; then
  echo "bitcoinjs-oracle already installed: tools/bitcoinjs-oracle/node_modules (lockfile ${want:0:12})"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "npm is required to install the bitcoinjs oracle (apt-get install nodejs npm)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
echo "bitcoinjs-oracle installed: tools/bitcoinjs-oracle/node_modules ($(du -sh node_modules | cut -f1), lockfile ${want:0:12})"
