//! How a refused ingest request is answered, in the terms of the API the sender speaks.
//!
//! A [`Refusal`] says what went wrong (no credential, body too large, pipeline busy...);
//! a [`Dialect`] renders it: [`Vigil`] as `{"error": ...}`, [`Elastic`] as an
//! Elasticsearch error object, [`Hec`] as a Splunk HEC `{"text", "code"}` answer. Busy and
//! unavailable answers carry `Retry-After` in every dialect.

use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value as JsonValue};
use std::marker::PhantomData;
use std::time::Duration;
use vigil_pipeline::intake::{SubmitError, RETRY_AFTER as DEFAULT_RETRY};

/// Why an ingest request was not (fully) taken.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refusal {
    /// No credential was presented.
    MissingToken,
    /// The credential is not a valid token.
    InvalidToken,
    /// The token is valid but belongs to no agency, so its events would have no owner.
    NoAgency,
    /// The body is over the limit (compressed or not).
    TooLarge { limit: usize },
    /// A `Content-Encoding` Vigil does not decode.
    UnsupportedEncoding(String),
    /// The body could not be read or decompressed.
    BadBody(String),
    /// The pipeline is full: try again later.
    Busy { retry_after: Duration },
    /// The pipeline could not make the events durable.
    Unavailable { retry_after: Duration },
    /// A bug (a parsing task died).
    Internal,
}

