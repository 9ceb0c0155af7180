#!/usr/bin/env bash
# Builds the test-only real Solana node (tools/surfnet-harness: surfpool, ~1,000 crates) into a
# target directory outside the clone, so a rerun on the same machine reuses it, and prints the
# binary's path. Cold: about 23 minutes on 2 idle cores (longer on a busy machine); warm: seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${SURFNET_TARGET_DIR:-$HOME/.cache/crypto-pocket-butler/surfnet-target}"
mkdir -p "$target"
start=$(date +%s)
(cd tools/surfnet-harness && CARGO_TARGET_DIR="$target" nice -n 10 cargo build --locked >&2)
echo "surfnet-harness built in $(( $(date +%s) - start )) s" >&2
echo "$target/debug/surfnet-harness"
