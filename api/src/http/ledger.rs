//! The ledger's entries: typed by hand (with edit history) or imported from a file (previewed
//! before anything is stored). See `docs/ledger.md`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::identity::AssetIndex;
use crate::domain::ledger::{self as rules, Kind};
use crate::domain::ledger_csv::{self, Format, LineNote};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::ledger::{self as store, NewEntry, Stored, StoredSide};

/// The most entries one import reads.
pub const MAX_IMPORT_ENTRIES: usize = 200_000;

/// The largest file one import takes (about 150,000 lines of a Binance statement).
pub const MAX_IMPORT_BYTES: usize = 32 * 1024 * 1024;

/// An amount of one asset: a catalog asset id or symbol, or `USD` for US dollars.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SideRequest {
    pub asset: String,
    /// A decimal in a string (`"0.5"`).
    pub quantity: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    pub account_id: Uuid,
    /// `trade`, `deposit`, `withdrawal`, `income`, `spend`, `fee`, or `transfer` (between two
    /// of your accounts: stored as a withdrawal and a deposit sharing a transfer id).
    pub kind: String,
    /// When it happened (RFC 3339; stored in UTC).
    pub occurred_at: DateTime<Utc>,
    pub sent: Option<SideRequest>,
    /// For a transfer: what arrived (the same asset; by default all that was sent).
    pub received: Option<SideRequest>,
    /// Paid on top of what was sent.
    pub fee: Option<SideRequest>,
    /// The dollar value: of a crypto-for-crypto trade, an income, a spend, a fee entry; the
    /// cost basis of a deposit from outside; of what was sent in a transfer.
    pub value_usd: Option<String>,
    /// The fee's dollar value, when it is paid in a third asset.
    pub fee_value_usd: Option<String>,
    /// For income: `staking`, `interest`, `airdrop`, `mining` or `reward`.
    pub income_kind: Option<String>,
    /// For a transfer: the account it went to.
    pub to_account_id: Option<Uuid>,
    /// At most 500 characters.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SideResponse {
    /// `null` for US dollars.
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryResponse {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: Kind,
    pub occurred_at: DateTime<Utc>,
    pub sent: Option<SideResponse>,
    pub received: Option<SideResponse>,
    pub fee: Option<SideResponse>,
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub fee_value_usd: Option<Decimal>,
    pub income_kind: Option<String>,
    /// Shared with the other half of a transfer between your accounts.
    pub transfer_id: Option<Uuid>,
    /// `manual`, `csv:generic`, `csv:koinly`, `csv:binance`, …
    pub source: String,
    /// The source's own id (for a file, a hash of the line's content).
    pub external_id: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn side_response(s: Option<StoredSide>) -> Option<SideResponse> {
    s.map(|s| SideResponse {
        asset_id: s.asset_id,
        symbol: s.symbol,
        quantity: s.quantity,
    })
}

impl From<Stored> for EntryResponse {
    fn from(m: Stored) -> Self {
        let [sent, received, fee] = store::sides(&m);
        EntryResponse {
            id: m.id,
            account_id: m.account_id,
            kind: Kind::parse(&m.kind).unwrap_or(Kind::Trade),
            occurred_at: m.occurred_at,
            sent: side_response(sent),
            received: side_response(received),
            fee: side_response(fee),
            value_usd: m.value_usd.map(|v| v.0),
            fee_value_usd: m.fee_value_usd.map(|v| v.0),
            income_kind: m.income_kind,
            transfer_id: m.transfer_id,
            source: m.source,
            external_id: m.external_id,
            note: m.note,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntriesResponse {
    pub entries: Vec<EntryResponse>,
    /// How many entries match the filter.
    pub total: u64,
}

/// `USD` is US dollars; anything else is looked up in the catalog.
fn resolve_side(
    index: &AssetIndex,
    field: &'static str,
    asset: &str,
    quantity: Decimal,
) -> Result<StoredSide, FieldError> {
    if asset.trim().eq_ignore_ascii_case("USD") {
        return Ok(StoredSide {
            asset_id: None,
            symbol: "USD".into(),
            quantity,
        });
    }
    match crate::portfolio::resolve_asset(index, asset) {
        Ok((Some(asset_id), symbol)) => Ok(StoredSide {
            asset_id: Some(asset_id),
            symbol,
            quantity,
        }),
        Ok((None, _)) => Err(FieldError::new(field, "is not in the asset catalog")),
        Err(why) => Err(FieldError::new(field, why)),
    }
}

fn decimal_field(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    v: &Option<String>,
) -> Option<Decimal> {
    let v = v.as_deref()?;
    match crate::domain::exact::parse_plain(v.trim()) {
        Ok(d) => Some(d),
        Err(why) => {
            errors.push(FieldError::new(field, why));
            None
        }
    }
}

fn side_field(
    errors: &mut Vec<FieldError>,
    index: &AssetIndex,
    field: &'static str,
    side: &Option<SideRequest>,
) -> Option<StoredSide> {
    let s = side.as_ref()?;
    let quantity = match crate::domain::exact::parse_plain(s.quantity.trim()) {
        Ok(q) => q,
        Err(why) => {
            errors.push(FieldError::new(field, why));
            return None;
        }
    };
    match resolve_side(index, field, &s.asset, quantity) {
        Ok(side) => Some(side),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// The domain's checks, as field errors.
fn check(e: &NewEntry, errors: &mut Vec<FieldError>) {
    let probe = rules::Entry {
        id: Uuid::nil(),
        account: e.account_id,
        at: e.occurred_at,
        kind: e.kind,
        sent: e.sent.as_ref().map(StoredSide::domain),
        received: e.received.as_ref().map(StoredSide::domain),
        fee: e.fee.as_ref().map(StoredSide::domain),
        value_usd: e.value_usd,
        fee_value_usd: e.fee_value_usd,
        income_kind: e.income_kind.clone(),
        transfer: e.transfer_id,
    };
    for (field, message) in rules::check(&probe) {
        errors.push(FieldError::new(field, message));
    }
}

async fn own_account(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
    field: &'static str,
) -> Result<(), ApiError> {
    crate::store::accounts::get_for_user(&state.db, user.id, id)
        .await?
        .map(|_| ())
        .ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(field, "is not one of your accounts")])
        })
}

/// Reads a request into the entries it stores (two for a transfer).
async fn read_request(
    state: &AppState,
    user: &AuthUser,
    req: &EntryRequest,
) -> Result<Vec<NewEntry>, ApiError> {
    own_account(state, user, req.account_id, "account_id").await?;
    let index = state.asset_index.for_user(&state.db, user.id).await?;
    let mut errors = Vec::new();
    let transfer = req.kind.trim().eq_ignore_ascii_case("transfer");
    let kind = if transfer {
        Kind::Withdrawal
    } else {
        Kind::parse(&req.kind).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "kind",
                "must be one of trade, deposit, withdrawal, income, spend, fee, transfer",
            ));
            Kind::Trade
        })
    };
    let sent = side_field(&mut errors, &index, "sent", &req.sent);
    let received = side_field(&mut errors, &index, "received", &req.received);
    let fee = side_field(&mut errors, &index, "fee", &req.fee);
    let value_usd = decimal_field(&mut errors, "value_usd", &req.value_usd);
    let fee_value_usd = decimal_field(&mut errors, "fee_value_usd", &req.fee_value_usd);
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        errors.push(FieldError::new("note", "must be at most 500 characters"));
    }
    if !transfer && req.to_account_id.is_some() {
        errors.push(FieldError::new("to_account_id", "is only for a transfer"));
    }
    let base = NewEntry {
        account_id: req.account_id,
        kind,
        occurred_at: req.occurred_at.trunc_subsecs(6),
        sent: sent.clone(),
        received: if transfer { None } else { received.clone() },
        fee,
        value_usd,
        fee_value_usd,
        income_kind: req.income_kind.as_deref().map(|k| k.trim().to_lowercase()),
        transfer_id: transfer.then(Uuid::new_v4),
        source: "manual".into(),
        external_id: String::new(),
        note: note.map(str::to_string),
    };
    let mut entries = vec![base.clone()];
    if transfer {
        let to = match req.to_account_id {
            None => {
                errors.push(FieldError::new(
                    "to_account_id",
                    "is required for a transfer",
                ));
                None
            }
            Some(to) if to == req.account_id => {
                errors.push(FieldError::new("to_account_id", "must be another account"));
                None
            }
            Some(to) => Some(to),
        };
        let arrived = received.or_else(|| sent.clone());
        if let (Some(s), Some(r)) = (&sent, &arrived) {
            if s.asset_id != r.asset_id || s.symbol != r.symbol {
                errors.push(FieldError::new(
                    "received",
                    "a transfer moves one asset: the one sent",
                ));
            } else if r.quantity > s.quantity {
                errors.push(FieldError::new("received", "cannot be more than was sent"));
            }
        }
        if let Some(to) = to {
            own_account(state, user, to, "to_account_id").await?;
            entries.push(NewEntry {
                account_id: to,
                kind: Kind::Deposit,
                sent: None,
                received: arrived,
                fee: None,
                value_usd: None,
                fee_value_usd: None,
                ..base
            });
        }
    }
    for e in &entries {
        check(e, &mut errors);
    }
    errors.dedup_by(|a, b| a.field == b.field && a.message == b.message);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    for e in &mut entries {
        e.external_id = format!("manual-{}", Uuid::new_v4());
    }
    Ok(entries)
}

