#!/usr/bin/env bash
# Measures the foundation's figures (docs/measurements.md): time from process start to the
# first /health answer on an empty SQLite database, and resident memory when idle.
# With --clean-build it also times a clean debug build in a scratch target dir (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--clean-build" ]; then
  scratch=$(mktemp -d)
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$scratch" cargo build -p api --locked >/dev/null 2>&1
  end=$(date +%s.%N)
  printf 'clean debug build: %.0f s\n' "$(echo "$end - $start" | bc)"
  rm -rf "$scratch"
fi

cargo build -p api --release --locked 2>&1 | tail -n 3
bin="$PWD/target/release/api"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runs=${RUNS:-5}
total=0
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  start=$(date +%s%N)
  (cd "$dir" && env -i PATH="$PATH" BIND_ADDR="127.0.0.1:$port" RUST_LOG=warn "$bin" >/dev/null 2>&1) &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.005; done
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  total=$((total + ms))
  echo "run $i: first /health after ${ms} ms"
  if [ "$i" = "$runs" ]; then
    sleep 2
    child=$(pgrep -P "$pid" -f target/release/api || echo "$pid")
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$child/status")
    echo "idle resident memory: $((rss / 1024)) MiB (${rss} kB)"
  fi
  kill "$pid" 2>/dev/null; pkill -f "target/release/api" 2>/dev/null || true; wait 2>/dev/null || true
  rm -rf "$dir"
done
echo "mean time to first /health: $((total / runs)) ms over $runs runs"
