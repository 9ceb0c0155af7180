#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests and benchmarks.
#
# - When TEST_DATABASE_URL (or BENCH_DATABASE_URL) is set, that server is someone else's: it is
#   only checked, never installed, configured or started.
# - When something already answers on 127.0.0.1:5432, nothing is changed.
# - Otherwise Debian's `postgresql` package is installed if missing (apt-get update first), the
#   cluster lets local TCP connections in without a password (trust for 127.0.0.1/32 and ::1/128,
#   lines added at the top of pg_hba.conf, once), it is started and we wait for pg_isready.
#
# Safe to rerun. Prints what it did; exits non-zero when no server could be had.
set -euo pipefail

host=127.0.0.1
port=5432

answers() { command -v pg_isready >/dev/null && pg_isready -q -h "$host" -p "$port"; }

given="${TEST_DATABASE_URL:-${BENCH_DATABASE_URL:-}}"
if [ -n "$given" ]; then
  echo "postgres: using the given server (TEST_DATABASE_URL/BENCH_DATABASE_URL); not touching it"
  exit 0
fi

if answers; then
  echo "postgres: a server already answers on $host:$port"
  exit 0
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ] \
  || [ -z "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ]; then
  echo "postgres: installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq postgresql >/dev/null
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
if [ -z "$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main"')" ]; then
  echo "postgres: creating cluster $version/main"
  as_root pg_createcluster "$version" main --port "$port" >/dev/null
fi

conf="/etc/postgresql/$version/main"
marker="# crypto-pocket-butler: local test connections"
if ! grep -qF "$marker" "$conf/pg_hba.conf"; then
  echo "postgres: trusting local TCP connections (127.0.0.1, ::1) in $conf/pg_hba.conf"
  tmp="$(mktemp)"
  {
    echo "$marker"
    echo "host    all             all             127.0.0.1/32            trust"
    echo "host    all             all             ::1/128                 trust"
    cat "$conf/pg_hba.conf"
  } >"$tmp"
  as_root cp "$tmp" "$conf/pg_hba.conf"
  rm -f "$tmp"
  as_root chown postgres:postgres "$conf/pg_hba.conf"
fi

# Many tests at once each take a few connections; the default of 100 is close to the limit.
if ! grep -qE '^max_connections *= *300' "$conf/postgresql.conf"; then
  echo "max_connections = 300" | as_root tee -a "$conf/postgresql.conf" >/dev/null
fi

echo "postgres: starting cluster $version/main"
if pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
else
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi

for _ in $(seq 1 60); do
  if answers; then
    echo "postgres: ready on $host:$port"
    exit 0
  fi
  sleep 0.5
done
echo "postgres: the server did not answer on $host:$port within 30 s" >&2
exit 1