impl From<SubmitError> for Refusal {
    fn from(err: SubmitError) -> Refusal {
        match err {
            SubmitError::Busy { retry_after } => Refusal::Busy { retry_after },
            SubmitError::Failed(reason) => {
                tracing::warn!("pipeline refused an ingest batch: {reason}");
                Refusal::Unavailable {
                    retry_after: DEFAULT_RETRY,
                }
            }
        }
    }
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::MissingToken | Refusal::InvalidToken => StatusCode::UNAUTHORIZED,
            Refusal::NoAgency => StatusCode::FORBIDDEN,
            Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::BadBody(_) => StatusCode::BAD_REQUEST,
            Refusal::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::MissingToken => "missing token".into(),
            Refusal::InvalidToken => "invalid token".into(),
            Refusal::NoAgency => "the token belongs to no agency, so it cannot send events".into(),
            Refusal::TooLarge { limit } => format!("request body over {limit} bytes"),
            Refusal::UnsupportedEncoding(encoding) => {
                format!("unsupported Content-Encoding {encoding:?} (gzip, deflate or none)")
            }
            Refusal::BadBody(reason) => format!("unreadable request body: {reason}"),
            Refusal::Busy { .. } => "the pipeline is busy, retry later".into(),
            Refusal::Unavailable { .. } => "the pipeline cannot store events now".into(),
            Refusal::Internal => "internal error".into(),
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Refusal::Busy { retry_after } | Refusal::Unavailable { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// The status, `Retry-After` and `body` of this refusal.
    fn respond(&self, status: StatusCode, body: JsonValue) -> Response {
        let mut response = (status, Json(body)).into_response();
        if let Some(wait) = self.retry_after() {
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        Vigil::render(self)
    }
}

/// One API's way of answering a refusal.
pub(crate) trait Dialect: Send + Sync + 'static {
    fn render(refusal: Refusal) -> Response;
}

/// A refusal answered in dialect `D`: what handlers and extractors of that API return.
pub(crate) struct Refused<D>(pub Refusal, PhantomData<D>);

impl<D: Dialect> IntoResponse for Refused<D> {
    fn into_response(self) -> Response {
        D::render(self.0)
    }
}

impl<D> From<Refusal> for Refused<D> {
    fn from(refusal: Refusal) -> Self {
        Refused(refusal, PhantomData)
    }
}

impl<D> From<SubmitError> for Refused<D> {
    fn from(err: SubmitError) -> Self {
        Refused(err.into(), PhantomData)
    }
}

/// Vigil's own API: `{"error": "..."}`.
pub(crate) struct Vigil;

impl Dialect for Vigil {
    fn render(refusal: Refusal) -> Response {
        let mut response = refusal.respond(refusal.status(), json!({ "error": refusal.message() }));
        if refusal.status() == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The Elasticsearch-compatible API: ES error objects, and on 401 the `WWW-Authenticate`
/// challenges Elasticsearch sends.
pub(crate) struct Elastic;

impl Dialect for Elastic {
    fn render(refusal: Refusal) -> Response {
        let kind = match refusal {
            Refusal::MissingToken | Refusal::InvalidToken | Refusal::NoAgency => {
                "security_exception"
            }
            Refusal::TooLarge { .. } => "content_too_long_exception",
            Refusal::UnsupportedEncoding(_) => "media_type_header_exception",
            Refusal::BadBody(_) => "parse_exception",
            Refusal::Busy { .. } => "es_rejected_execution_exception",
            Refusal::Unavailable { .. } => "unavailable_shards_exception",
            Refusal::Internal => "exception",
        };
        let mut response = refusal.respond(
            refusal.status(),
            es_error_body(refusal.status(), kind, &refusal.message()),
        );
        if refusal.status() == StatusCode::UNAUTHORIZED {
            let headers = response.headers_mut();
            for challenge in [
                "Basic realm=\"security\" charset=\"UTF-8\"",
                "Bearer realm=\"security\"",
                "ApiKey",
            ] {
                headers.append(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
        }
        response
    }
}

/// An Elasticsearch error object (`{"type", "reason"}`), as it appears in a `_bulk` item.
pub(crate) fn es_error(kind: &str, reason: &str) -> JsonValue {
    json!({ "type": kind, "reason": reason })
}

/// A whole Elasticsearch error answer body.
pub(crate) fn es_error_body(status: StatusCode, kind: &str, reason: &str) -> JsonValue {
    json!({
        "error": {
            "root_cause": [es_error(kind, reason)],
            "type": kind,
            "reason": reason,
        },
        "status": status.as_u16(),
    })
}

/// A whole Elasticsearch error answer.
pub(crate) fn es_error_response(status: StatusCode, kind: &str, reason: &str) -> Response {
    (status, Json(es_error_body(status, kind, reason))).into_response()
}

/// The Splunk HEC-compatible API: `{"text": ..., "code": ...}` with Splunk's codes.
pub(crate) struct Hec;

impl Dialect for Hec {
    fn render(refusal: Refusal) -> Response {
        let (status, code, text) = match &refusal {
            Refusal::MissingToken => (StatusCode::UNAUTHORIZED, 2, "Token is required".into()),
            Refusal::InvalidToken | Refusal::NoAgency => {
                (StatusCode::FORBIDDEN, 4, "Invalid token".into())
            }
            Refusal::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, 9, "Server is busy".into()),
            Refusal::Unavailable { .. } | Refusal::Internal => (
                StatusCode::SERVICE_UNAVAILABLE,
                8,
                "Internal server error".into(),
            ),
            Refusal::TooLarge { .. } | Refusal::UnsupportedEncoding(_) | Refusal::BadBody(_) => {
                (refusal.status(), 6, refusal.message())
            }
        };
        refusal.respond(status, json!({ "text": text, "code": code }))
    }
}

/// A HEC answer: `{"text", "code"}` plus `extra` fields (`invalid-event-number`).
pub(crate) fn hec_reply(
    status: StatusCode,
    code: u16,
    text: &str,
    extra: Option<(&str, usize)>,
) -> Response {
    let mut body = json!({ "text": text, "code": code });
    if let Some((name, value)) = extra {
        body[name] = json!(value);
    }
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render<D: Dialect>(refusal: Refusal) -> (u16, Option<String>) {
        let response = D::render(refusal);
        let retry = response
            .headers()
            .get(RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), retry)
    }

    #[test]
    fn busy_and_failed_pipelines_say_when_to_retry_in_every_dialect() {
        let busy = || Refusal::Busy {
            retry_after: Duration::from_millis(1500),
        };
        let failed = || Refusal::from(SubmitError::Failed("disk full".into()));
        let two = Some("2".to_owned());
        let one = Some("1".to_owned());
        assert_eq!(render::<Vigil>(busy()), (429, two.clone()));
        assert_eq!(render::<Elastic>(busy()), (429, two.clone()));
        assert_eq!(render::<Hec>(busy()), (503, two));
        assert_eq!(render::<Vigil>(failed()), (503, one.clone()));
        assert_eq!(render::<Elastic>(failed()), (503, one.clone()));
        assert_eq!(render::<Hec>(failed()), (503, one));
        assert_eq!(render::<Hec>(Refusal::MissingToken), (401, None));
        assert_eq!(render::<Hec>(Refusal::InvalidToken), (403, None));
        assert_eq!(render::<Elastic>(Refusal::NoAgency), (403, None));
        assert_eq!(
            render::<Vigil>(Refusal::TooLarge { limit: 10 }),
            (413, None)
        );
    }
}
