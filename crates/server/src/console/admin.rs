//! Administration, for admins only (every other role gets the 404 page, as from the
//! API): `GET /admin` shows user accounts, agencies, API and ingest tokens, and each
//! agency's notification settings, each with its forms.
//!
//! Accounts, agencies and tokens change through the same calls as the API
//! ([`crate::web_auth::users`], [`crate::api::admin`]); notification settings through
//! [`vigil_store::db::Db::set_notification_settings`], which checks every address. The
//! database audits every change with its before and after. A new account's or a reset
//! one-time password, and a new token, are shown once, on the answer to the form.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;
use vigil_store::db::{
    Agency, AlertLevel, NotificationSettings, NotificationUpdate, Role, Scope, TokenInfo, User,
};

use super::change::{Change, TokenOnly};
use super::i18n::{Lang, Msg};
use super::layout::{self, utc_time, Section};
use super::notice::Notice;
use super::{failure, Viewer};
use crate::api::access::Action;
use crate::api::admin::{add_agency, issue_token, withdraw_token, NewAgency, NewToken};
use crate::api::error::ApiResult;
use crate::state::AppState;
use crate::web_auth::users::{
    change_account, create_account, reset_account, NewUserRequest, UserChange,
};

const ROLES: [Role; 5] = [
    Role::Admin,
    Role::SocAnalyst,
    Role::Leader,
    Role::AgencyOfficer,
    Role::Auditor,
];

const LEVELS: [AlertLevel; 5] = [
    AlertLevel::Informational,
    AlertLevel::Low,
    AlertLevel::Medium,
    AlertLevel::High,
    AlertLevel::Critical,
];

/// The routes of this module.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(show))
        .route("/admin/users", post(create_user))
        .route("/admin/users/{id}", post(change_user))
        .route("/admin/agencies", post(create_agency))
        .route("/admin/tokens", post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/notifications/{agency_id}", post(set_notifications))
}

/// The name of a role in `lang`.
pub(super) fn role_name(lang: Lang, role: Role) -> &'static str {
    lang.t(match role {
        Role::Admin => Msg::RoleAdmin,
        Role::SocAnalyst => Msg::RoleSocAnalyst,
        Role::Leader => Msg::RoleLeader,
        Role::AgencyOfficer => Msg::RoleAgencyOfficer,
        Role::Auditor => Msg::RoleAuditor,
    })
}

/// An optional instant, or a dash.
fn time(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "—".to_owned(), utc_time)
}

/// The 404 page for everyone but admins (as from the API).
fn refusal(viewer: &Viewer) -> Option<Response> {
    (!viewer.caller.can(Action::ManageUsers))
        .then(|| layout::error_page(viewer.lang, StatusCode::NOT_FOUND))
}

/// The page after a change: its notice, or the error page for a refusal the form cannot
/// correct.
async fn after(state: &AppState, viewer: &Viewer, outcome: ApiResult<Notice>) -> Response {
    match outcome.or_else(Notice::refusal) {
        Ok(notice) => page(state, viewer, Some(notice)).await,
        Err(e) => failure(viewer.lang, e),
    }
}

/// For an admin, runs `change` and shows the page with the notice it returns (or the
/// error page for a refusal the form cannot correct); everyone else gets the 404 page.
async fn changed(
    state: &AppState,
    viewer: &Viewer,
    change: impl AsyncFnOnce() -> ApiResult<Notice>,
) -> Response {
    if let Some(refused) = refusal(viewer) {
        return refused;
    }
    let outcome = change().await;
    after(state, viewer, outcome).await
}

/// `GET /admin`.
async fn show(State(state): State<AppState>, viewer: Viewer) -> Response {
    if let Some(refused) = refusal(&viewer) {
        return refused;
    }
    page(&state, &viewer, None).await
}

/// Everything the page lists.
struct Register {
    users: Vec<User>,
    agencies: Vec<Agency>,
    tokens: Vec<TokenInfo>,
    notifications: HashMap<String, NotificationSettings>,
}

impl Register {
    /// The name of agency `id`, or the id of one not listed.
    fn agency_name(&self, id: &str) -> String {
        self.agencies
            .iter()
            .find(|a| a.id == id)
            .map_or(id.to_owned(), |a| a.name.clone())
    }
}

