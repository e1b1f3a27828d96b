//! The frame of every console page: `<head>` with the embedded stylesheet, the header
//! with the navigation, the user and the language switch; and the error pages.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};

use super::assets::STYLESHEET;
use super::i18n::{Lang, Msg};
use super::Viewer;
use crate::api::access::Action;

/// How the console shows an instant (always UTC, which pages say where it matters).
pub(super) fn utc_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A link to `path` with `params` as its query string, percent-encoded.
pub(super) fn href<V: AsRef<str>>(path: &str, params: &[(&str, V)]) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value.as_ref());
    }
    format!("{path}?{}", query.finish())
}

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Section {
    Overview,
    Alerts,
    Search,
    Rules,
    Admin,
    Audit,
    Account,
    Register,
    Incidents,
    Advisories,
}

impl Section {
    fn href(self) -> &'static str {
        match self {
            Section::Overview => "/",
            Section::Alerts => "/alerts",
            Section::Search => "/search",
            Section::Rules => "/rules",
            Section::Admin => "/admin",
            Section::Audit => "/audit",
            Section::Account => "/account",
            Section::Register => "/register",
            Section::Incidents => "/incidents",
            Section::Advisories => "/advisories",
        }
    }

    pub(super) fn label(self) -> Msg {
        match self {
            Section::Overview => Msg::NavOverview,
            Section::Alerts => Msg::NavAlerts,
            Section::Search => Msg::NavSearch,
            Section::Rules => Msg::NavRules,
            Section::Admin => Msg::NavAdmin,
            Section::Audit => Msg::NavAudit,
            Section::Account => Msg::AccountTitle,
            Section::Register => Msg::NavRegister,
            Section::Incidents => Msg::NavIncidents,
            Section::Advisories => Msg::NavAdvisories,
        }
    }
}

/// `<head>`, shared by every page.
fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Vigil" }
            link rel="icon" href="data:,";
            link rel="stylesheet" href=(STYLESHEET);
            meta name="color-scheme" content="light";
            meta name="description" content=(lang.t(Msg::AppTagline));
        }
    }
}

/// The language switch: the current page in the other language.
fn language_switch(lang: Lang) -> Markup {
    let other = lang.other();
    html! {
        a.lang href={ "?lang=" (other.code()) } hreflang=(other.code()) lang=(other.code()) {
            (lang.t(Msg::SwitchLanguage))
        }
    }
}

/// A page of a logged-in user, with `active` marked in the navigation.
pub(super) fn page(viewer: &Viewer, active: Section, title: &str, body: Markup) -> Markup {
    let lang = viewer.lang;
    let user = &viewer.session.user;
    let mut sections = vec![
        Section::Overview,
        Section::Alerts,
        Section::Search,
        Section::Rules,
        Section::Register,
        Section::Incidents,
        Section::Advisories,
    ];
    if viewer.caller.can(Action::ManageUsers) {
        sections.push(Section::Admin);
    }
    if viewer.caller.can(Action::ViewAudit) {
        sections.push(Section::Audit);
    }
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body {
                header.top {
                    a.brand href="/" { "Vigil" }
                    nav {
                        @for section in sections {
                            @if section == active {
                                a href=(section.href()) aria-current="page" { (lang.t(section.label())) }
                            } @else {
                                a href=(section.href()) { (lang.t(section.label())) }
                            }
                        }
                    }
                    div.user {
                        @if active == Section::Account {
                            a href=(Section::Account.href()) title=(user.role.as_str()) aria-current="page" { (user.display_name) }
                        } @else {
                            a href=(Section::Account.href()) title=(user.role.as_str()) { (user.display_name) }
                        }
                        (language_switch(lang))
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(viewer.session.csrf_token);
                            button type="submit" { (lang.t(Msg::LogOut)) }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A page without the navigation (login, password change, errors).
pub(super) fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body {
                main.login {
                    span.brand { "Vigil" }
                    p.hint { (lang.t(Msg::AppTagline)) " · " (language_switch(lang)) }
                    (body)
                }
            }
        }
    }
}

/// The page for an error status (an unknown status is shown as a generic error).
pub(super) fn error_page(lang: Lang, status: StatusCode) -> Response {
    let (title, text) = match status {
        StatusCode::NOT_FOUND => (Msg::NotFoundTitle, Msg::NotFoundText),
        StatusCode::FORBIDDEN => (Msg::ForbiddenTitle, Msg::ForbiddenText),
        StatusCode::CONFLICT => (Msg::ConflictTitle, Msg::ConflictText),
        StatusCode::BAD_REQUEST => (Msg::BadRequestTitle, Msg::ErrorText),
        _ => (Msg::ErrorTitle, Msg::ErrorText),
    };
    let title = lang.t(title);
    let body = html! {
        div.panel {
            h1 { (title) }
            p { (lang.t(text)) }
            p { a href="/" { (lang.t(Msg::Back)) } }
        }
    };
    (status, bare(lang, title, body)).into_response()
}