/// Adds an entry typed by hand (a transfer adds its two halves).
#[utoipa::path(post, path = "/api/ledger/entries", tag = "ledger", request_body = EntryRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The entries stored (two for a transfer)", body = EntriesResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Invalid fields, each named", body = ErrorBody)))]
pub async fn create_entry(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<EntryRequest>,
) -> Result<(StatusCode, Json<EntriesResponse>), ApiError> {
    let entries = read_request(&state, &user, &req).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let stored = store::insert(&txn, user.id, &entries, (state.clock)()).await?;
    txn.commit().await?;
    tracing::info!(count = stored.len(), "ledger entry added");
    let total = stored.len() as u64;
    Ok((
        StatusCode::CREATED,
        Json(EntriesResponse {
            entries: stored.into_iter().map(EntryResponse::from).collect(),
            total,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub account_id: Option<Uuid>,
    /// `trade`, `deposit`, `withdrawal`, `income`, `spend` or `fee`.
    pub kind: Option<String>,
    /// Entries that move this asset (sent, received or fee).
    pub asset_id: Option<Uuid>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    /// 1 to 500; 100 by default.
    pub limit: Option<u64>,
    /// Entries to skip; past the last one the page is empty (a database integer holds at most
    /// 2^63 − 1, so a larger offset is read as that).
    pub offset: Option<u64>,
}

/// Your entries, newest first.
#[utoipa::path(get, path = "/api/ledger/entries", tag = "ledger", params(ListQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of entries", body = EntriesResponse),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_entries(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<EntriesResponse>, ApiError> {
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(Kind::parse(k).ok_or_else(|| ApiError::BadRequest {
            code: "invalid_query",
            message: "kind must be one of trade, deposit, withdrawal, income, spend, fee".into(),
        })?),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::BadRequest {
            code: "invalid_query",
            message: "limit must be 1 to 500".into(),
        });
    }
    let filter = store::Filter {
        account_id: q.account_id,
        kind,
        asset_id: q.asset_id,
        from: q.from,
        to: q.to,
    };
    let (rows, total) = store::page(
        &state.db,
        user.id,
        &filter,
        limit,
        q.offset.unwrap_or(0).min(i64::MAX as u64),
    )
    .await?;
    Ok(Json(EntriesResponse {
        entries: rows.into_iter().map(EntryResponse::from).collect(),
        total,
    }))
}

async fn own_entry(state: &AppState, user: &AuthUser, id: Uuid) -> Result<Stored, ApiError> {
    store::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("ledger entry"))
}

