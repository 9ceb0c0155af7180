//! Alerts: a user's channels (webhook, ntfy, e-mail) with a "send a test", rules, and the history of
//! every alert and delivery attempt. Everything is the owner's only; another user gets 404.
//! A webhook's signing secret is shown once, in the answer that creates it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::alerts::{channels, deliver, rules};
use crate::auth::AuthUser;
use crate::entities::{alert_channels, alert_deliveries, alert_rules, alerts};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::alerts as store;

/// Most channels and rules one user may keep.
pub const MAX_CHANNELS: usize = 20;
pub const MAX_RULES: usize = 100;
const DEFAULT_COOLDOWN_SECS: i32 = 3600;

/// Names a string schema whose values are a list the API keeps in one place (the kinds of rules
/// and channels), so the web's generated types list them and a new kind shows up there.
macro_rules! kinds_schema {
    ($name:ident, $kinds:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($kinds))
                    .description(Some($doc))
                    .into()
            }
        }
        impl ToSchema for $name {}
    };
}

kinds_schema!(
    AlertRuleKind,
    rules::KINDS,
    "What a rule watches (see docs/alerts.md)."
);
kinds_schema!(
    AlertChannelKind,
    channels::KINDS,
    "Where a channel's alerts go."
);

/// A channel as its owner sees it (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelResponse {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = AlertChannelKind)]
    pub kind: String,
    pub url: String,
    /// Alerts sent here may carry holdings details (quantities, values).
    pub private: bool,
    /// `ok`, or `failing`: nothing more is sent until the channel is edited or a test succeeds.
    pub status: String,
    pub consecutive_failures: i32,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// A webhook's signing secret or an ntfy token is stored (encrypted).
    pub has_secret: bool,
    pub created_at: DateTime<Utc>,
}

impl From<alert_channels::Model> for ChannelResponse {
    fn from(c: alert_channels::Model) -> Self {
        Self {
            status: if c.failing_since.is_some() {
                "failing"
            } else {
                "ok"
            }
            .into(),
            has_secret: c.secret_encrypted.is_some(),
            id: c.id,
            name: c.name,
            kind: c.kind,
            url: c.target,
            private: c.is_private,
            consecutive_failures: c.consecutive_failures,
            failing_since: c.failing_since,
            last_error: c.last_error,
            created_at: c.created_at,
        }
    }
}

