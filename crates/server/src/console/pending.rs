//! Sections of the navigation whose pages come in later slices (search): each answers a
//! page that says so, inside the console's frame, so the navigation never leads out of it.

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::html;

use super::i18n::Msg;
use super::layout::{self, Section};
use super::Viewer;
use crate::state::AppState;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route(
        "/search",
        get(|v: Viewer| async move { pending(v, Section::Search) }),
    )
}

fn pending(viewer: Viewer, section: Section) -> Response {
    let lang = viewer.lang;
    let title = lang.t(section.label());
    let body = html! {
        h1 { (title) }
        p.panel { (lang.t(Msg::ComingSoon)) }
    };
    layout::page(&viewer, section, title, body).into_response()
}
