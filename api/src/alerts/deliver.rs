//! Delivering an alert to its channels: each channel in its own task, at most
//! `ALERT_DELIVERY_ATTEMPTS` attempts with doubling waits, every attempt recorded. A receiver's
//! 4xx (other than 408 and 429) is final; network errors, timeouts, 408, 429 and 5xx are
//! retried. A channel whose alerts failed `ALERT_CHANNEL_FAIL_AFTER` times in a row is marked
//! failing and skipped until the user edits it or a test succeeds.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use super::channels::{self, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::Inner;
use crate::entities::{alert_channels, alerts};
use crate::store::alerts as store;

pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";
pub const SKIPPED: &str = "skipped";

/// How one attempt ended.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub delivered: bool,
    pub retryable: bool,
    pub http_status: Option<i32>,
    pub error: Option<String>,
}

impl Attempt {
    fn failed(error: impl Into<String>, retryable: bool) -> Self {
        Self {
            delivered: false,
            retryable,
            http_status: None,
            error: Some(error.into()),
        }
    }
}

/// What a channel receives: the alert, its link, and holdings details only if the channel is
/// private.
pub fn body(
    alert: &alerts::Model,
    rule_name: Option<&str>,
    link: &str,
    private: bool,
    attempt: i32,
    idempotency_key: &str,
) -> Value {
    let mut v = json!({
        "id": alert.id,
        "type": format!("alert.{}", alert.state),
        "kind": alert.kind,
        "state": alert.state,
        "rule": alert.rule_id.map(|id| json!({"id": id, "name": rule_name})),
        "subject": alert.subject,
        "title": alert.title,
        "message": alert.message,
        "link": link,
        "created_at": alert.created_at,
        "data": alert.payload,
        "delivery": {"attempt": attempt, "idempotency_key": idempotency_key},
    });
    if private {
        if let Some(details) = &alert.private_details {
            v["private"] = details.clone();
        }
    }
    v
}

/// The page an alert links to.
pub fn link(inner: &Inner, alert: &alerts::Model) -> String {
    format!("{}/alerts?alert={}", inner.settings.link_base_url, alert.id)
}

/// Delivers `alert` to each of `channel_ids` (the user's own channels only) in the background.
pub fn spawn(inner: &Arc<Inner>, alert: alerts::Model, rule_name: String, channel_ids: Vec<Uuid>) {
    for channel_id in channel_ids {
        let inner = inner.clone();
        let alert = alert.clone();
        let rule_name = rule_name.clone();
        let guard = inner.track();
        tokio::spawn(async move {
            let _guard = guard;
            if let Err(e) = deliver(&inner, &alert, &rule_name, channel_id).await {
                tracing::warn!(alert_id = %alert.id, %channel_id, error = %e, "an alert delivery could not be recorded");
            }
        });
    }
}

async fn deliver(
    inner: &Arc<Inner>,
    alert: &alerts::Model,
    rule_name: &str,
    channel_id: Uuid,
) -> Result<(), sea_orm::DbErr> {
    let Some(channel) = store::get_channel(&inner.db, alert.user_id, channel_id).await? else {
        return Ok(());
    };
    if channel.failing_since.is_some() {
        store::insert_attempt(
            &inner.db,
            alert.id,
            channel.id,
            0,
            SKIPPED,
            None,
            Some("the channel is failing: edit it or send a test to resume".into()),
        )
        .await?;
        return Ok(());
    }
    let attempts = inner.settings.delivery_attempts.max(1) as i32;
    let mut last = None;
    for n in 1..=attempts {
        let a = send_once(inner, &channel, alert, Some(rule_name), n).await;
        let status = if a.delivered { DELIVERED } else { FAILED };
        store::insert_attempt(
            &inner.db,
            alert.id,
            channel.id,
            n,
            status,
            a.http_status,
            a.error.clone(),
        )
        .await?;
        let stop = a.delivered || !a.retryable;
        last = Some(a);
        if stop {
            break;
        }
        if n < attempts {
            tokio::time::sleep(backoff(inner.settings.retry_base, n)).await;
        }
    }
    let error = last.and_then(|a| (!a.delivered).then(|| a.error.unwrap_or_default()));
    store::record_channel_outcome(
        &inner.db,
        channel.id,
        error,
        inner.settings.channel_fail_after,
    )
    .await
}

