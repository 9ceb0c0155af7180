#!/usr/bin/env bash
# A real Keycloak for the tests: fetched once with Maven into a cache outside the clone, started
# on 127.0.0.1 in development mode with the project's realm imported, stopped by whoever started it.
#
#   scripts/keycloak.sh start    fetch + unpack if missing, start on a fresh realm, wait until ready
#   scripts/keycloak.sh env      print the KEYCLOAK_TEST_* variables of the running server
#   scripts/keycloak.sh stop     stop it (keeps the cache)
#   scripts/keycloak.sh restart  stop, then start again on the same data and port (no re-import)
#   scripts/keycloak.sh status   exit 0 when it answers
#
# Settings: KEYCLOAK_VERSION (pinned below), KEYCLOAK_PORT (default: a free port),
# KEYCLOAK_JAVA_HOME (default: Temurin 25 when installed, else Java 21 or 17), BUTLER_CACHE_DIR
# (default ~/.cache/crypto-pocket-butler), KEYCLOAK_START_TIMEOUT_SECS (default 240).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
version=${KEYCLOAK_VERSION:-26.7.3}
cache=${BUTLER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crypto-pocket-butler}/keycloak
home="$cache/keycloak-$version"
state="$cache/state"
timeout_secs=${KEYCLOAK_START_TIMEOUT_SECS:-240}

log() { echo "keycloak.sh: $*" >&2; }
die() { log "$*"; exit 1; }

java_home() {
  if [ -n "${KEYCLOAK_JAVA_HOME:-}" ]; then echo "$KEYCLOAK_JAVA_HOME"; return; fi
  local j
  # The newest JDK first (Keycloak 26 is built for 21+); 26.7.3 also runs on Java 17.
  for j in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 \
    /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/*; do
    [ -x "$j/bin/java" ] && { echo "$j"; return; }
  done
  [ -n "${JAVA_HOME:-}" ] && { echo "$JAVA_HOME"; return; }
  die "no Java found: install a JDK (17 or newer) or set KEYCLOAK_JAVA_HOME"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

fetch() {
  [ -x "$home/bin/kc.sh" ] && return
  mkdir -p "$cache"
  local zip="$cache/keycloak-quarkus-dist-$version.zip"
  if [ ! -s "$zip" ]; then
    command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Keycloak $version"
    log "fetching org.keycloak:keycloak-quarkus-dist:$version:zip from Maven Central"
    (cd "$cache" && mvn -q dependency:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" -DoutputDirectory="$cache") \
      || die "mvn could not fetch Keycloak $version"
  fi
  log "unpacking $zip"
  rm -rf "$cache/unpack.$$"
  mkdir -p "$cache/unpack.$$"
  if command -v unzip >/dev/null; then
    unzip -q "$zip" -d "$cache/unpack.$$"
  else
    python3 -m zipfile -e "$zip" "$cache/unpack.$$" && chmod +x "$cache/unpack.$$/keycloak-$version"/bin/*.sh
  fi
  mv "$cache/unpack.$$/keycloak-$version" "$home"
  rmdir "$cache/unpack.$$"
}

running() {
  [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null
}

ready() {
  curl -sf -o /dev/null --max-time 2 \
    "http://127.0.0.1:$(cat "$state/port")/realms/butler/.well-known/openid-configuration"
}

launch() {
  local port=$1 mgmt=$2 password=$3
  : >"$state/log"
  # The development mode's H2 database lives in $home/data/h2; --import-realm reads
  # $home/data/import and skips a realm that already exists.
  (
    cd "$home"
    JAVA_HOME=$(java_home) \
      KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$password" \
      exec setsid bin/kc.sh start-dev --import-realm \
      --http-host=127.0.0.1 --http-port="$port" \
      --http-management-port="$mgmt" --health-enabled=true \
      --log-level=warn,org.keycloak.services:info,io.quarkus:info
  ) >>"$state/log" 2>&1 &
  echo $! >"$state/pid"
  local started=$SECONDS
  until ready; do
    if ! running; then
      tail -20 "$state/log" >&2
      die "Keycloak exited during start (log: $state/log)"
    fi
    if ((SECONDS - started > timeout_secs)); then
      tail -20 "$state/log" >&2
      stop
      die "Keycloak not ready after ${timeout_secs}s (log: $state/log)"
    fi
    sleep 1
  done
  echo $((SECONDS - started)) >"$state/start_secs"
  log "Keycloak $version ready on http://127.0.0.1:$port in $((SECONDS - started))s (Java: $(java_home))"
}

start() {
  if running && ready; then log "already running"; return; fi
  fetch
  mkdir -p "$state" "$home/data/import"
  cp "$here/keycloak/realm-butler.json" "$home/data/import/realm-butler.json"
  rm -rf "$home/data/h2"
  local port=${KEYCLOAK_PORT:-$(free_port)}
  local mgmt=${KEYCLOAK_MANAGEMENT_PORT:-$(free_port)}
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  echo "$port" >"$state/port"
  echo "$mgmt" >"$state/mgmt_port"
  (umask 077 && echo "$password" >"$state/admin_password")
  launch "$port" "$mgmt" "$password"
}

restart() {
  [ -f "$state/port" ] || die "never started: run start first"
  stop
  launch "$(cat "$state/port")" "$(cat "$state/mgmt_port")" "$(cat "$state/admin_password")"
}

stop() {
  if running; then
    local pid
    pid=$(cat "$state/pid")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "stopped"
  fi
  rm -f "$state/pid"
}

env_vars() {
  running && ready || die "not running: scripts/keycloak.sh start"
  echo "export KEYCLOAK_TEST_URL=http://127.0.0.1:$(cat "$state/port")"
  echo "export KEYCLOAK_TEST_ADMIN=admin"
  echo "export KEYCLOAK_TEST_ADMIN_PASSWORD=$(cat "$state/admin_password")"
  echo "export KEYCLOAK_TEST_HOME=$home"
  echo "export KEYCLOAK_TEST_CONTROL=$here/scripts/keycloak.sh"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  env) env_vars ;;
  status) running && ready ;;
  *) die "usage: scripts/keycloak.sh start|stop|restart|env|status" ;;
esac
