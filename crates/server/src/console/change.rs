//! [`Change`]: a form a logged-in viewer posted to change something, taken only when it
//! carries the session's CSRF token (otherwise the 403 page), so no handler can forget
//! the check. A form that does not parse is the 400 page.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{layout, Viewer};
use crate::state::AppState;

/// The viewer and their form `T` (whose fields are the form's, less `csrf`).
pub(super) struct Change<T> {
    pub(super) viewer: Viewer,
    pub(super) form: T,
}

/// A form that carries nothing but its token (a delete or revoke button).
#[derive(Debug, Deserialize)]
pub(super) struct TokenOnly {}

/// A form with its CSRF token.
#[derive(Debug, Deserialize)]
struct WithToken<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Change<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Change<T>, Response> {
        let (mut parts, body) = request.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let Ok(Form(sent)) = Form::<WithToken<T>>::from_request(request, state).await else {
            return Err(layout::error_page(viewer.lang, StatusCode::BAD_REQUEST));
        };
        if !viewer.session.csrf_matches(&sent.csrf) {
            return Err(layout::error_page(viewer.lang, StatusCode::FORBIDDEN));
        }
        Ok(Change {
            viewer,
            form: sent.form,
        })
    }
}
