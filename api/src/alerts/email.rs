//! E-mail channels: the alert in plain words with a link to its page, sent through the admin's
//! SMTP server (`SMTP_*`) over STARTTLS or implicit TLS, with login when configured. The
//! server's certificate is checked against the public roots plus the optional private CA.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::deliver::Attempt;
use crate::config::SmtpConfig;

/// The recipient of an e-mail channel's `mailto:` URL.
pub fn recipient(url: &str) -> Option<Mailbox> {
    let addr = url.trim().strip_prefix("mailto:")?;
    if addr.contains(['?', ',', '<']) {
        return None;
    }
    addr.parse::<lettre::Address>()
        .ok()
        .map(|a| Mailbox::new(None, a))
}

/// The message body: what happened, where to see it, and holdings details when the channel is
/// private.
pub fn text(message: &str, link: &str, private: Option<&serde_json::Value>) -> String {
    let mut out = format!("{message}\n\nSee it in Crypto Pocket Butler: {link}\n");
    if let Some(serde_json::Value::Object(details)) = private {
        out.push_str("\nDetails:\n");
        for (k, v) in details {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            out.push_str(&format!("  {}: {v}\n", k.replace('_', " ")));
        }
    }
    out
}

/// Sends one e-mail; a transient SMTP answer (4xx), a timeout or a lost connection is retried.
pub async fn send(
    smtp: &SmtpConfig,
    timeout: Duration,
    to: Mailbox,
    subject: &str,
    body: String,
) -> Attempt {
    let failed = |error: String, retryable: bool| Attempt {
        delivered: false,
        retryable,
        http_status: None,
        error: Some(error),
    };
    let from: Mailbox = match smtp.from.parse() {
        Ok(f) => f,
        Err(_) => return failed("SMTP_FROM is not an address".into(), false),
    };
    let message = match Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
    {
        Ok(m) => m,
        Err(e) => return failed(format!("the message could not be built: {e}"), false),
    };
    let transport = match transport(smtp, timeout) {
        Ok(t) => t,
        Err(e) => return failed(format!("the SMTP settings: {e}"), false),
    };
    match transport.send(message).await {
        Ok(_) => Attempt {
            delivered: true,
            retryable: false,
            http_status: None,
            error: None,
        },
        Err(e) => {
            let code = e.status().map(|c| c.to_string());
            // A refused certificate arrives as an I/O error of the handshake.
            let tls = e.is_tls()
                || format!("{e:?}")
                    .to_ascii_lowercase()
                    .contains("certificate");
            let what = if tls {
                "the TLS handshake with the mail server failed (is its certificate trusted? see SMTP_CA_CERT_FILE)".to_string()
            } else if e.is_timeout() {
                "the mail server did not answer in time".to_string()
            } else if let Some(code) = &code {
                format!("the mail server answered {code}")
            } else {
                "could not talk to the mail server".to_string()
            };
            failed(what, !e.is_permanent() && !tls)
        }
    }
}

fn transport(
    smtp: &SmtpConfig,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    let mut tls = TlsParameters::builder(smtp.host.clone());
    if let Some(pem) = &smtp.ca_pem {
        tls = tls.add_root_certificate(Certificate::from_pem(pem)?);
    }
    let tls = tls.build_rustls()?;
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(timeout))
        .tls(if smtp.implicit_tls {
            Tls::Wrapper(tls)
        } else {
            Tls::Required(tls)
        });
    if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
        b = b.credentials(Credentials::new(user.clone(), password.expose().clone()));
    }
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailto_url_names_one_recipient() {
        assert!(recipient("mailto:alice@example.com").is_some());
        assert!(recipient("alice@example.com").is_none());
        assert!(recipient("mailto:a@example.com,b@example.com").is_none());
        assert!(recipient("mailto:a@example.com?bcc=b@example.com").is_none());
        assert!(recipient("mailto:not an address").is_none());
    }

    #[test]
    fn the_text_carries_the_link_and_private_details_only_when_given() {
        let t = text("BTC moved.", "http://x/alerts", None);
        assert!(t.contains("http://x/alerts") && !t.contains("Details"));
        let d = serde_json::json!({"quantity": "2"});
        assert!(text("m", "l", Some(&d)).contains("quantity: 2"));
    }
}