async fn register(state: &AppState, viewer: &Viewer) -> ApiResult<Register> {
    let mut agencies = state.db.list_agencies().await?;
    agencies.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Register {
        users: state.db.list_users().await?,
        agencies,
        tokens: state.db.list_tokens(&viewer.caller.tenant(), None).await?,
        notifications: state
            .db
            .list_notification_settings()
            .await?
            .into_iter()
            .map(|s| (s.agency_id.clone(), s))
            .collect(),
    })
}

async fn page(state: &AppState, viewer: &Viewer, notice: Option<Notice>) -> Response {
    let lang = viewer.lang;
    let found = match register(state, viewer).await {
        Ok(found) => found,
        Err(e) => return failure(lang, e),
    };
    let title = lang.t(Msg::NavAdmin);
    let body = html! {
        h1 { (title) }
        @if let Some(notice) = &notice { (notice.show(lang)) }
        nav.sections {
            a href="#users" { (lang.t(Msg::UsersTitle)) }
            a href="#agencies" { (lang.t(Msg::AgenciesTitle)) }
            a href="#tokens" { (lang.t(Msg::TokensTitle)) }
            a href="#notifications" { (lang.t(Msg::NotificationsTitle)) }
            a href="/audit" { (lang.t(Msg::NavAudit)) }
        }
        (users_section(viewer, &found))
        (agencies_section(viewer, &found))
        (tokens_section(viewer, &found))
        (notifications_section(viewer, &found))
    };
    let status = notice.as_ref().map_or(StatusCode::OK, Notice::status);
    (status, layout::page(viewer, Section::Admin, title, body)).into_response()
}

fn agency_options(lang: Lang, agencies: &[Agency], chosen: Option<&str>, none: Msg) -> Markup {
    html! {
        option value="" { (lang.t(none)) }
        @for a in agencies {
            option value=(a.id) selected[chosen == Some(a.id.as_str())] { (a.name) }
        }
    }
}

/// A table's head: one column for each label.
fn head(labels: &[&str]) -> Markup {
    html! { thead { tr { @for label in labels { th { (label) } } } } }
}

/// A form's field choosing an agency (or none): its label, and a select `name` with
/// the id `id`.
fn agency_field(lang: Lang, id: &str, name: &str, label: Msg, agencies: &[Agency]) -> Markup {
    html! {
        div.field {
            label for=(id) { (lang.t(label)) }
            select id=(id) name=(name) {
                (agency_options(lang, agencies, None, Msg::NoAgency))
            }
        }
    }
}

fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.session.csrf_token); }
}

