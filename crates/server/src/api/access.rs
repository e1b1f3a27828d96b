//! Who may do what: the one place the API (and later the console) decides permissions.
//!
//! Two questions are asked of every request:
//!
//! - **which data** — the caller's [`Tenant`]: an agency officer sees only their agency,
//!   every other role sees all agencies. Handlers pass it down to every query (the state
//!   database and the event store both take it), so another agency's object is simply not
//!   found: the API answers 404, never 403, and does not confirm that it exists;
//! - **which actions** — [`permits`] over the caller's [`Role`]: everyone reads; admins
//!   and SOC analysts change things; agency officers work their own agency's alerts and
//!   register entries and answer the advisories sent to their agency; admins and SOC
//!   analysts act as the inspectors and manage incidents and advisories; leaders and
//!   auditors only read.
//!
//! A [`Caller`] is extracted from the request's token (any form [`presented_token`]
//! accepts) or, failing that, from the console's session cookie (see
//! [`crate::web_auth`]: changes made with a cookie must carry the session's CSRF token).
//! No credential, or a bad one, is 401; ingest tokens are for sending events and get 403
//! here, and so do users who must still change a one-time password.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use vigil_store::db::{Role, Scope, Session, Tenant, TokenIdentity, User};

use super::error::{ApiError, ApiResult};
use crate::auth::presented_token;
use crate::state::AppState;

/// Something a caller may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read events, alerts, rules, quarantine, agencies and metrics (within the tenant).
    Read,
    /// Move an alert through its workflow or comment on it.
    WorkAlert,
    /// Assign an alert to an analyst.
    AssignAlert,
    /// Enable or disable rules; add or delete rule exceptions.
    TuneRules,
    /// Attribute source addresses to agencies.
    ManageSources,
    /// Create agencies.
    ManageAgencies,
    /// List, create and revoke tokens.
    ManageTokens,
    /// List user accounts.
    ViewUsers,
    /// Create user accounts, change their role, agency or state, reset passwords.
    ManageUsers,
    /// Read the audit log and verify its chain.
    ViewAudit,
    /// Register and edit information systems and record their self-assessments (an
    /// agency officer: their own agency's), and report remediation of findings.
    EditRegister,
    /// Plan inspections, record them and their findings, verify remediation.
    Inspect,
    /// Replace the controls catalogue (a new version).
    ManageCatalogue,
    /// Open incidents and work them: workflow, tasks, notes, evidence, reports sent.
    ManageIncidents,
    /// Draft, target, issue and delete advisories.
    ManageAdvisories,
    /// Acknowledge an advisory and report its completion (an agency officer: for their
    /// own agency).
    AnswerAdvisory,
}

/// Whether `role` may perform `action` (on data its tenant can see).
pub fn permits(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        Read => true,
        WorkAlert => matches!(role, Admin | SocAnalyst | AgencyOfficer),
        AssignAlert | TuneRules | ManageSources => matches!(role, Admin | SocAnalyst),
        ManageAgencies | ManageTokens | ManageUsers => role == Admin,
        ViewUsers | ViewAudit => matches!(role, Admin | Auditor),
        EditRegister => matches!(role, Admin | SocAnalyst | AgencyOfficer),
        Inspect => matches!(role, Admin | SocAnalyst),
        ManageCatalogue => role == Admin,
        ManageIncidents | ManageAdvisories => matches!(role, Admin | SocAnalyst),
        AnswerAdvisory => matches!(role, Admin | SocAnalyst | AgencyOfficer),
    }
}

/// How a caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An API token, in any form [`presented_token`] accepts.
    Token(TokenIdentity),
    /// The session cookie of a logged-in user.
    Session(Box<Session>),
}

/// The authenticated identity behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    credential: Credential,
    role: Role,
    tenant: Tenant,
    actor: String,
}

impl Caller {
    /// The caller a verified token acts as; 403 for tokens that may not use the API
    /// (ingest tokens, and agency officers without an agency, which would see everything).
    pub fn from_identity(identity: TokenIdentity) -> ApiResult<Caller> {
        if identity.scope == Scope::Ingest {
            return Err(ApiError::forbidden(
                "ingest tokens can only send events; use an api token",
            ));
        }
        let role = match (identity.role, identity.scope) {
            (Some(role), _) => role,
            (None, Scope::Admin) => Role::Admin,
            (None, _) => return Err(ApiError::forbidden("token has no role")),
        };
        if role == Role::AgencyOfficer && identity.agency_id.is_none() {
            return Err(ApiError::forbidden("agency officer token has no agency"));
        }
        Ok(Caller {
            tenant: identity.tenant(),
            actor: identity.token_id.clone(),
            credential: Credential::Token(identity),
            role,
        })
    }

    /// The caller a live session acts as: its user, in the user's role and tenant; 403
    /// while the user must still change a one-time password.
    pub fn from_session(session: Session) -> ApiResult<Caller> {
        let user = &session.user;
        if user.must_change_password {
            return Err(ApiError::forbidden("change the one-time password first"));
        }
        if user.role == Role::AgencyOfficer && user.agency_id.is_none() {
            return Err(ApiError::forbidden("agency officer account has no agency"));
        }
        Ok(Caller {
            tenant: user.tenant(),
            actor: user.actor(),
            role: user.role,
            credential: Credential::Session(Box::new(session)),
        })
    }

    /// How the caller authenticated.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The verified token, when the caller sent one.
    pub fn identity(&self) -> Option<&TokenIdentity> {
        match &self.credential {
            Credential::Token(identity) => Some(identity),
            Credential::Session(_) => None,
        }
    }

