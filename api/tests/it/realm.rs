//! The deployment's Keycloak realm (keycloak/realm-butler.json) against what the API and the
//! web app need, and .env.example against both.

use std::collections::HashMap;
use std::path::PathBuf;

use api::config::{AuthMode, Config};
use serde_json::Value;

fn repo_file(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}

fn realm() -> Value {
    serde_json::from_str(&repo_file("keycloak/realm-butler.json")).expect("the realm file is JSON")
}

/// `.env.example` as the API's dotenv loader and docker compose read it (`KEY=value`, quotes
/// stripped), in order.
fn env_example() -> Vec<(String, String)> {
    repo_file(".env.example")
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

fn env_var(name: &str) -> String {
    env_example()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!(".env.example has no {name}"))
}

fn client<'a>(realm: &'a Value, client_id: &str) -> &'a Value {
    realm["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["clientId"] == client_id)
        .unwrap_or_else(|| panic!("the realm has no client {client_id}"))
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|a| a.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default()
}

fn adds_audience_to_access_tokens(client: &Value, audience: &str) -> bool {
    client["protocolMappers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| {
            m["protocol"] == "openid-connect"
                && m["protocolMapper"] == "oidc-audience-mapper"
                && m["config"]["included.client.audience"] == audience
                && m["config"]["access.token.claim"] == "true"
        })
}

#[test]
fn the_web_clients_access_tokens_carry_the_apis_audience() {
    let realm = realm();
    let api_client_id = env_var("BUTLER_API_CLIENT_ID");
    assert_eq!(client(&realm, &api_client_id)["clientId"], "butler-api");
    for web_client in [env_var("KEYCLOAK_CLIENT_ID").as_str(), "butler-cli"] {
        assert!(
            adds_audience_to_access_tokens(client(&realm, web_client), &api_client_id),
            "{web_client} needs an oidc-audience-mapper adding {api_client_id} to access tokens"
        );
    }
}

#[test]
fn realm_roles_user_and_admin_exist_and_new_users_get_user() {
    let realm = realm();
    let roles = &realm["roles"]["realm"];
    for role in ["user", "admin"] {
        assert!(names(roles).contains(&role), "realm role {role} is missing");
    }
    let default_role = realm["defaultRole"]["name"].as_str().expect("defaultRole");
    let composite = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == default_role)
        .expect("the default role is defined among the realm roles");
    let defaults = composite["composites"]["realm"].as_array().unwrap();
    assert!(defaults.contains(&Value::from("user")), "{composite}");
    assert!(!defaults.contains(&Value::from("admin")), "{composite}");
}

#[test]
fn the_web_client_is_confidential_with_the_code_flow_and_pkce_s256_only() {
    let realm = realm();
    let web = client(&realm, &env_var("KEYCLOAK_CLIENT_ID"));
    assert_eq!(
        web["publicClient"], false,
        "the web client must be confidential"
    );
    assert_ne!(web["bearerOnly"], true);
    assert_eq!(web["standardFlowEnabled"], true);
    assert_eq!(web["implicitFlowEnabled"], false);
    assert_eq!(web["directAccessGrantsEnabled"], false);
    assert_eq!(web["serviceAccountsEnabled"], false);
    assert_eq!(web["attributes"]["pkce.code.challenge.method"], "S256");
    assert!(
        web.get("secret").is_none(),
        "the secret comes from .env via keycloak-init, never from the realm file"
    );
}

#[test]
fn the_web_clients_redirect_uri_is_nextauths_callback_under_web_url() {
    let realm = realm();
    let web = client(&realm, &env_var("KEYCLOAK_CLIENT_ID"));
    let web_url = env_var("WEB_URL");
    let web_url = web_url.trim_end_matches('/');
    assert_eq!(
        web["redirectUris"],
        serde_json::json!([format!("{web_url}/api/auth/callback/keycloak")])
    );
    assert_eq!(web["webOrigins"], serde_json::json!([web_url]));
    assert_eq!(web["rootUrl"], web_url);
    // keycloak-init rewrites the same fields from WEB_URL for other deployments.
    let init = repo_file("keycloak/init.sh");
    assert!(init.contains("/api/auth/callback/keycloak"), "{init}");
}