/// The wait after attempt `n` (1-based): `base`, `2 base`, `4 base`, … capped at an hour.
pub fn backoff(base: Duration, n: i32) -> Duration {
    let factor = 1u32 << (n - 1).clamp(0, 20);
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// One attempt to deliver `alert` to `channel`.
pub async fn send_once(
    inner: &Inner,
    channel: &alert_channels::Model,
    alert: &alerts::Model,
    rule_name: Option<&str>,
    attempt: i32,
) -> Attempt {
    let link = link(inner, alert);
    if channel.kind == channels::EMAIL {
        let Some(smtp) = &inner.settings.smtp else {
            return Attempt::failed("e-mail is not configured on this server (SMTP_HOST)", false);
        };
        let Some(to) = super::email::recipient(&channel.target) else {
            return Attempt::failed("the channel's address is not valid", false);
        };
        let private = channel
            .is_private
            .then_some(alert.private_details.as_ref())
            .flatten();
        let text = super::email::text(&alert.message, &link, private);
        return super::email::send(smtp, inner.settings.http_timeout, to, &alert.title, text).await;
    }
    let url = match channels::check_url(&channel.target, inner.allow) {
        Ok(u) => u,
        Err(why) => return Attempt::failed(format!("the URL {why}"), false),
    };
    let secret = match (&channel.secret_encrypted, &channel.encryption_key_version) {
        (Some(c), Some(v)) => match inner
            .cipher
            .decrypt(c, v, channel.id, channels::SECRET_FIELD)
        {
            Ok(s) => Some(s),
            Err(e) => return Attempt::failed(format!("the channel's secret: {e}"), false),
        },
        _ => None,
    };
    let idempotency_key = format!("{}-{}", alert.id.simple(), channel.id.simple());
    let request = match channel.kind.as_str() {
        channels::WEBHOOK => {
            let Some(secret) = secret else {
                return Attempt::failed("the webhook has no signing secret", false);
            };
            let body = body(
                alert,
                rule_name,
                &link,
                channel.is_private,
                attempt,
                &idempotency_key,
            );
            let bytes = serde_json::to_vec(&body).expect("JSON values serialize");
            let ts = chrono::Utc::now().timestamp();
            inner
                .http
                .post(url)
                .header("content-type", "application/json")
                .header(TIMESTAMP_HEADER, ts.to_string())
                .header(
                    SIGNATURE_HEADER,
                    channels::sign(secret.expose(), ts, &bytes),
                )
                .header(IDEMPOTENCY_HEADER, &idempotency_key)
                .body(bytes)
        }
        channels::NTFY => {
            let Some((server, topic)) = channels::ntfy_parts(&url) else {
                return Attempt::failed("the ntfy URL names no topic", false);
            };
            let mut r = inner.http.post(server).json(&json!({
                "topic": topic,
                "title": alert.title,
                "message": alert.message,
                "click": link,
                "tags": [if alert.state == "cleared" { "white_check_mark" } else { "warning" }],
            }));
            r = r.header(IDEMPOTENCY_HEADER, &idempotency_key);
            if let Some(token) = secret {
                r = r.bearer_auth(token.expose());
            }
            r
        }
        other => return Attempt::failed(format!("unknown channel kind {other}"), false),
    };
    match request.send().await {
        Ok(resp) => {
            let status = resp.status();
            if status.is_success() {
                Attempt {
                    delivered: true,
                    retryable: false,
                    http_status: Some(i32::from(status.as_u16())),
                    error: None,
                }
            } else {
                let code = status.as_u16();
                Attempt {
                    delivered: false,
                    retryable: code == 408 || code == 429 || status.is_server_error(),
                    http_status: Some(i32::from(code)),
                    error: Some(format!("the receiver answered HTTP {code}")),
                }
            }
        }
        Err(e) => Attempt::failed(describe(&e), true),
    }
}

/// A transport error in words, without the receiver's text.
fn describe(e: &reqwest::Error) -> String {
    let chain = format!("{e:?}");
    if e.is_timeout() {
        "the receiver did not answer in time".into()
    } else if chain.contains("EVM_RPC_ALLOW_NETWORKS") {
        "the URL resolves to an address EVM_RPC_ALLOW_NETWORKS does not allow".into()
    } else if e.is_connect() {
        "could not connect to the receiver".into()
    } else {
        "the request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_millis(100);
        assert_eq!(backoff(b, 1), Duration::from_millis(100));
        assert_eq!(backoff(b, 3), Duration::from_millis(400));
        assert_eq!(
            backoff(Duration::from_secs(60), 20),
            Duration::from_secs(3600)
        );
    }
}