    /// The logged-in user, when the caller came with a session cookie.
    pub fn user(&self) -> Option<&User> {
        match &self.credential {
            Credential::Session(session) => Some(&session.user),
            Credential::Token(_) => None,
        }
    }

    /// The role the caller acts in.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whose data this caller may see.
    pub fn tenant(&self) -> Tenant {
        self.tenant.clone()
    }

    /// The agency every read must be limited to, if any (the event store's `tenant`).
    pub fn tenant_agency(&self) -> Option<String> {
        self.tenant().agency_id().map(str::to_owned)
    }

    /// The name written to the audit log for this caller's changes: the token id, or
    /// `user:<login>`.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Whether the caller may perform `action`.
    pub fn can(&self, action: Action) -> bool {
        permits(self.role, action)
    }

    /// `Ok` when the caller may perform `action`, 403 otherwise.
    pub fn require(&self, action: Action) -> ApiResult<()> {
        if self.can(action) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "role {} may not do this",
                self.role
            )))
        }
    }

    /// Whether records of `agency_id` are within the caller's tenant.
    pub fn sees_agency(&self, agency_id: &str) -> bool {
        self.tenant.agency_id().is_none_or(|own| own == agency_id)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// A token in the request wins; a cookie is only looked at without one, so API
    /// clients never need a CSRF token.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        if let Some(token) =
            presented_token(&parts.headers, parts.uri.query()).filter(|t| !t.is_empty())
        {
            let identity = state
                .auth
                .verify(&state.db, &token)
                .await
                .ok_or_else(ApiError::unauthorized)?;
            return Caller::from_identity(identity);
        }
        match crate::web_auth::request_session(parts, &state.db).await? {
            Some(session) => Caller::from_session(session),
            None => Err(ApiError::unauthorized()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(scope: Scope, role: Option<Role>, agency: Option<&str>) -> TokenIdentity {
        TokenIdentity {
            token_id: "t".into(),
            agency_id: agency.map(str::to_owned),
            scope,
            role,
        }
    }

    #[test]
    fn only_admins_and_analysts_change_configuration() {
        for role in [Role::Leader, Role::Auditor, Role::AgencyOfficer] {
            assert!(permits(role, Action::Read));
            assert!(!permits(role, Action::TuneRules), "{role}");
            assert!(!permits(role, Action::ManageTokens), "{role}");
        }
        assert!(permits(Role::AgencyOfficer, Action::WorkAlert));
        assert!(!permits(Role::AgencyOfficer, Action::AssignAlert));
        assert!(!permits(Role::Leader, Action::WorkAlert));
        assert!(permits(Role::SocAnalyst, Action::TuneRules));
        assert!(!permits(Role::SocAnalyst, Action::ManageAgencies));
        assert!(permits(Role::Admin, Action::ManageTokens));
    }

    #[test]
    fn officers_are_limited_to_their_agency_and_ingest_tokens_are_refused() {
        let officer =
            Caller::from_identity(identity(Scope::Api, Some(Role::AgencyOfficer), Some("a")))
                .unwrap();
        assert_eq!(officer.tenant(), Tenant::Agency("a".into()));
        assert!(officer.sees_agency("a") && !officer.sees_agency("b"));
        let analyst =
            Caller::from_identity(identity(Scope::Api, Some(Role::SocAnalyst), Some("a"))).unwrap();
        assert!(analyst.sees_agency("b"));
        let admin = Caller::from_identity(identity(Scope::Admin, None, None)).unwrap();
        assert_eq!(admin.role(), Role::Admin);
        let ingest = Caller::from_identity(identity(Scope::Ingest, None, Some("a")));
        assert_eq!(ingest.unwrap_err().status.as_u16(), 403);
        let homeless = Caller::from_identity(identity(Scope::Api, Some(Role::AgencyOfficer), None));
        assert_eq!(homeless.unwrap_err().status.as_u16(), 403);
    }

    fn session(role: Role, agency: Option<&str>, must_change_password: bool) -> Session {
        let t = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        Session {
            id: "s".into(),
            user: User {
                id: "u".into(),
                login: "lan".into(),
                display_name: "Lan".into(),
                role,
                agency_id: agency.map(str::to_owned),
                must_change_password,
                disabled: false,
                totp_enabled: false,
                locked_until: None,
                last_login_at: None,
                created_at: t,
                updated_at: t,
            },
            csrf_token: "c".into(),
            created_at: t,
            last_seen_at: t,
            expires_at: t,
        }
    }

    #[test]
    fn session_users_act_in_their_role_and_agency() {
        let officer = Caller::from_session(session(Role::AgencyOfficer, Some("a"), false)).unwrap();
        assert_eq!(officer.tenant(), Tenant::Agency("a".into()));
        assert_eq!(officer.actor(), "user:lan");
        assert!(officer.identity().is_none());
        assert_eq!(officer.user().unwrap().login, "lan");
        assert!(officer.can(Action::WorkAlert) && !officer.can(Action::ViewUsers));
        let auditor = Caller::from_session(session(Role::Auditor, None, false)).unwrap();
        assert_eq!(auditor.tenant(), Tenant::All);
        assert!(auditor.can(Action::ViewUsers) && !auditor.can(Action::ManageUsers));
        let fresh = Caller::from_session(session(Role::Admin, None, true));
        assert_eq!(fresh.unwrap_err().status.as_u16(), 403);
        let token = Caller::from_identity(identity(Scope::Admin, None, None)).unwrap();
        assert!(token.user().is_none() && token.identity().is_some());
        assert!(token.can(Action::ManageUsers));
    }
}
