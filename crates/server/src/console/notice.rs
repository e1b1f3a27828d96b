//! What a page says above its content after one of its forms was sent: that the change
//! was made (with a secret to hand over, such as a one-time password, shown this once),
//! or why it was refused.
//!
//! Refusals the user can act on (an invalid value, a conflict) are shown on the page
//! with the reason; anything else (403, 404, a failure) is left to the error page, as
//! for any other request.

use axum::http::StatusCode;
use maud::{html, Markup};

use super::i18n::{Lang, Msg};
use crate::api::error::ApiError;

/// Feedback for the page.
#[derive(Debug, Clone)]
pub(super) enum Notice {
    /// The change was made.
    Done(Msg),
    /// The change was made and produced a secret shown only now.
    Secret { what: Msg, secret: String },
    /// The change was refused, for this reason (the status of the answer).
    Refused { status: StatusCode, reason: String },
}

impl Notice {
    /// The notice for an API-layer refusal the user can correct (400, 409); any other
    /// error is handed back, for the error page.
    pub(super) fn refusal(error: ApiError) -> Result<Notice, ApiError> {
        if !matches!(error.status, StatusCode::BAD_REQUEST | StatusCode::CONFLICT) {
            return Err(error);
        }
        let reason = match &error.detail {
            Some(serde_json::Value::String(detail)) => format!("{}: {detail}", error.error),
            _ => error.error,
        };
        Ok(Notice::Refused {
            status: error.status,
            reason,
        })
    }

    /// The status the page answers with.
    pub(super) fn status(&self) -> StatusCode {
        match self {
            Notice::Refused { status, .. } => *status,
            Notice::Done(_) | Notice::Secret { .. } => StatusCode::OK,
        }
    }

    /// The notice in `lang`.
    pub(super) fn show(&self, lang: Lang) -> Markup {
        html! {
            @match self {
                Notice::Done(msg) => p.done role="status" { (lang.t(*msg)) },
                Notice::Secret { what, secret } => div.done role="status" {
                    p { (lang.t(*what)) }
                    p { code.secret { (secret) } }
                    p.hint { (lang.t(Msg::ShownOnce)) }
                },
                Notice::Refused { reason, .. } => p.error role="alert" {
                    (lang.t(Msg::ChangeRefused)) " " (reason)
                },
            }
        }
    }
}