#[test]
fn the_api_client_owns_the_admin_client_role_and_has_no_login_flows() {
    let realm = realm();
    let api_client_id = env_var("BUTLER_API_CLIENT_ID");
    assert!(names(&realm["roles"]["client"][&api_client_id]).contains(&"admin"));
    let api = client(&realm, &api_client_id);
    for flow in [
        "standardFlowEnabled",
        "implicitFlowEnabled",
        "directAccessGrantsEnabled",
        "serviceAccountsEnabled",
    ] {
        assert_eq!(api[flow], false, "{api_client_id}.{flow}");
    }
    let cli = client(&realm, "butler-cli");
    assert_eq!(cli["publicClient"], true);
    assert_eq!(cli["directAccessGrantsEnabled"], false);
    assert_eq!(
        cli["attributes"]["oauth2.device.authorization.grant.enabled"],
        "true"
    );
}

#[test]
fn demo_users_are_marked_development_only_and_keycloak_init_can_remove_them() {
    let realm = realm();
    let users = realm["users"].as_array().expect("users");
    let usernames: Vec<&str> = users
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(usernames, ["demo", "demo-admin"]);
    for u in users {
        assert_eq!(u["lastName"], "DEVELOPMENT ONLY", "{u}");
        let note = u["attributes"]["butler_demo_user"][0]
            .as_str()
            .unwrap_or_default();
        assert!(note.starts_with("DEVELOPMENT ONLY"), "{u}");
    }
    let init = repo_file("keycloak/init.sh");
    let deleted: Vec<&str> = init
        .lines()
        .find_map(|l| l.strip_prefix("DEMO_USERS=("))
        .and_then(|l| l.strip_suffix(')'))
        .expect("keycloak/init.sh lists DEMO_USERS=(…)")
        .split_whitespace()
        .collect();
    assert_eq!(
        deleted, usernames,
        "keycloak-init must delete every demo user"
    );
    let admin = users
        .iter()
        .find(|u| u["username"] == "demo-admin")
        .unwrap();
    assert!(admin["realmRoles"]
        .as_array()
        .unwrap()
        .contains(&Value::from("admin")));
    let demo = users.iter().find(|u| u["username"] == "demo").unwrap();
    assert!(!demo["realmRoles"]
        .as_array()
        .unwrap()
        .contains(&Value::from("admin")));
}

#[test]
fn env_example_names_the_realm_and_clients_of_the_realm_file() {
    let realm = realm();
    assert_eq!(realm["realm"], env_var("BUTLER_REALM"));
    assert_eq!(env_var("BUTLER_API_CLIENT_ID"), "butler-api");
    // The API's own KEYCLOAK_AUDIENCE is empty for local mode, or names the same client.
    let audience = env_var("KEYCLOAK_AUDIENCE");
    assert!(audience.is_empty() || audience == env_var("BUTLER_API_CLIENT_ID"));
    let compose = repo_file("docker-compose.yml");
    for wiring in [
        "KEYCLOAK_AUDIENCE: ${BUTLER_API_CLIENT_ID",
        "KEYCLOAK_REALM: ${BUTLER_REALM",
        "AUTH_KEYCLOAK_ID: ${KEYCLOAK_CLIENT_ID",
        "KEYCLOAK_ISSUER: ${KEYCLOAK_PUBLIC_URL}/realms/${BUTLER_REALM",
        "AUTH_KEYCLOAK_ISSUER: ${KEYCLOAK_PUBLIC_URL}/realms/${BUTLER_REALM",
    ] {
        assert!(
            compose.contains(wiring),
            "docker-compose.yml lacks {wiring}"
        );
    }
}

#[test]
fn env_example_copied_as_is_is_a_valid_local_mode_configuration() {
    let vars: HashMap<String, String> = env_example().into_iter().collect();
    let config = Config::from_vars(&vars).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(config.auth, AuthMode::Local));
    assert!(config.bind_addr.ip().is_loopback());
}

