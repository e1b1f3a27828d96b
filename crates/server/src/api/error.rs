//! [`ApiError`]: the one error every API handler returns, rendered as
//! `{"error": "...", "detail": ...}` with the status code that says what went wrong.
//!
//! Messages and details travel only as JSON string values, so text a sender or a caller
//! chose (a log field, a bad query) is escaped by the serialiser and never becomes markup.
//! Internal failures are logged in full and answered with a generic message.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use vigil_store::db;
use vigil_store::events::StoreError;

/// An error answer: a status, a short message and optional structured detail.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status of the answer.
    pub status: StatusCode,
    /// What went wrong, in one line (`error` in the body).
    pub error: String,
    /// Structured detail (`detail` in the body; `null` when absent).
    pub detail: Option<Value>,
}

impl ApiError {
    /// An answer with `status` and `error`, without detail.
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            detail: None,
        }
    }

    /// Adds structured detail (a reason, a position).
    pub fn with_detail(mut self, detail: impl Into<Value>) -> ApiError {
        self.detail = Some(detail.into());
        self
    }

    /// 400: the request is malformed or a value is invalid.
    pub fn bad_request(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error)
    }

    /// 401: no valid credential.
    pub fn unauthorized() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "missing or invalid token")
    }

    /// 403: the caller is known but may not do this.
    pub fn forbidden(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, error)
    }

    /// 404: no such object, or not one the caller may see (the two look alike on purpose).
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found"))
    }

    /// 409: the request conflicts with the object's current state.
    pub fn conflict(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, error)
    }

    /// 500: logs `cause` and answers without it.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "api request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.error, "detail": self.detail }));
        let mut response = (self.status, body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vigil\""),
            );
        }
        response
    }
}

impl From<db::Error> for ApiError {
    fn from(e: db::Error) -> ApiError {
        match e {
            db::Error::NotFound(what) => ApiError::not_found(&what),
            db::Error::Invalid(reason) => ApiError::bad_request(reason),
            db::Error::InvalidTransition { from, to } => {
                ApiError::conflict(format!("alert status cannot change from {from} to {to}"))
                    .with_detail(json!({ "from": from, "to": to }))
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Parse(parse) => ApiError::bad_request("invalid query").with_detail(json!({
                "message": parse.message,
                "position": parse.position,
                "column": parse.position + 1,
            })),
            StoreError::InvalidQuery(reason) => {
                ApiError::bad_request("invalid query").with_detail(json!({ "message": reason }))
            }
            StoreError::InvalidArgument(reason) => ApiError::bad_request(reason),
            other => ApiError::internal(other),
        }
    }
}

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_map_to_status_codes() {
        use vigil_store::db::AlertStatus;
        let e: ApiError = db::Error::InvalidTransition {
            from: AlertStatus::Closed,
            to: AlertStatus::New,
        }
        .into();
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert!(e.error.contains("closed"), "{}", e.error);
        let e: ApiError = db::Error::Invalid("bad".into()).into();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e: ApiError = db::Error::NotFound("agency x".into()).into();
        assert_eq!(
            (e.status, e.error.as_str()),
            (StatusCode::NOT_FOUND, "agency x not found")
        );
    }

    #[test]
    fn query_errors_carry_their_position() {
        let parse = "EventID:("
            .parse::<vigil_store::events::Query>()
            .unwrap_err();
        let e: ApiError = StoreError::from(parse.clone()).into();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.detail.unwrap()["position"], json!(parse.position));
    }
}
