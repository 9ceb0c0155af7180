//! The one error type of every handler, and the one JSON shape every error answer has.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being served, set by the request middleware.
    pub static REQUEST_ID: String;
}

/// The id of the current request, or an empty string outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

pub use domain::validation::FieldError;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// Also sent as the `x-request-id` header; quote it when reporting a problem.
    pub request_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code to switch on, e.g. `not_found`, `validation_failed`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
    /// With `duplicate_account`: the id of the account that already holds this wallet or
    /// exchange account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_account_id: Option<uuid::Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    Validation {
        message: String,
        fields: Vec<FieldError>,
    },
    /// 422 with its own code, for a rule that is not about one field's shape
    /// (`chain_id_mismatch`, `rpc_unreachable`).
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    /// `409 duplicate_account`: the user already has this wallet or exchange account.
    #[error("{message}")]
    DuplicateAccount {
        existing: uuid::Uuid,
        message: String,
    },
    /// A request the framework refused before a handler ran (size, media type).
    #[error("{message}")]
    Rejected {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", fields.len()),
        };
        ApiError::Validation { message, fields }
    }

    /// This error again, from a cache that shares one error among its waiters: client errors
    /// keep their status, code and message; anything else becomes an internal error.
    pub fn shared(self: std::sync::Arc<Self>) -> Self {
        match std::sync::Arc::try_unwrap(self) {
            Ok(e) => e,
            Err(e) => match &*e {
                ApiError::Conflict { code, message } => ApiError::Conflict {
                    code,
                    message: message.clone(),
                },
                ApiError::Unavailable { code, message } => ApiError::Unavailable {
                    code,
                    message: message.clone(),
                },
                other => ApiError::Internal(anyhow::anyhow!("{other}")),
            },
        }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::Validation { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ApiError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, code),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::Unavailable { code, .. } => (StatusCode::SERVICE_UNAVAILABLE, code),
            ApiError::DuplicateAccount { .. } => (StatusCode::CONFLICT, "duplicate_account"),
            ApiError::Rejected { status, code, .. } => (*status, code),
            ApiError::Db(e) => match e {
                _ if db_unavailable(e) => (StatusCode::SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE),
                DbErr::RecordNotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
                _ if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    (StatusCode::CONFLICT, "conflict")
                }
                _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            },
            ApiError::Internal(e)
                if e.chain()
                    .any(|c| c.downcast_ref().is_some_and(db_unavailable)) =>
            {
                (StatusCode::SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE)
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

/// The code of an answer given while the database cannot be reached.
pub const DATABASE_UNAVAILABLE: &str = "database_unavailable";

/// Whether the error says the database cannot be reached (no connection within the pool's
/// acquire timeout, a connection lost, the server shutting down or starting up) rather than
/// that the query itself was wrong. Such a request may succeed when retried later.
pub fn db_unavailable(e: &DbErr) -> bool {
    match e {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => sqlx_unavailable(e),
        _ => false,
    }
}

fn sqlx_unavailable(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match e {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        // PostgreSQL's classes 08 (connection exception) and 57P (operator intervention:
        // admin shutdown, crash shutdown, cannot connect now); SQLite's BUSY and LOCKED.
        Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "5" || c == "6"),
        _ => false,
    }
}

/// Builds an error answer in the shared shape.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: String,
    fields: Option<Vec<FieldError>>,
) -> Response {
    respond(status, code, message, fields, None)
}

fn respond(
    status: StatusCode,
    code: &str,
    message: String,
    fields: Option<Vec<FieldError>>,
    existing_account_id: Option<uuid::Uuid>,
) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_string(),
            message,
            fields,
            existing_account_id,
        },
        request_id: current_request_id(),
    };
    let mut resp = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            _ if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE => {
                tracing::error!(error = ?self, "request failed");
                "internal error; quote the request id when reporting it".to_string()
            }
            _ if code == DATABASE_UNAVAILABLE => {
                tracing::warn!(error = ?self, "database unavailable");
                "the database cannot be reached; try again in a moment".to_string()
            }
            ApiError::Db(DbErr::RecordNotFound(_)) => "not found".to_string(),
            ApiError::Db(_) => "a record with these values already exists".to_string(),
            other => other.to_string(),
        };
        let existing = match &self {
            ApiError::DuplicateAccount { existing, .. } => Some(*existing),
            _ => None,
        };
        let fields = match self {
            ApiError::Validation { fields, .. } => Some(fields),
            _ => None,
        };
        respond(status, code, message, fields, existing)
    }
}

/// The code an error answer gets when something other than a handler produced it.
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal_error",
        _ => "error",
    }
}

/// A JSON body whose rejections answer in the shared error shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Axum's own extractor for the content type and the size limit; the body is then
        // parsed here so that a wrong value names its field in plain words (422).
        let Json(raw) = Json::<Box<serde_json::value::RawValue>>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        let mut de = serde_json::Deserializer::from_str(raw.get());
        serde_path_to_error::deserialize(&mut de)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let text = inner.to_string();
                // serde_json appends the position; the field path says more to a person.
                let message = match text.rfind(" at line ") {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                let prefix = if path == "." {
                    String::new()
                } else {
                    format!("{path}.")
                };
                let field = match message
                    .strip_prefix("missing field `")
                    .and_then(|m| m.split('`').next())
                {
                    Some(name) => format!("{prefix}{name}"),
                    None if path == "." => "body".to_string(),
                    None => path,
                };
                ApiError::validation(vec![FieldError::new(field, message)])
            })
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => ApiError::BadRequest {
            code: "invalid_body",
            message: text,
        },
        JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest {
            code: "malformed_json",
            message: text,
        },
        JsonRejection::MissingJsonContentType(_) => ApiError::Rejected {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            message: "expected a JSON body with content-type: application/json".into(),
        },
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::Rejected {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "payload_too_large",
            message: "the request body is too large".into(),
        },
        other => ApiError::BadRequest {
            code: "bad_request",
            message: other.body_text(),
        },
    }
}

/// Path parameters whose rejections answer in the shared error shape.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e: PathRejection| ApiError::BadRequest {
                code: "invalid_path",
                message: e.body_text(),
            })
    }
}

/// Query parameters whose rejections answer in the shared error shape.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| ApiError::BadRequest {
                code: "invalid_query",
                message: e.body_text(),
            })
    }
}