/// Every variable `Config::from_vars` reads, found in its source: literal names, plus the
/// names `job("P", …)`, `provider("P", …)` and `paced_upstream("P", …)` derive from their
/// prefix.
fn variables_the_api_reads() -> Vec<String> {
    let source = repo_file("api/src/config.rs");
    let source = source.split("#[cfg(test)]").next().unwrap();
    let mut names = Vec::new();
    for (i, chunk) in source.split('"').enumerate() {
        let is_name = i % 2 == 1
            && chunk.len() > 2
            && chunk.starts_with(|c: char| c.is_ascii_uppercase())
            && chunk
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !is_name {
            continue;
        }
        let before = source.split('"').take(i).collect::<Vec<_>>().join("\"");
        let suffixes: &[&str] = if before.ends_with("job(") {
            &["ENABLED", "SCHEDULE"]
        } else if before.ends_with("paced_upstream(") {
            &["BASE_URL", "TIMEOUT_SECS", "MAX_RETRIES"]
        } else if before.ends_with("provider(") {
            &[
                "BASE_URL",
                "API_KEY",
                "API_TIER",
                "RATE_PER_MIN",
                "BURST",
                "TIMEOUT_SECS",
                "MAX_RETRIES",
                "BREAKER_FAILURES",
                "BREAKER_COOLDOWN_SECS",
            ]
        } else {
            &[""]
        };
        for s in suffixes {
            names.push(if s.is_empty() {
                chunk.to_string()
            } else {
                format!("{chunk}_{s}")
            });
        }
    }
    // Read through the shared provider settings but unused: OKX keys are per account, and only
    // CoinGecko has tiers.
    names
        .retain(|n| !["OKX_API_KEY", "OKX_API_TIER", "COINPAPRIKA_API_TIER"].contains(&n.as_str()));
    names.sort();
    names.dedup();
    names
}

#[test]
fn every_variable_the_api_reads_is_in_env_example_and_the_configuration_reference() {
    let names = variables_the_api_reads();
    assert!(names.len() > 40, "{names:?}");
    for must in [
        "DATABASE_URL",
        "KEYCLOAK_SERVER",
        "EOD_SNAPSHOT_SCHEDULE",
        "COINGECKO_BURST",
    ] {
        assert!(
            names.iter().any(|n| n == must),
            "{must} not found in config.rs: {names:?}"
        );
    }
    let example: Vec<String> = env_example().into_iter().map(|(k, _)| k).collect();
    let reference = repo_file("docs/configuration.md");
    let missing_example: Vec<_> = names.iter().filter(|n| !example.contains(n)).collect();
    let missing_doc: Vec<_> = names
        .iter()
        .filter(|n| !reference.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing_example.is_empty(),
        "not in .env.example: {missing_example:?}"
    );
    assert!(
        missing_doc.is_empty(),
        "not in docs/configuration.md: {missing_doc:?}"
    );
}

#[test]
fn the_realm_offers_totp_that_users_turn_on_themselves_and_the_browser_flow_asks_for() {
    let realm = realm();
    // What an authenticator app assumes when it is not told (Google Authenticator ignores the rest).
    assert_eq!(realm["otpPolicyType"], "totp");
    assert_eq!(realm["otpPolicyAlgorithm"], "HmacSHA1");
    assert_eq!(realm["otpPolicyDigits"], 6);
    assert_eq!(realm["otpPolicyPeriod"], 30);
    assert_eq!(realm["otpPolicyLookAheadWindow"], 1);
    assert_eq!(realm["otpPolicyCodeReusable"], false);

    let actions = realm["requiredActions"]
        .as_array()
        .expect("requiredActions");
    let action = |alias: &str| {
        actions
            .iter()
            .find(|a| a["alias"] == alias && a["providerId"] == alias)
            .unwrap_or_else(|| panic!("required action {alias} is missing"))
    };
    let totp = action("CONFIGURE_TOTP");
    assert_eq!(totp["enabled"], true, "{totp}");
    assert_eq!(
        totp["defaultAction"], false,
        "OTP is each user's choice; docs/auth.md says how an admin requires it"
    );
    // A realm file that lists required actions gets only those (Keycloak 26.7.3 adds
    // delete_account alone): keep the defaults the realm relies on.
    for alias in [
        "UPDATE_PASSWORD",
        "UPDATE_PROFILE",
        "VERIFY_EMAIL",
        "VERIFY_PROFILE",
        "delete_credential",
    ] {
        assert_eq!(action(alias)["enabled"], true, "{alias}");
    }
    // Keycloak's built-in "browser" flow asks for the OTP of a user who has one ("Browser -
    // Conditional 2FA"); the realm neither replaces it nor defines flows of its own.
    assert_eq!(realm["browserFlow"], "browser");
    assert!(realm.get("authenticationFlows").is_none());
}
