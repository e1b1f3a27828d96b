//! The viewer's own account: `GET /account` (who they are, a link to the password
//! change, the state of their second factor) and `POST /account/totp`, which enrols a
//! TOTP authenticator in two steps: `begin` makes a pending secret and shows it as a QR
//! code (an SVG drawn on the server), as an `otpauth://` URI and in base32; `confirm`
//! turns it on only when a code from the authenticator is right. `disable` turns it off
//! after checking the password. The state database does the work
//! ([`vigil_store::db::Db::begin_totp`], `confirm_totp`, `disable_totp`) and audits it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use maud::{html, Markup};
use qrcode::render::svg;
use qrcode::QrCode;
use serde::Deserialize;
use vigil_store::db::TotpEnrolment;

use super::admin::role_name;
use super::change::Change;
use super::i18n::Msg;
use super::layout::{self, Section};
use super::notice::Notice;
use super::{failure, Viewer};
use crate::api::error::ApiError;
use crate::state::AppState;

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/totp", post(totp))
}

/// `url` as a QR code: an SVG image in a `data:` URL (the page's CSP allows `data:`
/// images, and nothing leaves the server).
fn qr_image(url: &str) -> Option<String> {
    let code = QrCode::new(url.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    let encoded = base64::engine::general_purpose::STANDARD.encode(image);
    Some(format!("data:image/svg+xml;base64,{encoded}"))
}

/// The account page, with a notice, and with an enrolment to confirm when one was just
/// started (or a code was wrong).
fn page(
    viewer: &Viewer,
    notice: Option<Notice>,
    enrolment: Option<&TotpEnrolment>,
    confirming: bool,
) -> Response {
    let lang = viewer.lang;
    let user = &viewer.session.user;
    let title = lang.t(Msg::AccountTitle);
    let csrf = html! { input type="hidden" name="csrf" value=(viewer.session.csrf_token); };
    let confirm_form: Markup = html! {
        form.panel method="post" action="/account/totp" {
            (csrf)
            input type="hidden" name="step" value="confirm";
            div.field {
                label for="code" { (lang.t(Msg::TotpCode)) }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required autofocus;
            }
            button type="submit" { (lang.t(Msg::TotpConfirm)) }
        }
    };
    let body = html! {
        h1 { (title) }
        @if let Some(notice) = &notice { (notice.show(lang)) }
        div.panel {
            dl.facts {
                dt { (lang.t(Msg::LoginField)) } dd { code { (user.login) } }
                dt { (lang.t(Msg::DisplayName)) } dd { (user.display_name) }
                dt { (lang.t(Msg::UserRole)) } dd { (role_name(lang, user.role)) }
            }
        }
        h2 { (lang.t(Msg::Password)) }
        p { a href="/account/password" { (lang.t(Msg::ChangePassword)) } }
        h2 { (lang.t(Msg::TotpTitle)) }
        @if user.totp_enabled {
            p { (lang.t(Msg::TotpIsOn)) }
            form.panel method="post" action="/account/totp" {
                (csrf)
                input type="hidden" name="step" value="disable";
                div.field {
                    label for="password" { (lang.t(Msg::CurrentPassword)) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                }
                button.danger type="submit" { (lang.t(Msg::TotpDisable)) }
            }
        } @else if let Some(enrolment) = enrolment {
            p { (lang.t(Msg::TotpScan)) }
            @if let Some(image) = qr_image(&enrolment.url) {
                img.qr src=(image) width="220" height="220" alt=(lang.t(Msg::TotpQrAlt));
            }
            dl.facts {
                dt { (lang.t(Msg::TotpSecret)) } dd { code.secret { (enrolment.secret) } }
                dt { "URI" } dd { code.wrap { (enrolment.url) } }
            }
            (confirm_form)
        } @else if confirming {
            (confirm_form)
            (begin_form(viewer, Msg::TotpRestart))
        } @else {
            p { (lang.t(Msg::TotpIsOff)) }
            (begin_form(viewer, Msg::TotpBegin))
        }
    };
    let status = notice.as_ref().map_or(StatusCode::OK, Notice::status);
    (status, layout::page(viewer, Section::Account, title, body)).into_response()
}

fn begin_form(viewer: &Viewer, label: Msg) -> Markup {
    html! {
        form.inline method="post" action="/account/totp" {
            input type="hidden" name="csrf" value=(viewer.session.csrf_token);
            input type="hidden" name="step" value="begin";
            button type="submit" { (viewer.lang.t(label)) }
        }
    }
}

/// `GET /account`.
async fn show(viewer: Viewer) -> Response {
    page(&viewer, None, None, false)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TotpForm {
    step: String,
    code: String,
    password: String,
}

/// `POST /account/totp`: `begin`, `confirm` or `disable`.
async fn totp(
    State(state): State<AppState>,
    Change { viewer, form }: Change<TotpForm>,
) -> Response {
    let lang = viewer.lang;
    let user_id = viewer.session.user.id.clone();
    let refused = |reason: Msg| Notice::Refused {
        status: StatusCode::BAD_REQUEST,
        reason: lang.t(reason).to_owned(),
    };
    match form.step.as_str() {
        "begin" => match state.db.begin_totp(&user_id).await {
            Ok(enrolment) => page(&viewer, None, Some(&enrolment), false),
            Err(e) => failure(lang, e),
        },
        "confirm" => match state.db.confirm_totp(&user_id, form.code.trim()).await {
            Ok(true) => done(&state, viewer, Msg::TotpEnabled).await,
            Ok(false) => page(&viewer, Some(refused(Msg::TotpWrongCode)), None, true),
            Err(e) => match Notice::refusal(ApiError::from(e)) {
                Ok(notice) => page(&viewer, Some(notice), None, false),
                Err(e) => failure(lang, e),
            },
        },
        "disable" => match state.db.disable_totp(&user_id, &form.password).await {
            Ok(true) => done(&state, viewer, Msg::TotpDisabled).await,
            Ok(false) => page(&viewer, Some(refused(Msg::PasswordRefused)), None, false),
            Err(e) => failure(lang, e),
        },
        _ => layout::error_page(lang, StatusCode::BAD_REQUEST),
    }
}

/// The page after a change of the account, showing it as it now is.
async fn done(state: &AppState, mut viewer: Viewer, what: Msg) -> Response {
    match state.db.user(&viewer.session.user.id).await {
        Ok(Some(user)) => {
            viewer.session.user = user;
            page(&viewer, Some(Notice::Done(what)), None, false)
        }
        Ok(None) => layout::error_page(viewer.lang, StatusCode::NOT_FOUND),
        Err(e) => failure(viewer.lang, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_data_url() {
        let image =
            qr_image("otpauth://totp/Vigil:lan?secret=JBSWY3DPEHPK3PXP&issuer=Vigil").unwrap();
        let encoded = image.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let svg = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
    }
}