/// One entry.
#[utoipa::path(get, path = "/api/ledger/entries/{id}", tag = "ledger",
    params(("id" = Uuid, Path, description = "Entry id")), security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "The entry", body = EntryResponse),
        (status = 404, description = "No such entry of yours", body = ErrorBody)))]
pub async fn get_entry(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<EntryResponse>, ApiError> {
    Ok(Json(own_entry(&state, &user, id).await?.into()))
}

/// Changes an entry (its earlier version is kept in its history). A transfer's halves are
/// edited one at a time and keep their kind.
#[utoipa::path(put, path = "/api/ledger/entries/{id}", tag = "ledger", request_body = EntryRequest,
    params(("id" = Uuid, Path, description = "Entry id")), security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "The entry as changed", body = EntryResponse),
        (status = 404, description = "No such entry of yours", body = ErrorBody),
        (status = 422, description = "Invalid fields, each named", body = ErrorBody)))]
pub async fn update_entry(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<EntryRequest>,
) -> Result<Json<EntryResponse>, ApiError> {
    let old = own_entry(&state, &user, id).await?;
    if req.kind.trim().eq_ignore_ascii_case("transfer") || req.to_account_id.is_some() {
        return Err(ApiError::validation(vec![FieldError::new(
            "kind",
            "a transfer is edited one half at a time (its withdrawal or its deposit)",
        )]));
    }
    if old.transfer_id.is_some() && !req.kind.trim().eq_ignore_ascii_case(&old.kind) {
        return Err(ApiError::validation(vec![FieldError::new(
            "kind",
            "half of a transfer keeps its kind; delete the transfer to record something else",
        )]));
    }
    let mut entries = read_request(&state, &user, &req).await?;
    let mut e = entries.remove(0);
    e.transfer_id = old.transfer_id;
    if e.transfer_id.is_some() {
        let mut errors = Vec::new();
        check(&e, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
    }
    let txn = crate::db::begin_write(&state.db).await?;
    let updated = store::update(&txn, &old, &e, (state.clock)()).await?;
    txn.commit().await?;
    Ok(Json(updated.into()))
}

/// Deletes an entry (both halves of a transfer); its history is kept.
#[utoipa::path(delete, path = "/api/ledger/entries/{id}", tag = "ledger",
    params(("id" = Uuid, Path, description = "Entry id")), security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such entry of yours", body = ErrorBody)))]
pub async fn delete_entry(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let entry = own_entry(&state, &user, id).await?;
    let txn = crate::db::begin_write(&state.db).await?;
    let all = match entry.transfer_id {
        Some(t) => store::transfer_halves(&txn, t)
            .await?
            .into_iter()
            .filter(|e| e.user_id == user.id)
            .collect(),
        None => vec![entry],
    };
    store::delete(&txn, &all, (state.clock)()).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionResponse {
    /// `created`, `edited` or `deleted`.
    pub action: String,
    pub at: DateTime<Utc>,
    /// The entry as it was before (`null` for its creation).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
}

/// An entry's history, newest first.
#[utoipa::path(get, path = "/api/ledger/entries/{id}/history", tag = "ledger",
    params(("id" = Uuid, Path, description = "Entry id")), security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "Every change", body = [RevisionResponse]),
        (status = 404, description = "No such entry of yours", body = ErrorBody)))]