/// The answer to creating a channel: the only one that carries a webhook's secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedChannelResponse {
    #[serde(flatten)]
    pub channel: ChannelResponse,
    /// A webhook's signing secret (`whsec_…`), shown this once; `null` for ntfy.
    pub secret: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChannelRequest {
    /// 1-100 characters.
    pub name: String,
    #[schema(value_type = AlertChannelKind)]
    pub kind: String,
    /// The webhook's URL, the ntfy topic URL (`https://ntfy.sh/my-topic`), or
    /// `mailto:someone@example.com`.
    pub url: String,
    /// Allow holdings details in alerts sent here (default `false`).
    #[serde(default)]
    pub private: bool,
    /// ntfy only: an access token, stored encrypted and never shown again.
    #[serde(default)]
    pub token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChannelRequest {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub private: bool,
    /// ntfy only: a new token; absent keeps the stored one, `""` removes it.
    #[serde(default)]
    pub token: Option<String>,
}

/// A rule as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleResponse {
    pub id: Uuid,
    pub name: String,
    /// `sync_failing`, `price_move`, `drift`, `snapshot_failed`, `health_factor` or `outflow`.
    #[schema(value_type = AlertRuleKind)]
    pub kind: String,
    /// `{"hours": 6, "account_id": null}`, `{"threshold_pct": "10"}`,
    /// `{"portfolio_id": "…"}` (`snapshot_failed`: or `null`, every portfolio),
    /// `{"threshold": "1.5", "account_id": null}` (`health_factor`) or
    /// `{"account_id": "…", "min_amount_usd": "1000"}` (`outflow`).
    #[schema(value_type = Object)]
    pub params: Value,
    pub channel_ids: Vec<Uuid>,
    pub cooldown_secs: i32,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<alert_rules::Model> for RuleResponse {
    fn from(r: alert_rules::Model) -> Self {
        Self {
            channel_ids: rules::channel_ids(&r),
            id: r.id,
            name: r.name,
            kind: r.kind,
            params: r.params,
            cooldown_secs: r.cooldown_secs,
            enabled: r.is_enabled,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleRequest {
    /// 1-100 characters.
    pub name: String,
    /// `sync_failing`, `price_move`, `drift`, `snapshot_failed`, `health_factor` or `outflow`
    /// (see docs/alerts.md).
    #[schema(value_type = AlertRuleKind)]
    pub kind: String,
    #[schema(value_type = Object)]
    pub params: Value,
    /// The user's channels its alerts go to (at least one).
    pub channel_ids: Vec<Uuid>,
    /// After triggering for a subject, it does not trigger again for it within this many
    /// seconds (0 to 30 days; default 3600).
    #[serde(default)]
    pub cooldown_secs: Option<i32>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// One delivery attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub channel_id: Uuid,
    /// 1-based; 0 for a skip.
    pub attempt: i32,
    /// `delivered`, `failed` or `skipped`.
    pub status: String,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<alert_deliveries::Model> for DeliveryResponse {
    fn from(d: alert_deliveries::Model) -> Self {
        Self {
            channel_id: d.channel_id,
            attempt: d.attempt,
            status: d.status,
            http_status: d.http_status,
            error: d.error,
            at: d.created_at,
        }
    }
}

/// An alert with its delivery attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertResponse {
    pub id: Uuid,
    pub rule_id: Option<Uuid>,
    /// The rule's kind, or `test`.
    pub kind: String,
    /// `triggered`, `cleared` or `test`.
    pub state: String,
    pub subject: String,
    pub title: String,
    pub message: String,
    /// What every channel receives as `data`.
    #[schema(value_type = Object)]
    pub data: Value,
    pub created_at: DateTime<Utc>,
    pub deliveries: Vec<DeliveryResponse>,
}

impl AlertResponse {
    fn of(a: alerts::Model, deliveries: Vec<alert_deliveries::Model>) -> Self {
        Self {
            id: a.id,
            rule_id: a.rule_id,
            kind: a.kind,
            state: a.state,
            subject: a.subject,
            title: a.title,
            message: a.message,
            data: a.payload,
            created_at: a.created_at,
            deliveries: deliveries.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// 1-500, default 100.
    pub limit: Option<u64>,
}

/// The outcome of a test send.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResultResponse {
    pub alert_id: Uuid,
    pub delivered: bool,
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub channel: ChannelResponse,
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 || n > 100 {
        errors.push(FieldError::new("name", "must be 1-100 characters"));
    }
}

fn check_url(state: &AppState, kind: &str, url: &str, errors: &mut Vec<FieldError>) {
    if kind == channels::EMAIL {
        if state.config.alerts.smtp.is_none() {
            errors.push(FieldError::new(
                "kind",
                "e-mail is not configured on this server (ask the admin to set SMTP_HOST)",
            ));
        } else if crate::alerts::email::recipient(url).is_none() {
            errors.push(FieldError::new("url", "must be mailto: and one address"));
        }
        return;
    }
    match channels::check_url(url, state.config.rpc_safety.allow) {
        Err(why) => errors.push(FieldError::new("url", why)),
        Ok(u) if kind == channels::NTFY && channels::ntfy_parts(&u).is_none() => {
            errors.push(FieldError::new(
                "url",
                "must end with the ntfy topic (letters, digits, - and _)",
            ))
        }
        Ok(_) => {}
    }
}

async fn my_channel(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> Result<alert_channels::Model, ApiError> {
    store::get_channel(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("alert channel"))
}

async fn my_rule(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> Result<alert_rules::Model, ApiError> {
    store::get_rule(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("alert rule"))
}

fn seal(state: &AppState, channel: &mut alert_channels::Model, secret: Option<&str>) {
    match secret {
        Some(s) => {
            let sealed = state.cipher.encrypt(s, channel.id, channels::SECRET_FIELD);
            channel.secret_encrypted = Some(sealed.ciphertext);
            channel.encryption_key_version = Some(sealed.key_version);
        }
        None => {
            channel.secret_encrypted = None;
            channel.encryption_key_version = None;
        }
    }
}

/// Add a webhook or ntfy channel (a webhook's secret is in this answer only).
#[utoipa::path(post, path = "/api/alerts/channels", tag = "alerts",
    request_body = CreateChannelRequest, security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created", body = CreatedChannelResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid fields or a URL the network policy refuses; limit_reached: too many channels", body = ErrorBody)))]
pub async fn create_alert_channel(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<CreateChannelRequest>,
) -> Result<(StatusCode, Json<CreatedChannelResponse>), ApiError> {
    let mut errors = Vec::new();
    check_name(&req.name, &mut errors);
    if !channels::KINDS.contains(&req.kind.as_str()) {
        errors.push(FieldError::new("kind", "must be webhook, ntfy or email"));
    } else {
        check_url(&state, &req.kind, &req.url, &mut errors);
    }
    let token = req
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if req.kind != channels::NTFY && token.is_some() {
        errors.push(FieldError::new(
            "token",
            "only an ntfy channel takes a token (a webhook gets a generated secret)",
        ));
    }
    if token.is_some_and(|t| t.len() > 500) {
        errors.push(FieldError::new("token", "must be at most 500 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if store::list_channels(&state.db, user.id).await?.len() >= MAX_CHANNELS {
        return Err(ApiError::Unprocessable {
            code: "limit_reached",
            message: format!("you already have {MAX_CHANNELS} alert channels"),
        });
    }
    let now = store::now();
    let mut channel = alert_channels::Model {
        id: Uuid::new_v4(),
        user_id: user.id,
        name: req.name.trim().to_string(),
        kind: req.kind.clone(),
        target: req.url.trim().to_string(),
        secret_encrypted: None,
        encryption_key_version: None,
        is_private: req.private,
        consecutive_failures: 0,
        failing_since: None,
        last_error: None,
        created_at: now,
        updated_at: now,
    };
    let secret = (req.kind == channels::WEBHOOK).then(channels::new_secret);
    seal(&state, &mut channel, secret.as_deref().or(token));
    let channel = store::insert_channel(&state.db, channel).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedChannelResponse {
            channel: channel.into(),
            secret,
        }),
    ))
}

/// The signed-in user's alert channels.
#[utoipa::path(get, path = "/api/alerts/channels", tag = "alerts",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Oldest first", body = [ChannelResponse]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_alert_channels(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<ChannelResponse>>, ApiError> {
    let list = store::list_channels(&state.db, user.id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One of the user's alert channels.
#[utoipa::path(get, path = "/api/alerts/channels/{id}", tag = "alerts",
    params(("id" = Uuid, Path, description = "Channel id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The channel", body = ChannelResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such channel of this user", body = ErrorBody)))]
pub async fn get_alert_channel(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ChannelResponse>, ApiError> {
    Ok(Json(my_channel(&state, &user, id).await?.into()))
}

/// Edit a channel (its kind and a webhook's secret stay); clears a failing state.
#[utoipa::path(put, path = "/api/alerts/channels/{id}", tag = "alerts",
    params(("id" = Uuid, Path, description = "Channel id")),
    request_body = UpdateChannelRequest, security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = ChannelResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such channel of this user", body = ErrorBody),
        (status = 422, description = "validation_failed", body = ErrorBody)))]
pub async fn update_alert_channel(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateChannelRequest>,
) -> Result<Json<ChannelResponse>, ApiError> {
    let mut channel = my_channel(&state, &user, id).await?;
    let mut errors = Vec::new();
    check_name(&req.name, &mut errors);
    check_url(&state, &channel.kind, &req.url, &mut errors);
    if channel.kind != channels::NTFY && req.token.is_some() {
        errors.push(FieldError::new(
            "token",
            "only an ntfy channel takes a token",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    channel.name = req.name.trim().to_string();
    channel.target = req.url.trim().to_string();
    channel.is_private = req.private;
    if let Some(t) = req.token.as_deref().map(str::trim) {
        seal(&state, &mut channel, (!t.is_empty()).then_some(t));
    }
    Ok(Json(
        store::update_channel(&state.db, channel).await?.into(),
    ))
}

/// Delete a channel (rules keep their other channels; its history goes with it).
#[utoipa::path(delete, path = "/api/alerts/channels/{id}", tag = "alerts",
    params(("id" = Uuid, Path, description = "Channel id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such channel of this user", body = ErrorBody)))]
pub async fn delete_alert_channel(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store::delete_channel(&state.db, user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("alert channel"))
    }
}

/// Send a test alert to a channel now (one attempt, no retries); a success clears a failing
/// state.
#[utoipa::path(post, path = "/api/alerts/channels/{id}/test", tag = "alerts",
    params(("id" = Uuid, Path, description = "Channel id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Tried: see `delivered`", body = TestResultResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such channel of this user", body = ErrorBody)))]
pub async fn test_alert_channel(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TestResultResponse>, ApiError> {
    let channel = my_channel(&state, &user, id).await?;
    let Some(inner) = state.alerts.inner() else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "alerts are not configured"
        )));
    };
    let alert = store::insert_alert(
        &state.db,
        alerts::Model {
            id: Uuid::new_v4(),
            user_id: user.id,
            rule_id: None,
            kind: "test".into(),
            state: "test".into(),
            subject: channel.id.to_string(),
            title: format!("Test alert for {}", channel.name),
            message: "This is a test alert from Crypto Pocket Butler: the channel works.".into(),
            payload: serde_json::json!({"channel_id": channel.id}),
            private_details: None,
            created_at: store::now(),
        },
    )
    .await?;
    let a = deliver::send_once(inner, &channel, &alert, None, 1).await;
    let status = if a.delivered {
        deliver::DELIVERED
    } else {
        deliver::FAILED
    };
    store::insert_attempt(
        &state.db,
        alert.id,
        channel.id,
        1,
        status,
        a.http_status,
        a.error.clone(),
    )
    .await?;
    if a.delivered {
        store::record_channel_outcome(&state.db, channel.id, None, u32::MAX).await?;
    }
    Ok(Json(TestResultResponse {
        alert_id: alert.id,
        delivered: a.delivered,
        http_status: a.http_status,
        error: a.error,
        channel: my_channel(&state, &user, id).await?.into(),
    }))
}

async fn check_rule(
    state: &AppState,
    user: &AuthUser,
    req: &RuleRequest,
) -> Result<rules::Params, ApiError> {
    let mut errors = Vec::new();
    check_name(&req.name, &mut errors);
    let params = match rules::Params::parse(&req.kind, &req.params) {
        Ok(p) => Some(p),
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    };
    // The account a rule watches, and the types of account it may be (empty: any).
    let account: Option<(Uuid, &[&str])> = match &params {
        Some(rules::Params::SyncFailing(p)) => p.account_id.map(|a| (a, &[][..])),
        Some(rules::Params::HealthFactor(p)) => p.account_id.map(|a| (a, &["wallet"][..])),
        Some(rules::Params::Outflow(p)) => Some((p.account_id, &["wallet", "exchange"][..])),
        _ => None,
    };
    if let Some((id, types)) = account {
        let found = crate::store::accounts::get_for_user(&state.db, user.id, id).await?;
        match found {
            None => errors.push(FieldError::new(
                "params.account_id",
                "no such account of yours",
            )),
            Some(a) if !types.is_empty() && !types.contains(&a.account_type.as_str()) => errors
                .push(FieldError::new(
                    "params.account_id",
                    format!("must be a {} account", types.join(" or ")),
                )),
            Some(_) => {}
        }
    }
    let portfolio = match &params {
        Some(rules::Params::Drift(p)) => Some(p.portfolio_id),
        Some(rules::Params::SnapshotFailed(p)) => p.portfolio_id,
        _ => None,
    };
    if let Some(portfolio) = portfolio {
        if crate::store::portfolios::get_for_user(&state.db, user.id, portfolio)
            .await?
            .is_none()
        {
            errors.push(FieldError::new(
                "params.portfolio_id",
                "no such portfolio of yours",
            ));
        }
    }
    if req.channel_ids.is_empty() || req.channel_ids.len() > MAX_CHANNELS {
        errors.push(FieldError::new(
            "channel_ids",
            format!("must list 1 to {MAX_CHANNELS} channels"),
        ));
    }
    let mine: Vec<Uuid> = store::list_channels(&state.db, user.id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    for (i, id) in req.channel_ids.iter().enumerate() {
        if !mine.contains(id) {
            errors.push(FieldError::new(
                format!("channel_ids[{i}]"),
                "no such channel of yours",
            ));
        }
    }
    if req
        .cooldown_secs
        .is_some_and(|c| !(0..=30 * 86_400).contains(&c))
    {
        errors.push(FieldError::new(
            "cooldown_secs",
            "must be 0 to 2592000 (30 days)",
        ));
    }
    match params {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(ApiError::validation(errors)),
    }
}

/// Add a rule.
#[utoipa::path(post, path = "/api/alerts/rules", tag = "alerts",
    request_body = RuleRequest, security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created", body = RuleResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "validation_failed; limit_reached: too many rules", body = ErrorBody)))]
pub async fn create_alert_rule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<RuleRequest>,
) -> Result<(StatusCode, Json<RuleResponse>), ApiError> {
    let params = check_rule(&state, &user, &req).await?;
    if store::list_rules(&state.db, user.id).await?.len() >= MAX_RULES {
        return Err(ApiError::Unprocessable {
            code: "limit_reached",
            message: format!("you already have {MAX_RULES} alert rules"),
        });
    }
    let now = store::now();
    let rule = store::insert_rule(
        &state.db,
        alert_rules::Model {
            id: Uuid::new_v4(),
            user_id: user.id,
            name: req.name.trim().to_string(),
            kind: req.kind.clone(),
            params: params.to_json(),
            channel_ids: serde_json::json!(req.channel_ids),
            cooldown_secs: req.cooldown_secs.unwrap_or(DEFAULT_COOLDOWN_SECS),
            is_enabled: req.enabled.unwrap_or(true),
            created_at: now,
            updated_at: now,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(rule.into())))
}

/// The signed-in user's alert rules.
#[utoipa::path(get, path = "/api/alerts/rules", tag = "alerts",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Oldest first", body = [RuleResponse]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_alert_rules(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<RuleResponse>>, ApiError> {
    let list = store::list_rules(&state.db, user.id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One of the user's alert rules.
#[utoipa::path(get, path = "/api/alerts/rules/{id}", tag = "alerts",
    params(("id" = Uuid, Path, description = "Rule id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The rule", body = RuleResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such rule of this user", body = ErrorBody)))]
pub async fn get_alert_rule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RuleResponse>, ApiError> {
    Ok(Json(my_rule(&state, &user, id).await?.into()))
}

/// Replace a rule; its per-subject states start afresh.
#[utoipa::path(put, path = "/api/alerts/rules/{id}", tag = "alerts",
    params(("id" = Uuid, Path, description = "Rule id")),
    request_body = RuleRequest, security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = RuleResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such rule of this user", body = ErrorBody),
        (status = 422, description = "validation_failed", body = ErrorBody)))]
pub async fn update_alert_rule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<RuleRequest>,
) -> Result<Json<RuleResponse>, ApiError> {
    let mut rule = my_rule(&state, &user, id).await?;
    let params = check_rule(&state, &user, &req).await?;
    rule.name = req.name.trim().to_string();
    rule.kind = req.kind.clone();
    rule.params = params.to_json();
    rule.channel_ids = serde_json::json!(req.channel_ids);
    rule.cooldown_secs = req.cooldown_secs.unwrap_or(rule.cooldown_secs);
    rule.is_enabled = req.enabled.unwrap_or(rule.is_enabled);
    Ok(Json(store::update_rule(&state.db, rule).await?.into()))
}

/// Delete a rule (its alerts stay in the history).
#[utoipa::path(delete, path = "/api/alerts/rules/{id}", tag = "alerts",
    params(("id" = Uuid, Path, description = "Rule id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such rule of this user", body = ErrorBody)))]
pub async fn delete_alert_rule(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store::delete_rule(&state.db, user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("alert rule"))
    }
}

/// Every alert of the user, newest first, with each delivery attempt and its outcome.
#[utoipa::path(get, path = "/api/alerts/history", tag = "alerts",
    params(HistoryQuery), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Newest first", body = [AlertResponse]),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "validation_failed: limit out of range", body = ErrorBody)))]
pub async fn list_alert_history(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<Vec<AlertResponse>>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "must be 1 to 500",
        )]));
    }
    let list = store::history(&state.db, user.id, limit).await?;
    Ok(Json(
        list.into_iter()
            .map(|(a, d)| AlertResponse::of(a, d))
            .collect(),
    ))
}