fn users_section(viewer: &Viewer, found: &Register) -> Markup {
    let lang = viewer.lang;
    let agency_name = |id: &str| found.agency_name(id);
    let now = Utc::now();
    html! {
        h2 #users { (lang.t(Msg::UsersTitle)) }
        table {
            (head(&[
                lang.t(Msg::LoginField),
                lang.t(Msg::DisplayName),
                lang.t(Msg::UserRole),
                lang.t(Msg::Agency),
                lang.t(Msg::Status),
                lang.t(Msg::LastLogin),
                lang.t(Msg::UserActions),
            ]))
            tbody {
                @for user in &found.users {
                    tr {
                        td.wrap { code { (user.login) } }
                        td.wrap { (user.display_name) }
                        td { (role_name(lang, user.role)) }
                        td.wrap { (user.agency_id.as_deref().map(agency_name).unwrap_or_default()) }
                        td {
                            @if user.disabled { span.tag { (lang.t(Msg::UserDisabled)) } " " }
                            @if user.locked_until.is_some_and(|t| t > now) { span.tag { (lang.t(Msg::UserLocked)) } " " }
                            @if user.must_change_password { span.tag { (lang.t(Msg::UserMustChange)) } " " }
                            @if user.totp_enabled { span.tag { "TOTP" } }
                        }
                        td { (time(user.last_login_at)) }
                        td {
                            form.inline method="post" action={ "/admin/users/" (user.id) } {
                                (csrf_field(viewer))
                                input type="hidden" name="action" value="role";
                                select name="role" aria-label=(lang.t(Msg::UserRole)) {
                                    @for role in ROLES {
                                        option value=(role.as_str()) selected[role == user.role] { (role_name(lang, role)) }
                                    }
                                }
                                select name="agency" aria-label=(lang.t(Msg::Agency)) {
                                    (agency_options(lang, &found.agencies, user.agency_id.as_deref(), Msg::NoAgency))
                                }
                                button type="submit" { (lang.t(Msg::Save)) }
                            }
                            @for (action, label, danger) in user_actions(user) {
                                form.inline method="post" action={ "/admin/users/" (user.id) } {
                                    (csrf_field(viewer))
                                    input type="hidden" name="action" value=(action);
                                    @if danger {
                                        button.danger type="submit" { (lang.t(label)) }
                                    } @else {
                                        button.secondary type="submit" { (lang.t(label)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.panel method="post" action="/admin/users" {
            h3 { (lang.t(Msg::CreateUser)) }
            (csrf_field(viewer))
            div.row {
                div.field {
                    label for="new-login" { (lang.t(Msg::LoginField)) }
                    input #new-login name="login" required maxlength="64" autocomplete="off";
                }
                div.field {
                    label for="new-name" { (lang.t(Msg::DisplayName)) }
                    input #new-name name="display_name" maxlength="200";
                }
                div.field {
                    label for="new-role" { (lang.t(Msg::UserRole)) }
                    select #new-role name="role" {
                        @for role in ROLES {
                            option value=(role.as_str()) selected[role == Role::SocAnalyst] { (role_name(lang, role)) }
                        }
                    }
                }
                (agency_field(lang, "new-agency", "agency", Msg::Agency, &found.agencies))
            }
            p.hint { (lang.t(Msg::CreateUserHint)) }
            button type="submit" { (lang.t(Msg::CreateUser)) }
        }
    }
}

/// The one-click actions on an account: form value, label, whether it is destructive.
fn user_actions(user: &User) -> Vec<(&'static str, Msg, bool)> {
    let mut actions = Vec::new();
    if user.disabled {
        actions.push(("enable", Msg::EnableUser, false));
    } else {
        actions.push(("disable", Msg::DisableUser, true));
    }
    actions.push(("reset", Msg::ResetPassword, true));
    if user.totp_enabled {
        actions.push(("totp_off", Msg::TurnOffTotp, true));
    }
    actions
}

fn agencies_section(viewer: &Viewer, found: &Register) -> Markup {
    let lang = viewer.lang;
    html! {
        h2 #agencies { (lang.t(Msg::AgenciesTitle)) }
        table {
            (head(&[lang.t(Msg::Agency), lang.t(Msg::ParentAgency), lang.t(Msg::CreatedOn)]))
            tbody {
                @for agency in &found.agencies {
                    tr {
                        td.wrap { (agency.name) }
                        td.wrap {
                            (agency.parent_id.as_deref()
                                .and_then(|p| found.agencies.iter().find(|a| a.id == p))
                                .map(|a| a.name.as_str())
                                .unwrap_or(""))
                        }
                        td { (time(Some(agency.created_at))) }
                    }
                }
            }
        }
        form.panel method="post" action="/admin/agencies" {
            h3 { (lang.t(Msg::CreateAgency)) }
            (csrf_field(viewer))
            div.row {
                div.field {
                    label for="agency-name" { (lang.t(Msg::AgencyName)) }
                    input #agency-name name="name" required maxlength="200";
                }
                (agency_field(lang, "agency-parent", "parent_id", Msg::ParentAgency, &found.agencies))
            }
            button type="submit" { (lang.t(Msg::CreateAgency)) }
        }
    }
}

fn tokens_section(viewer: &Viewer, found: &Register) -> Markup {
    let lang = viewer.lang;
    let agency_name = |id: &str| found.agency_name(id);
    html! {
        h2 #tokens { (lang.t(Msg::TokensTitle)) }
        @if found.tokens.is_empty() {
            p.hint { (lang.t(Msg::NoTokens)) }
        } @else {
            table {
                (head(&[
                    "ID",
                    lang.t(Msg::TokenScope),
                    lang.t(Msg::UserRole),
                    lang.t(Msg::Agency),
                    lang.t(Msg::CreatedOn),
                    lang.t(Msg::LastUsed),
                    lang.t(Msg::Status),
                ]))
                tbody {
                    @for token in &found.tokens {
                        tr {
                            td { code { (token.id) } }
                            td { (token.scope) }
                            td { (token.role.as_deref().and_then(|r| r.parse().ok()).map(|r| role_name(lang, r)).unwrap_or("")) }
                            td.wrap { (token.agency_id.as_deref().map(agency_name).unwrap_or_default()) }
                            td { (time(Some(token.created_at))) " · " (token.created_by) }
                            td { (time(token.last_used_at)) }
                            td {
                                @if token.revoked {
                                    span.tag { (lang.t(Msg::TokenRevoked)) }
                                } @else {
                                    form.inline method="post" action={ "/admin/tokens/" (token.id) "/revoke" } {
                                        (csrf_field(viewer))
                                        button.danger type="submit" { (lang.t(Msg::RevokeToken)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.panel method="post" action="/admin/tokens" {
            h3 { (lang.t(Msg::CreateToken)) }
            (csrf_field(viewer))
            div.row {
                div.field {
                    label for="token-scope" { (lang.t(Msg::TokenScope)) }
                    select #token-scope name="scope" {
                        @for scope in [Scope::Ingest, Scope::Api, Scope::Admin] {
                            option value=(scope.as_str()) { (scope.as_str()) }
                        }
                    }
                }
                div.field {
                    label for="token-role" { (lang.t(Msg::UserRole)) }
                    select #token-role name="role" {
                        option value="" { "—" }
                        @for role in ROLES {
                            option value=(role.as_str()) { (role_name(lang, role)) }
                        }
                    }
                }
                (agency_field(lang, "token-agency", "agency", Msg::Agency, &found.agencies))
            }
            p.hint { (lang.t(Msg::CreateTokenHint)) }
            button type="submit" { (lang.t(Msg::CreateToken)) }
        }
    }
}

fn notifications_section(viewer: &Viewer, found: &Register) -> Markup {
    let lang = viewer.lang;
    html! {
        h2 #notifications { (lang.t(Msg::NotificationsTitle)) }
        p.hint { (lang.t(Msg::NotificationsHint)) }
        @for agency in &found.agencies {
            @let settings = found.notifications.get(&agency.id);
            @let min_level = settings.map_or(AlertLevel::High, |s| s.min_level);
            form.panel method="post" action={ "/admin/notifications/" (agency.id) } {
                h3.wrap { (agency.name) }
                (csrf_field(viewer))
                div.row {
                    div.field {
                        label for={ "emails-" (agency.id) } { (lang.t(Msg::NotifyEmails)) }
                        textarea id={ "emails-" (agency.id) } name="emails" rows="3" {
                            (settings.map(|s| s.emails.join("\n")).unwrap_or_default())
                        }
                    }
                    div.field {
                        label for={ "webhooks-" (agency.id) } { (lang.t(Msg::NotifyWebhooks)) }
                        textarea id={ "webhooks-" (agency.id) } name="webhooks" rows="3" {
                            (settings.map(|s| s.webhooks.join("\n")).unwrap_or_default())
                        }
                    }
                    div.field {
                        label for={ "level-" (agency.id) } { (lang.t(Msg::NotifyMinLevel)) }
                        select id={ "level-" (agency.id) } name="min_level" {
                            @for level in LEVELS {
                                option value=(level.as_str()) selected[level == min_level] { (lang.level(level)) }
                            }
                        }
                    }
                }
                @if let Some(by) = settings.and_then(|s| s.updated_by.as_deref()) {
                    p.hint { (lang.t(Msg::NotifyLastChange)) " " (by) ", " (time(settings.and_then(|s| s.updated_at))) }
                }
                button type="submit" { (lang.t(Msg::Save)) }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewUserForm {
    login: String,
    display_name: String,
    role: String,
    agency: String,
}

/// A form's optional choice: empty is none.
fn chosen(value: String) -> Option<String> {
    Some(value).filter(|v| !v.trim().is_empty())
}

/// `POST /admin/users`: the new account's one-time password is shown once.
async fn create_user(
    State(state): State<AppState>,
    Change { viewer, form }: Change<NewUserForm>,
) -> Response {
    changed(&state, &viewer, async || {
        let request = NewUserRequest {
            login: form.login,
            display_name: chosen(form.display_name),
            role: form.role,
            agency: chosen(form.agency),
        };
        let created = create_account(&state, &viewer.caller, request).await?;
        Ok(Notice::Secret {
            what: Msg::UserCreated,
            secret: format!("{} · {}", created.user.login, created.one_time_password),
        })
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserForm {
    action: String,
    role: String,
    agency: String,
}

/// `POST /admin/users/{id}`: one action on an account (`role`, `disable`, `enable`,
/// `reset`, `totp_off`).
async fn change_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Change { viewer, form }: Change<UserForm>,
) -> Response {
    if let Some(refused) = refusal(&viewer) {
        return refused;
    }
    let caller = &viewer.caller;
    let change = match form.action.as_str() {
        "role" => UserChange {
            role: Some(form.role),
            agency: Some(chosen(form.agency)),
            ..UserChange::default()
        },
        "disable" | "enable" => UserChange {
            disabled: Some(form.action == "disable"),
            ..UserChange::default()
        },
        "totp_off" => UserChange {
            totp_enabled: Some(false),
            ..UserChange::default()
        },
        "reset" => {
            let outcome = reset_account(&state, caller, &id)
                .await
                .map(|password| Notice::Secret {
                    what: Msg::PasswordReset,
                    secret: password,
                });
            return after(&state, &viewer, outcome).await;
        }
        _ => return layout::error_page(viewer.lang, StatusCode::BAD_REQUEST),
    };
    let outcome = change_account(&state, caller, &id, change)
        .await
        .map(|_| Notice::Done(Msg::UserChanged));
    after(&state, &viewer, outcome).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AgencyForm {
    name: String,
    parent_id: String,
}

/// `POST /admin/agencies`.
async fn create_agency(
    State(state): State<AppState>,
    Change { viewer, form }: Change<AgencyForm>,
) -> Response {
    changed(&state, &viewer, async || {
        let new = NewAgency {
            name: form.name,
            parent_id: chosen(form.parent_id),
        };
        add_agency(&state, &viewer.caller, &new).await?;
        Ok(Notice::Done(Msg::AgencyCreated))
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenForm {
    scope: String,
    role: String,
    agency: String,
}

/// `POST /admin/tokens`: the token is shown once.
async fn create_token(
    State(state): State<AppState>,
    Change { viewer, form }: Change<TokenForm>,
) -> Response {
    changed(&state, &viewer, async || {
        let new = NewToken {
            agency: chosen(form.agency),
            scope: form.scope,
            role: chosen(form.role),
        };
        let created = issue_token(&state, &viewer.caller, &new).await?;
        Ok(Notice::Secret {
            what: Msg::TokenCreated,
            secret: created.plaintext,
        })
    })
    .await
}

/// `POST /admin/tokens/{id}/revoke`.
async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Change { viewer, .. }: Change<TokenOnly>,
) -> Response {
    changed(&state, &viewer, async || {
        withdraw_token(&state, &viewer.caller, &id).await?;
        Ok(Notice::Done(Msg::TokenRevokedNow))
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NotificationForm {
    emails: String,
    webhooks: String,
    min_level: String,
}

/// One address per line (commas also separate e-mail addresses).
fn lines(text: &str, commas: bool) -> Vec<String> {
    text.split(|c| c == '\n' || (commas && c == ','))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /admin/notifications/{agency_id}`.
async fn set_notifications(
    State(state): State<AppState>,
    Path(agency_id): Path<String>,
    Change { viewer, form }: Change<NotificationForm>,
) -> Response {
    changed(&state, &viewer, async || {
        viewer.caller.require(Action::ManageAgencies)?;
        let update = NotificationUpdate {
            emails: lines(&form.emails, true),
            webhooks: lines(&form.webhooks, false),
            min_level: form.min_level.parse()?,
        };
        state
            .db
            .set_notification_settings(&agency_id, &update, viewer.caller.actor())
            .await?;
        Ok(Notice::Done(Msg::NotificationsSaved))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_one_a_line() {
        assert_eq!(
            lines(" a@x.vn, b@x.vn\r\n\nc@x.vn ", true),
            ["a@x.vn", "b@x.vn", "c@x.vn"]
        );
        assert_eq!(
            lines("https://h.local/a,b\n", false),
            ["https://h.local/a,b"]
        );
    }
}