pub async fn entry_history(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<RevisionResponse>>, ApiError> {
    own_entry(&state, &user, id).await?;
    let list = store::revisions(&state.db, id).await?;
    Ok(Json(
        list.into_iter()
            .map(|r| RevisionResponse {
                action: r.action,
                at: r.at,
                before: r.before,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The account the file's entries belong to.
    pub account_id: Uuid,
    /// `generic`, `koinly` or `binance`.
    pub format: Format,
    /// `false` (the default) previews; `true` stores, and only when no line has an error.
    #[serde(default)]
    pub commit: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLine {
    /// The file's lines (the header is line 1).
    pub lines: Vec<usize>,
    pub external_id: String,
    pub kind: Kind,
    pub occurred_at: DateTime<Utc>,
    pub sent: Option<SideResponse>,
    pub received: Option<SideResponse>,
    pub fee: Option<SideResponse>,
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    pub income_kind: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub format: Format,
    pub account_id: Uuid,
    /// Whether anything was stored (`false` for a preview).
    pub committed: bool,
    /// What will be (or was) added.
    pub to_add: Vec<ImportLine>,
    /// Entries already in the ledger (from an earlier import of the same lines).
    pub duplicates: Vec<ImportLine>,
    /// Lines that could not be read, and why: a file with any is not stored.
    pub errors: Vec<LineNote>,
    /// Lines read and left out on purpose, and why.
    pub skipped: Vec<LineNote>,
    /// How many entries were stored.
    pub added: u64,
}

fn import_line(e: &NewEntry, lines: Vec<usize>) -> ImportLine {
    ImportLine {
        lines,
        external_id: e.external_id.clone(),
        kind: e.kind,
        occurred_at: e.occurred_at,
        sent: side_response(e.sent.clone()),
        received: side_response(e.received.clone()),
        fee: side_response(e.fee.clone()),
        value_usd: e.value_usd,
        income_kind: e.income_kind.clone(),
        note: e.note.clone(),
    }
}

/// A file's rows with their assets resolved and checked: entries, and the lines refused.
fn resolve_rows(
    index: &AssetIndex,
    account: Uuid,
    format: Format,
    rows: Vec<ledger_csv::Row>,
    errors: &mut Vec<LineNote>,
) -> Vec<(NewEntry, Vec<usize>)> {
    let mut out = Vec::new();
    for row in rows {
        let mut problems: Vec<String> = Vec::new();
        let mut side = |field: &'static str, a: &Option<ledger_csv::Amount>| {
            let a = a.as_ref()?;
            resolve_side(index, field, &a.symbol, a.quantity)
                .map_err(|e| problems.push(format!("{} {}: {}", field, a.symbol, e.message)))
                .ok()
        };
        let e = NewEntry {
            account_id: account,
            kind: row.kind,
            occurred_at: row.at,
            sent: side("sent", &row.sent),
            received: side("received", &row.received),
            fee: side("fee", &row.fee),
            value_usd: row.value_usd,
            fee_value_usd: row.fee_value_usd,
            income_kind: row.income_kind,
            transfer_id: None,
            source: format!("csv:{}", format.as_str()),
            external_id: row.external_id,
            note: row.note.map(|n| n.chars().take(500).collect()),
        };
        if problems.is_empty() {
            let mut fields = Vec::new();
            check(&e, &mut fields);
            problems.extend(
                fields
                    .into_iter()
                    .map(|f| format!("{} {}", f.field, f.message)),
            );
        }
        if problems.is_empty() {
            out.push((e, row.lines));
        } else {
            let reason = problems.join("; ");
            for line in row.lines {
                errors.push(LineNote {
                    line,
                    reason: reason.clone(),
                });
            }
        }
    }
    errors.sort_by_key(|n| n.line);
    out
}

/// Reads a ledger file for one account: a preview of what would be added, what is already
/// there and what cannot be read, line by line; with `commit=true`, stores it, all or nothing.
#[utoipa::path(post, path = "/api/ledger/import", tag = "ledger", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The file"),
    security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "The preview, or what was stored", body = ImportReport),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 404, description = "No such account of yours", body = ErrorBody),
        (status = 413, description = "File too large", body = ErrorBody),
        (status = 422, description = "`unreadable_file` (not CSV, not UTF-8, a column missing, too many lines) or, when committing, `import_has_errors` with each line's reason", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    crate::store::accounts::get_for_user(&state.db, user.id, q.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let unreadable = |message: String| ApiError::Unprocessable {
        code: "unreadable_file",
        message,
    };
    let text =
        std::str::from_utf8(&body).map_err(|_| unreadable("the file is not UTF-8 text".into()))?;
    let parsed = ledger_csv::parse(q.format, text).map_err(unreadable)?;
    if parsed.rows.len() > MAX_IMPORT_ENTRIES {
        return Err(unreadable(format!(
            "the file has {} entries; split it into files of at most {MAX_IMPORT_ENTRIES}",
            parsed.rows.len()
        )));
    }
    let index = state.asset_index.for_user(&state.db, user.id).await?;
    let mut errors = parsed.errors;
    let entries = resolve_rows(&index, q.account_id, q.format, parsed.rows, &mut errors);
    let source = format!("csv:{}", q.format.as_str());
    let ids: Vec<String> = entries.iter().map(|(e, _)| e.external_id.clone()).collect();
    let existing = store::existing_external_ids(&state.db, q.account_id, &source, &ids).await?;
    let (dupes, new): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|(e, _)| existing.contains(&e.external_id));
    let mut report = ImportReport {
        format: q.format,
        account_id: q.account_id,
        committed: false,
        to_add: new.iter().map(|(e, l)| import_line(e, l.clone())).collect(),
        duplicates: dupes
            .iter()
            .map(|(e, l)| import_line(e, l.clone()))
            .collect(),
        errors,
        skipped: parsed.skipped,
        added: 0,
    };
    if !q.commit {
        return Ok(Json(report));
    }
    if !report.errors.is_empty() {
        return Err(ApiError::Validation {
            message: format!(
                "{} line(s) of the file cannot be read; nothing was stored. Fix or remove them and import again",
                report.errors.len()
            ),
            fields: report
                .errors
                .iter()
                .map(|n| FieldError::new(format!("line {}", n.line), n.reason.clone()))
                .collect(),
        });
    }
    let to_store: Vec<NewEntry> = new.into_iter().map(|(e, _)| e).collect();
    let txn = crate::db::begin_write(&state.db).await?;
    let added = store::insert_imported(&txn, user.id, &to_store, (state.clock)()).await?;
    txn.commit().await?;
    tracing::info!(account_id = %q.account_id, added, format = q.format.as_str(), "ledger file imported");
    report.committed = true;
    report.added = added;
    Ok(Json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistorySyncQuery {
    /// Where a kind read for the first time starts (RFC 3339); by default the exchange's
    /// launch (Binance: 2017-07-14), since no exchange API says when an account was opened.
    /// Kinds with a cursor go on from it.
    pub since: Option<DateTime<Utc>>,
}

/// Imports an exchange account's history (deposits, withdrawals, trades, converts, earn
/// rewards) into the ledger, from where the last import stopped. A kind that fails stores
/// nothing and is named in `failed`; the others are stored. See `docs/ledger.md`.
#[utoipa::path(post, path = "/api/accounts/{id}/history/sync", tag = "ledger",
    params(("id" = Uuid, Path, description = "Account id"), HistorySyncQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "What each kind of history fetched and added, and what failed", body = crate::sync::history::HistoryReport),
        (status = 400, description = "Malformed id or query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of yours", body = ErrorBody),
        (status = 422, description = "`history_not_supported`: not an exchange account, or its exchange's history cannot be read", body = ErrorBody)))]
pub async fn sync_history(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<HistorySyncQuery>,
) -> Result<Json<crate::sync::history::HistoryReport>, ApiError> {
    use crate::sync::history::{self, HistoryError};
    let account = crate::store::accounts::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let ctx = <crate::sync::SyncContext as axum::extract::FromRef<AppState>>::from_ref(&state);
    match history::sync(&ctx, user.id, &account, q.since, (state.clock)()).await {
        Ok(report) => Ok(Json(report)),
        Err(HistoryError::NotSupported(message)) => Err(ApiError::Unprocessable {
            code: "history_not_supported",
            message,
        }),
        Err(HistoryError::Other(e)) => Err(ApiError::Internal(e)),
    }
}
