#!/usr/bin/env bash
# Checks the deployment files without a Docker engine:
#  1. docker-compose.yml is valid with .env.example (Debian's docker-compose, installed if missing);
#  2. docker-compose.yml holds no secret: every password, secret, key or token comes from .env;
#  3. every API variable of .env.example reaches the api container.
# The realm file is checked by the Rust test api/tests/it/realm.rs.
set -euo pipefail
cd "$(dirname "$0")/.."

compose=docker-compose.yml
env_file=.env.example
problems=()

if ! command -v docker-compose >/dev/null; then
  echo "== installing docker-compose (Debian package)"
  apt-get update -qq && apt-get install -y -qq docker-compose >/dev/null
fi

echo "== docker-compose config"
if ! out=$(docker-compose -f "$compose" --env-file "$env_file" config -q 2>&1); then
  problems+=("docker-compose config failed: $out")
fi

echo "== no secret in $compose"
# A value whose name says it is secret must be a bare ${VAR} or ${VAR:-} (no literal default).
secret_name='(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|MASTER_KEY|OLD_KEYS|PRIVATE|CREDENTIAL)'
plain_ref='^"?\$\{[A-Z0-9_]+(:?-)?\}"?$'
lineno=0
while IFS= read -r line; do
  lineno=$((lineno + 1))
  [[ $line =~ ^[[:space:]]*# ]] && continue
  if [[ $line =~ ^[[:space:]]*-?[[:space:]]*([A-Za-z0-9_]+)[[:space:]]*[:=][[:space:]]*(.*)$ ]]; then
    name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    value=${value%%[[:space:]]#*}
    if [[ ${name^^} =~ $secret_name && -n $value && ! $value =~ $plain_ref ]]; then
      problems+=("$compose:$lineno: $name has a literal value; take it from .env as \${$name}")
    fi
  fi
  # user:password@ in a URL must use variables for the password.
  if [[ $line =~ ://[^/@[:space:]]*:([^@[:space:]]+)@ && ! ${BASH_REMATCH[1]} =~ ^\$\{[A-Z0-9_]+\}$ ]]; then
    problems+=("$compose:$lineno: a URL carries a literal password")
  fi
  # Long random-looking strings (keys, tokens) have no place here at all.
  if [[ $line =~ [A-Za-z0-9+/_=-]{32,} ]]; then
    word=${BASH_REMATCH[0]}
    if [[ $word =~ [0-9] && $word =~ [A-Za-z] ]]; then
      problems+=("$compose:$lineno: a long random-looking literal")
    fi
  fi
done <"$compose"

echo "== API variables passed to the api container"
# .env.example lists the API's variables before its "docker compose" section.
api_vars=$(awk '/^# --- docker compose/ { exit } /^[A-Z][A-Z0-9_]*=/ { sub(/=.*/, ""); print }' "$env_file")
api_block=$(awk '/^  api:$/ { on = 1; next } on && /^  [a-z]/ { exit } on { print }' "$compose")
for v in $api_vars; do
  grep -Eq "^[[:space:]]+$v:" <<<"$api_block" || problems+=("$v (in $env_file) is not passed to the api service in $compose")
done

if [ ${#problems[@]} -gt 0 ]; then
  printf '  - %s\n' "${problems[@]}" >&2
  echo "check-deploy: FAILED (${#problems[@]} problem(s))"
  exit 1
fi
echo "check-deploy: OK ($compose valid with $env_file, no secrets in it, $(wc -w <<<"$api_vars") API variables passed)"
