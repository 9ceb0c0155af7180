//! Exchange accounts and wallets of the signed-in user: CRUD and sync.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::config::Secret;
use crate::connectors::{ConnectorError, ExchangeBalances, ExchangeCredentials};
use crate::domain::bitcoin_wallet;
use crate::domain::holdings::{self, Holding};
use crate::domain::locations::LocationSync;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::{accounts as store, credentials, evm_chains};
use crate::sync::{self, sources, SyncError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    Exchange,
    Wallet,
    /// Holdings the user enters (cold storage, an OTC position): `PUT …/manual-holdings`.
    Manual,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountResponse {
    pub id: Uuid,
    pub name: String,
    pub account_type: AccountType,
    pub exchange_name: Option<String>,
    /// A masked hint of the API key (e.g. `ab12…yz89`); the key itself is never returned.
    pub api_key_hint: Option<String>,
    pub wallet_address: Option<String>,
    /// A wallet's chain family (`evm`).
    pub chain_family: Option<String>,
    /// Chain names the wallet is read on.
    pub enabled_chains: Vec<String>,
    pub is_active: bool,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// `ok`, `partial` (some locations or tokens could not be read and kept their previous
    /// holdings), `error` (nothing could be read), or null before the first sync.
    pub last_sync_status: Option<String>,
    pub last_sync_error: Option<String>,
    /// Set when the API key can do more than read (it can trade).
    pub permission_warning: Option<String>,
    /// Net sum of priced holdings at the latest prices (the same rule as portfolios),
    /// liabilities subtracted; unpriced and `out_of_range` ones are left out. `null` while an
    /// exchange or wallet account has never been read (its value is unknown, not 0); a manual
    /// account with nothing entered is worth a known 0.
    #[schema(value_type = Option<String>)]
    pub total_value_usd: Option<Decimal>,
    pub holdings: Vec<Holding>,
    /// DeFi positions by protocol and chain (Aave v3, Uniswap v3), with the Aave health factor
    /// and whether it is below `HEALTH_FACTOR_WARNING`.
    pub defi: Vec<crate::domain::defi::ProtocolSummary>,
    /// Each location's (chain's, or exchange part's) last good read, status and error;
    /// `last_synced_at` is the oldest of their reads.
    pub locations: Vec<LocationSync>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Accounts as answered: holdings valued at the latest prices by the same rule as portfolios
/// (so an account's total and a portfolio's agree after a price change), one price look-up
/// for all of them. A holdings document that cannot be read is an error, never "no holdings".
async fn valued(
    state: &AppState,
    rows: Vec<store::Account>,
) -> Result<Vec<AccountResponse>, ApiError> {
    let held: Vec<Vec<Holding>> = crate::portfolio::account_holdings(&state.db, &rows)
        .await?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    let mut ids: Vec<Uuid> = held.iter().flatten().filter_map(|h| h.asset_id).collect();
    ids.sort();
    ids.dedup();
    let prices = state.price_cache.latest_many(&state.db, &ids).await?;
    let dust = state.config.sync.dust_threshold_usd;
    let rule = crate::portfolio::PriceRule::of(&state.config.market);
    Ok(rows
        .into_iter()
        .zip(held)
        .map(|(a, mut h)| {
            crate::portfolio::reprice(&mut h, &prices, dust);
            crate::portfolio::flag_stale(&mut h, &rule);
            response(a, h, state.config.sync.health_factor_warning)
        })
        .collect())
}

pub(crate) async fn valued_one(
    state: &AppState,
    a: store::Account,
) -> Result<AccountResponse, ApiError> {
    Ok(valued(state, vec![a]).await?.remove(0))
}

fn response(
    a: store::Account,
    holdings: Vec<Holding>,
    health_factor_warning: Decimal,
) -> AccountResponse {
    let locations = sync::stored_locations(&a);
    AccountResponse {
        defi: crate::domain::defi::summaries(&holdings, health_factor_warning),
        locations,
        total_value_usd: crate::portfolio::has_been_read(&a)
            .then(|| holdings::total_value(&holdings)),
        enabled_chains: sync::enabled_chains(&a),
        account_type: match a.account_type.as_str() {
            "exchange" => AccountType::Exchange,
            "manual" => AccountType::Manual,
            _ => AccountType::Wallet,
        },
        id: a.id,
        name: a.name,
        exchange_name: a.exchange_name,
        api_key_hint: a.api_key_hint,
        wallet_address: a.wallet_address,
        chain_family: a.chain_family,
        is_active: a.is_active,
        last_synced_at: a.last_synced_at,
        last_sync_status: a.last_sync_status,
        last_sync_error: a.last_sync_error,
        permission_warning: a.permission_warning,
        holdings,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    pub name: String,
    pub account_type: AccountType,
    /// An exchange of `GET /api/exchanges` (`okx`, `binance`) for exchange accounts.
    pub exchange_name: Option<String>,
    /// Read-only API key, secret and (OKX) passphrase: the credentials `GET /api/exchanges`
    /// lists for the exchange; stored encrypted.
    pub api_key: Option<String>,
    pub api_secret: Option<String>,
    pub passphrase: Option<String>,
    /// The wallet's chain family: `evm` (the default), `solana` or `bitcoin`.
    pub chain_family: Option<String>,
    /// EVM wallets: `0x` + 40 hex; mixed case must carry a valid EIP-55 checksum. Solana
    /// wallets: the base58 public key (32 bytes). Bitcoin wallets: a mainnet address, or an
    /// account extended public key (xpub/ypub/zpub) or descriptor, stored encrypted and shown
    /// only as a hint (docs/bitcoin.md).
    pub wallet_address: Option<String>,
    /// Active chain names, e.g. `["ethereum", "base"]` (EVM wallets; not for Solana wallets).
    pub enabled_chains: Option<Vec<String>>,
    /// Bitcoin wallets of an extended public key: consecutive unused addresses that end each
    /// chain's scan, 1-200 (default 20).
    pub gap_limit: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccountRequest {
    pub name: Option<String>,
    pub is_active: Option<bool>,
    pub enabled_chains: Option<Vec<String>>,
    /// Replace the credentials: all the exchange's credentials together.
    pub api_key: Option<String>,
    pub api_secret: Option<String>,
    pub passphrase: Option<String>,
    /// Bitcoin wallets of an extended public key: the scan's gap limit, 1-200 (the used
    /// addresses found so far stay remembered).
    pub gap_limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncAllItem {
    pub account_id: Uuid,
    pub name: String,
    /// `ok`, `partial`, `error` or `skipped` (already syncing).
    pub status: String,
    pub error: Option<String>,
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    if name.trim().is_empty() || name.chars().count() > 64 {
        errors.push(FieldError::new("name", "must be 1-64 characters"));
    }
}

fn required(v: &Option<String>, field: &str, errors: &mut Vec<FieldError>) {
    if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
        errors.push(FieldError::new(field, "is required for exchange accounts"));
    }
}

fn forbidden(present: bool, field: &str, kind: &str, errors: &mut Vec<FieldError>) {
    if present {
        errors.push(FieldError::new(
            field,
            format!("does not apply to {kind} accounts"),
        ));
    }
}

/// Checks chain names against the active chains; returns them de-duplicated, in order.
async fn check_chains(
    state: &AppState,
    chains: Option<&Vec<String>>,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<String>, ApiError> {
    let Some(chains) = chains.filter(|c| !c.is_empty()) else {
        errors.push(FieldError::new(
            "enabled_chains",
            "list at least one chain, e.g. [\"ethereum\"]",
        ));
        return Ok(Vec::new());
    };
    let active: BTreeSet<String> = evm_chains::list(&state.db, Some(true))
        .await?
        .into_iter()
        .map(|c| c.chain_name)
        .collect();
    let mut out = Vec::new();
    for (i, c) in chains.iter().enumerate() {
        if !active.contains(c) {
            errors.push(FieldError::new(
                format!("enabled_chains[{i}]"),
                format!("{c:?} is not an active chain (see GET /api/chains)"),
            ));
        } else if !out.contains(c) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

/// What checking a key found: the warning for keys that can trade, and the exchange's id of
/// the account behind the key.
struct VettedKey {
    warning: Option<String>,
    uid: Option<String>,
}

/// Asks the exchange what the key may do: refuses keys that can withdraw, that cannot read,
/// or that the exchange rejects.
async fn vet_key(
    exchange: &dyn ExchangeBalances,
    creds: &ExchangeCredentials,
) -> Result<VettedKey, ApiError> {
    let name = exchange.info().display_name;
    match exchange.key_permissions(creds).await {
        Ok(p) if p.withdraw => Err(ApiError::validation(vec![FieldError::new(
            "api_key",
            "this key can withdraw funds; create a read-only key",
        )])),
        Ok(p) if !p.read => Err(ApiError::validation(vec![FieldError::new(
            "api_key",
            format!("this key cannot read balances; enable reading for it on {name}"),
        )])),
        Ok(p) => Ok(VettedKey {
            warning: p.trade.then(|| sync::TRADE_WARNING.to_string()),
            uid: p.account_uid,
        }),
        Err(ConnectorError::Refused { reason, .. }) => {
            Err(ApiError::validation(vec![FieldError::new(
                exchange.refused_field(&reason),
                format!("{name} refused it: {reason}"),
            )]))
        }
        Err(ConnectorError::Unauthorized { .. }) => {
            Err(ApiError::validation(vec![FieldError::new(
                "api_key",
                format!("{name} refused these credentials"),
            )]))
        }
        Err(e) => Err(ApiError::Unavailable {
            code: "exchange_unavailable",
            message: format!("the key could not be checked, nothing was stored: {e}"),
        }),
    }
}

/// `409 duplicate_account` naming the user's account that already is this wallet or exchange
/// account, when `e` broke one of those unique indexes; else `e` as it is.
async fn refuse_duplicate(
    state: &AppState,
    user_id: Uuid,
    row: &store::AccountFields,
    e: sea_orm::DbErr,
) -> ApiError {
    let text = |v: &Option<String>| v.clone();
    let found = match store::duplicate_of(&e) {
        Some(store::Duplicate::Wallet) => match text(&row.wallet_address) {
            Some(address) => store::find_wallet(&state.db, user_id, &address).await,
            None => Ok(None),
        },
        Some(store::Duplicate::ExchangeAccount) => {
            match (text(&row.exchange_name), text(&row.exchange_uid)) {
                (Some(exchange), Some(uid)) => {
                    store::find_exchange_account(&state.db, user_id, &exchange, &uid).await
                }
                _ => Ok(None),
            }
        }
        None => return e.into(),
    };
    match found {
        Ok(Some(existing)) => {
            let what = if existing.account_type == "wallet" {
                "this wallet"
            } else {
                "this exchange account (the key belongs to it)"
            };
            ApiError::DuplicateAccount {
                existing: existing.id,
                message: format!(
                    "you already added {what} as account \"{}\" ({})",
                    existing.name, existing.id
                ),
            }
        }
        // Gone again between the violation and the look-up: still a conflict.
        Ok(None) => e.into(),
        Err(lookup) => lookup.into(),
    }
}

/// Requires the credentials `exchange` needs and forbids the others.
fn check_credentials(
    exchange: &dyn ExchangeBalances,
    given: [(&Option<String>, &'static str); 3],
    errors: &mut Vec<FieldError>,
) {
    let info = exchange.info();
    for (value, field) in given {
        if info.needs(field) {
            required(value, field, errors);
        } else {
            forbidden(value.is_some(), field, info.display_name, errors);
        }
    }
}

fn secret(v: &Option<String>) -> Secret<String> {
    Secret::new(v.as_deref().unwrap_or_default().trim().to_string())
}

/// Encrypts the credentials of `account_id`, with the key's masked hint.
fn seal_credentials(
    state: &AppState,
    account_id: Uuid,
    creds: &ExchangeCredentials,
) -> (credentials::EncryptedCredentials, String) {
    let plain = credentials::Credentials {
        api_key: Some(creds.api_key.clone()),
        api_secret: Some(creds.api_secret.clone()),
        passphrase: (!creds.passphrase.expose().is_empty()).then(|| creds.passphrase.clone()),
    };
    (
        credentials::encrypt_credentials(&state.cipher, account_id, &plain),
        crate::crypto::mask_api_key(creds.api_key.expose()),
    )
}

/// The user's accounts with their holdings and last sync.
#[utoipa::path(get, path = "/api/accounts", tag = "accounts", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The user's accounts", body = [AccountResponse]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<AccountResponse>>, ApiError> {
    let rows = store::list_for_user(&state.db, user.id).await?;
    Ok(Json(valued(&state, rows).await?))
}

/// One of the user's accounts.
#[utoipa::path(get, path = "/api/accounts/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account", body = AccountResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody)))]
pub async fn get_account(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AccountResponse>, ApiError> {
    let a = store::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(valued_one(&state, a).await?))
}

/// Add an exchange account (a read-only key of an exchange of `GET /api/exchanges`), an EVM
/// wallet, or a manual account (holdings you enter). Its first sync starts at once in the
/// background (follow it with `GET /api/accounts/sync-progress`).
#[utoipa::path(post, path = "/api/accounts", tag = "accounts", request_body = CreateAccountRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created", body = AccountResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 409, description = "duplicate_account: this wallet or exchange account is already one of the user's accounts (`existing_account_id` names it)", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the exchange refused the key", body = ErrorBody),
        (status = 503, description = "The exchange could not be reached to check the key", body = ErrorBody)))]
pub async fn create_account(
    State(state): State<AppState>,
    user: AuthUser,
    limits: Option<axum::Extension<std::sync::Arc<crate::http::limits::RequestLimits>>>,
    ApiJson(req): ApiJson<CreateAccountRequest>,
) -> Result<(StatusCode, Json<AccountResponse>), ApiError> {
    crate::http::caps::room_for_account(&state, user.id).await?;
    let NewAccount { mut row, key } = validate_new_account(&state, &req).await?;
    let id = Uuid::new_v4();
    // A Bitcoin extended key is a secret: sealed, shown as its hint, a stand-in as the address.
    let mut bitcoin_gap = None;
    if row.chain_family.as_deref() == Some("bitcoin") {
        if let Some(text) = row
            .wallet_address
            .take_if(|t| sync::bitcoin::is_extended(t))
        {
            let (sealed, hint, stand_in) = sync::bitcoin::seal_extended(&state.cipher, id, &text);
            row.wallet_address = Some(stand_in);
            row.credentials = Some((sealed, hint));
            bitcoin_gap = Some(req.gap_limit.unwrap_or(bitcoin_wallet::DEFAULT_GAP_LIMIT));
        }
    }
    if let Some(key) = key {
        let vetted = vet_key(key.exchange.as_ref(), &key.creds).await?;
        row.permission_warning = Some(vetted.warning);
        row.exchange_uid = vetted.uid;
        row.credentials = Some(seal_credentials(&state, id, &key.creds));
    }
    let created = save_account(&state, user.id, id, req.account_type, row).await?;
    if let Some(gap) = bitcoin_gap {
        // Before the first sync starts, so that it scans with this gap.
        crate::store::bitcoin_wallet_scans::save(&state.db, created.id, gap, Default::default())
            .await?;
    }
    tracing::info!(account_id = %created.id, user_id = %user.id, account_type = %created.account_type, "account added");
    first_sync(
        &state,
        limits.as_deref().map(|l| l.as_ref()),
        user.id,
        &created,
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(valued_one(&state, created).await?),
    ))
}

/// Starts the first sync of an account just added, in the background (the `201` does not wait
/// for it): queued in the sync progress at once, so the web shows it running and reports when
/// it ends. It takes the account's sync turn as `POST /api/accounts/{id}/sync` would, and the
/// account's sync lock decides as for any sync (a sync already running wins).
async fn first_sync(
    state: &AppState,
    limits: Option<&crate::http::limits::RequestLimits>,
    user_id: Uuid,
    account: &store::Account,
) {
    if !state.config.sync.sync_new_accounts || !account.is_active {
        return;
    }
    if let Some(l) = limits {
        if !l.take_sync(user_id, account.id).await {
            return;
        }
    }
    state.sync_progress.queue(account.id, &account.name);
    let bg = state.sync();
    let account = account.clone();
    tokio::spawn(async move {
        let id = account.id;
        match sync::sync_account(&bg, account).await {
            Ok(_) | Err(SyncError::InProgress) => {}
            Err(e) => {
                tracing::warn!(account_id = %id, error = %format!("{e:#}"), "first sync of a new account failed");
            }
        }
    });
}

/// A valid create request: the account's fields so far and, for an exchange account, the key
/// still to vet and encrypt.
struct NewAccount {
    row: store::AccountFields,
    key: Option<ExchangeKey>,
}

struct ExchangeKey {
    exchange: std::sync::Arc<dyn ExchangeBalances>,
    creds: ExchangeCredentials,
}

/// Checks every field of a create request, reporting all the invalid ones at once (`422`).
async fn validate_new_account(
    state: &AppState,
    req: &CreateAccountRequest,
) -> Result<NewAccount, ApiError> {
    let mut errors = Vec::new();
    check_name(&req.name, &mut errors);
    if !matches!(req.account_type, AccountType::Wallet) {
        forbidden(
            req.gap_limit.is_some(),
            "gap_limit",
            "non-wallet",
            &mut errors,
        );
    }
    let mut row = store::AccountFields {
        name: Some(req.name.trim().to_string()),
        ..Default::default()
    };
    let key = match req.account_type {
        AccountType::Exchange => validate_exchange(state, req, &mut row, &mut errors),
        AccountType::Wallet => {
            validate_wallet(state, req, &mut row, &mut errors).await?;
            None
        }
        AccountType::Manual => {
            validate_manual(req, &mut errors);
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(NewAccount { row, key })
}

/// An exchange account: a supported exchange and the credentials it needs, nothing of a
/// wallet. The key to vet, when the exchange is known.
fn validate_exchange(
    state: &AppState,
    req: &CreateAccountRequest,
    row: &mut store::AccountFields,
    errors: &mut Vec<FieldError>,
) -> Option<ExchangeKey> {
    let name = req.exchange_name.as_deref().map(str::to_lowercase);
    let exchange = name
        .as_deref()
        .and_then(|e| state.exchanges.get(e))
        .cloned();
    match &exchange {
        Some(e) => {
            row.exchange_name = name;
            check_credentials(
                e.as_ref(),
                [
                    (&req.api_key, "api_key"),
                    (&req.api_secret, "api_secret"),
                    (&req.passphrase, "passphrase"),
                ],
                errors,
            );
        }
        None => {
            errors.push(FieldError::new(
                "exchange_name",
                format!("unknown exchange; supported: {}", state.exchanges.names()),
            ));
            // Every exchange's keys have these two.
            required(&req.api_key, "api_key", errors);
            required(&req.api_secret, "api_secret", errors);
        }
    }
    forbidden(
        req.wallet_address.is_some(),
        "wallet_address",
        "exchange",
        errors,
    );
    forbidden(
        req.enabled_chains.is_some(),
        "enabled_chains",
        "exchange",
        errors,
    );
    forbidden(
        req.chain_family.is_some(),
        "chain_family",
        "exchange",
        errors,
    );
    exchange.map(|exchange| ExchangeKey {
        exchange,
        creds: ExchangeCredentials {
            api_key: secret(&req.api_key),
            api_secret: secret(&req.api_secret),
            passphrase: secret(&req.passphrase),
        },
    })
}

/// A wallet: a known chain family, an address of it and (EVM) active chains; no exchange key.
async fn validate_wallet(
    state: &AppState,
    req: &CreateAccountRequest,
    row: &mut store::AccountFields,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    forbidden(
        req.exchange_name.is_some(),
        "exchange_name",
        "wallet",
        errors,
    );
    forbidden(req.api_key.is_some(), "api_key", "wallet", errors);
    forbidden(req.api_secret.is_some(), "api_secret", "wallet", errors);
    forbidden(req.passphrase.is_some(), "passphrase", "wallet", errors);
    let family_name = req
        .chain_family
        .as_deref()
        .map(str::trim)
        .unwrap_or(sources::DEFAULT_WALLET_FAMILY);
    let family = sources::wallet_family(family_name);
    if family.is_none() {
        errors.push(FieldError::new(
            "chain_family",
            format!(
                "unknown chain family; supported: {}",
                sources::WALLET_FAMILIES
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let address = match (req.wallet_address.as_deref(), family) {
        (Some(a), Some(f)) => match (f.normalize_address)(a) {
            Ok(a) => Some(a),
            Err(why) => {
                errors.push(FieldError::new("wallet_address", why));
                None
            }
        },
        (Some(_), None) => None,
        (None, _) => {
            errors.push(FieldError::new("wallet_address", "is required for wallets"));
            None
        }
    };
    // Solana and Bitcoin wallets have one location (the endpoint the admin sets): no chain list.
    let chains = if let Some(kind) = single_location_wallet(family.map(|f| f.name)) {
        forbidden(req.enabled_chains.is_some(), "enabled_chains", kind, errors);
        None
    } else {
        Some(check_chains(state, req.enabled_chains.as_ref(), errors).await?)
    };
    let extended = family.is_some_and(|f| f.name == "bitcoin")
        && address.as_deref().is_some_and(sync::bitcoin::is_extended);
    if let Some(g) = req.gap_limit {
        if !extended {
            errors.push(FieldError::new(
                "gap_limit",
                "applies only to Bitcoin wallets of an extended public key",
            ));
        } else if !(1..=bitcoin_wallet::MAX_GAP_LIMIT).contains(&g) {
            errors.push(FieldError::new(
                "gap_limit",
                format!("must be 1-{}", bitcoin_wallet::MAX_GAP_LIMIT),
            ));
        }
    }
    // Without errors the address is there (the caller refuses the request otherwise). A
    // Bitcoin extended key is sealed by `create_account` before anything stores it.
    row.wallet_address = address;
    row.chain_family = family.map(|f| f.name.to_string());
    row.enabled_chains = chains;
    Ok(())
}

/// The wallet families with one location (no `enabled_chains`), named for messages.
fn single_location_wallet(family: Option<&str>) -> Option<&'static str> {
    match family {
        Some("solana") => Some("Solana wallet"),
        Some("bitcoin") => Some("Bitcoin wallet"),
        _ => None,
    }
}

/// A manual account: nothing of an exchange or a wallet.
fn validate_manual(req: &CreateAccountRequest, errors: &mut Vec<FieldError>) {
    for (present, field) in [
        (req.exchange_name.is_some(), "exchange_name"),
        (req.api_key.is_some(), "api_key"),
        (req.api_secret.is_some(), "api_secret"),
        (req.passphrase.is_some(), "passphrase"),
        (req.wallet_address.is_some(), "wallet_address"),
        (req.enabled_chains.is_some(), "enabled_chains"),
        (req.chain_family.is_some(), "chain_family"),
    ] {
        forbidden(present, field, "manual", errors);
    }
}

/// Saves the new account. The unique indexes decide, so two concurrent creates give one row
/// and one `409`.
async fn save_account(
    state: &AppState,
    user_id: Uuid,
    id: Uuid,
    account_type: AccountType,
    row: store::AccountFields,
) -> Result<store::Account, ApiError> {
    let account_type = match account_type {
        AccountType::Exchange => "exchange",
        AccountType::Wallet => "wallet",
        AccountType::Manual => "manual",
    };
    match store::create(&state.db, id, user_id, account_type, row.clone()).await {
        Ok(created) => Ok(created),
        Err(e) => Err(refuse_duplicate(state, user_id, &row, e).await),
    }
}

/// Change an account: name, active flag, chains (wallets) or credentials (exchanges).
#[utoipa::path(put, path = "/api/accounts/{id}", tag = "accounts", request_body = UpdateAccountRequest,
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = AccountResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody),
        (status = 409, description = "duplicate_account: the new key belongs to an exchange account the user already has", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the exchange refused the key", body = ErrorBody),
        (status = 503, description = "The exchange could not be reached to check the key", body = ErrorBody)))]
pub async fn update_account(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateAccountRequest>,
) -> Result<Json<AccountResponse>, ApiError> {
    let account = store::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let is_exchange = account.account_type == "exchange";
    let is_manual = account.account_type == "manual";
    let creds_given = req.api_key.is_some() || req.api_secret.is_some() || req.passphrase.is_some();
    let exchange = if is_exchange && creds_given {
        match sync::exchange_connector(&state.sync(), &account) {
            Ok(e) => Some(e),
            Err(e) => {
                return Err(ApiError::validation(vec![FieldError::new(
                    "exchange_name",
                    e.to_string(),
                )]))
            }
        }
    } else {
        None
    };
    let mut errors = Vec::new();
    let mut row = store::AccountFields::default();
    if let Some(name) = &req.name {
        check_name(name, &mut errors);
        row.name = Some(name.trim().to_string());
    }
    row.is_active = req.is_active;
    if is_exchange {
        forbidden(
            req.enabled_chains.is_some(),
            "enabled_chains",
            "exchange",
            &mut errors,
        );
        if let (true, Some(exchange)) = (creds_given, &exchange) {
            check_credentials(
                exchange.as_ref(),
                [
                    (&req.api_key, "api_key"),
                    (&req.api_secret, "api_secret"),
                    (&req.passphrase, "passphrase"),
                ],
                &mut errors,
            );
        }
    } else {
        let kind = if is_manual { "manual" } else { "wallet" };
        for (present, field) in [
            (req.api_key.is_some(), "api_key"),
            (req.api_secret.is_some(), "api_secret"),
            (req.passphrase.is_some(), "passphrase"),
        ] {
            forbidden(present, field, kind, &mut errors);
        }
        if is_manual {
            forbidden(
                req.enabled_chains.is_some(),
                "enabled_chains",
                kind,
                &mut errors,
            );
        } else if let Some(kind) = req
            .enabled_chains
            .is_some()
            .then(|| single_location_wallet(account.chain_family.as_deref()))
            .flatten()
        {
            forbidden(true, "enabled_chains", kind, &mut errors);
        } else if req.enabled_chains.is_some() {
            let chains = check_chains(&state, req.enabled_chains.as_ref(), &mut errors).await?;
            row.enabled_chains = Some(chains);
        }
    }
    let extended_key =
        account.chain_family.as_deref() == Some("bitcoin") && account.api_key_encrypted.is_some();
    match req.gap_limit {
        Some(_) if !extended_key => errors.push(FieldError::new(
            "gap_limit",
            "applies only to Bitcoin wallets of an extended public key",
        )),
        Some(g) if !(1..=bitcoin_wallet::MAX_GAP_LIMIT).contains(&g) => {
            errors.push(FieldError::new(
                "gap_limit",
                format!("must be 1-{}", bitcoin_wallet::MAX_GAP_LIMIT),
            ))
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(gap) = req.gap_limit {
        let scans = crate::store::bitcoin_wallet_scans::get(&state.db, id).await?;
        let used = scans
            .as_ref()
            .map(crate::store::bitcoin_wallet_scans::used)
            .unwrap_or_default();
        crate::store::bitcoin_wallet_scans::save(&state.db, id, gap, used).await?;
    }
    if let (true, Some(exchange)) = (creds_given, &exchange) {
        let creds = ExchangeCredentials {
            api_key: secret(&req.api_key),
            api_secret: secret(&req.api_secret),
            passphrase: secret(&req.passphrase),
        };
        let vetted = vet_key(exchange.as_ref(), &creds).await?;
        row.permission_warning = Some(vetted.warning);
        row.exchange_name = account.exchange_name.clone();
        row.exchange_uid = vetted.uid;
        row.credentials = Some(seal_credentials(&state, id, &creds));
    }
    let updated = match store::change(&state.db, id, row.clone()).await {
        Ok(updated) => updated,
        Err(e) => return Err(refuse_duplicate(&state, user.id, &row, e).await),
    };
    Ok(Json(valued_one(&state, updated).await?))
}

/// Delete an account and its stored credentials.
#[utoipa::path(delete, path = "/api/accounts/{id}", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody)))]
pub async fn delete_account(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store::delete_for_user(&state.db, user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("account"))
    }
}

pub(crate) fn sync_error(e: SyncError) -> ApiError {
    match e {
        SyncError::InProgress => ApiError::Conflict {
            code: "sync_in_progress",
            message: "this account is already syncing".into(),
        },
        SyncError::Db(e) => e.into(),
        SyncError::Unreadable(e) => e.into(),
        SyncError::Other(e) => ApiError::Internal(e),
    }
}

/// Sync an account now; answers the account as stored afterwards (a failed sync keeps the
/// previous holdings and says why in `last_sync_status` / `last_sync_error`).
#[utoipa::path(post, path = "/api/accounts/{id}/sync", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account after the sync", body = AccountResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody),
        (status = 409, description = "Already syncing", body = ErrorBody)))]
pub async fn sync_account(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AccountResponse>, ApiError> {
    let account = store::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let synced = sync::sync_account(&state.sync(), account)
        .await
        .map_err(sync_error)?;
    Ok(Json(valued_one(&state, synced).await?))
}

/// Sync all of the user's active accounts.
#[utoipa::path(post, path = "/api/accounts/sync-all", tag = "accounts", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One result per active account", body = [SyncAllItem]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn sync_all_accounts(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<SyncAllItem>>, ApiError> {
    let accounts: Vec<_> = store::list_for_user(&state.db, user.id)
        .await?
        .into_iter()
        .filter(|a| a.is_active)
        .collect();
    let results = sync::sync_many(&state.sync(), accounts).await;
    Ok(Json(
        results
            .into_iter()
            .map(|(account, outcome)| match outcome {
                Ok(a) => SyncAllItem {
                    account_id: a.id,
                    name: a.name,
                    status: a.last_sync_status.unwrap_or_default(),
                    error: a.last_sync_error,
                },
                Err(SyncError::InProgress) => SyncAllItem {
                    account_id: account.0,
                    name: account.1,
                    status: "skipped".into(),
                    error: Some("already syncing".into()),
                },
                Err(e) => SyncAllItem {
                    account_id: account.0,
                    name: account.1,
                    status: "error".into(),
                    error: Some(e.to_string()),
                },
            })
            .collect(),
    ))
}
