#!/usr/bin/env bash
# keycloak-init: fits the imported realm to this deployment, then exits. Safe to run again.
#  - the web client's secret from KEYCLOAK_CLIENT_SECRET (the realm file carries none);
#  - its redirect URI, web origin and post-logout redirect from WEB_URL;
#  - unless KEYCLOAK_DEMO_USERS=true, deletes the development-only users demo and demo-admin.
# Runs in the Keycloak image (for kcadm.sh); see docker-compose.yml.
set -euo pipefail

KCADM=${KCADM:-/opt/keycloak/bin/kcadm.sh}
KEYCLOAK_URL=${KEYCLOAK_URL:-http://keycloak:8080}
KEYCLOAK_REALM=${KEYCLOAK_REALM:-butler}
KEYCLOAK_CLIENT_ID=${KEYCLOAK_CLIENT_ID:-butler-web}
KEYCLOAK_DEMO_USERS=${KEYCLOAK_DEMO_USERS:-false}
WAIT_SECS=${KEYCLOAK_INIT_WAIT_SECS:-180}
DEMO_USERS=(demo demo-admin)
CFG=/tmp/kcadm-$$.config
trap 'rm -f "$CFG"' EXIT

log() { echo "keycloak-init: $*"; }
die() { echo "keycloak-init: $*" >&2; exit 1; }
kc() { "$KCADM" "$@" --config "$CFG"; }

missing=()
for v in KEYCLOAK_ADMIN KEYCLOAK_ADMIN_PASSWORD KEYCLOAK_CLIENT_SECRET WEB_URL; do
  [ -n "${!v:-}" ] || missing+=("$v")
done
[ ${#missing[@]} -eq 0 ] || die "set ${missing[*]} in .env"

# Both go into a JSON document below: only characters that need no escaping.
url_re='^https?://[A-Za-z0-9._~:@%+/-]+$'
secret_re='^[A-Za-z0-9._~+/=-]{16,}$'
WEB_URL=${WEB_URL%/}
[[ $WEB_URL =~ $url_re ]] \
  || die "WEB_URL must be an http(s) URL such as http://localhost:3001, got '$WEB_URL'"
[[ $WEB_URL =~ ^https?://[^/]+ ]] && web_origin=${BASH_REMATCH[0]}
[[ $KEYCLOAK_CLIENT_SECRET =~ $secret_re && $KEYCLOAK_CLIENT_SECRET != *change-me* ]] \
  || die "KEYCLOAK_CLIENT_SECRET must be a real secret: 16+ of A-Z a-z 0-9 . _ ~ + / = - (openssl rand -hex 32)"
[[ $KEYCLOAK_ADMIN_PASSWORD != change-me ]] \
  || log "WARNING: KEYCLOAK_ADMIN_PASSWORD is still change-me; change it in the admin console"

log "waiting for $KEYCLOAK_URL (up to ${WAIT_SECS}s)"
deadline=$((SECONDS + WAIT_SECS))
until err=$(kc config credentials --server "$KEYCLOAK_URL" --realm master \
  --user "$KEYCLOAK_ADMIN" --password "$KEYCLOAK_ADMIN_PASSWORD" 2>&1); do
  ((SECONDS < deadline)) || die "could not log in to $KEYCLOAK_URL as $KEYCLOAK_ADMIN: $err"
  sleep 3
done

client_uuid=$(kc get clients -r "$KEYCLOAK_REALM" -q "clientId=$KEYCLOAK_CLIENT_ID" \
  --fields id --format csv --noquotes)
[ -n "$client_uuid" ] \
  || die "realm $KEYCLOAK_REALM has no client $KEYCLOAK_CLIENT_ID (was keycloak/realm-butler.json imported?)"

# Merged into the client (-m): fields not named here keep their values. Sent on stdin, so the
# secret never appears in a process list.
printf '{"secret":"%s","rootUrl":"%s","redirectUris":["%s/api/auth/callback/keycloak"],"webOrigins":["%s"],"attributes":{"post.logout.redirect.uris":"%s/*"}}' \
  "$KEYCLOAK_CLIENT_SECRET" "$WEB_URL" "$WEB_URL" "$web_origin" "$WEB_URL" \
  | kc update "clients/$client_uuid" -r "$KEYCLOAK_REALM" -m -f -
log "client $KEYCLOAK_CLIENT_ID: secret set, redirect URI $WEB_URL/api/auth/callback/keycloak"

if [ "$KEYCLOAK_DEMO_USERS" = "true" ]; then
  log "demo users kept (KEYCLOAK_DEMO_USERS=true): development only"
else
  for name in "${DEMO_USERS[@]}"; do
    uid=$(kc get users -r "$KEYCLOAK_REALM" -q "username=$name" -q exact=true \
      --fields id --format csv --noquotes)
    if [ -n "$uid" ]; then
      kc delete "users/$uid" -r "$KEYCLOAK_REALM"
      log "deleted demo user $name"
    fi
  done
fi
log "done"
