//! Who may do what: the one place the API (and later the console) decides permissions.
//!
//! Two questions are asked of every request:
//!
//! - **which data** — the caller's [`Tenant`]: an agency officer sees only their agency,
//!   every other role sees all agencies. Handlers pass it down to every query (the state
//!   database and the event store both take it), so another agency's object is simply not
//!   found: the API answers 404, never 403, and does not confirm that it exists;
//! - **which actions** — [`permits`] over the caller's [`Role`]: everyone reads; admins
//!   and SOC analysts change things; agency officers work their own agency's alerts;
//!   leaders and auditors only read.
//!
//! A [`Caller`] is extracted from the request's token (any form [`presented_token`]
//! accepts). No token, or a bad one, is 401; ingest tokens are for sending events and get
//! 403 here.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use vigil_store::db::{Role, Scope, Tenant, TokenIdentity};

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
}

/// Whether `role` may perform `action` (on data its tenant can see).
pub fn permits(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        Read => true,
        WorkAlert => matches!(role, Admin | SocAnalyst | AgencyOfficer),
        AssignAlert | TuneRules | ManageSources => matches!(role, Admin | SocAnalyst),
        ManageAgencies | ManageTokens => role == Admin,
    }
}

/// The authenticated identity behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    identity: TokenIdentity,
    role: Role,
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
        Ok(Caller { identity, role })
    }

    /// The verified token.
    pub fn identity(&self) -> &TokenIdentity {
        &self.identity
    }

    /// The role the caller acts in.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whose data this caller may see.
    pub fn tenant(&self) -> Tenant {
        self.identity.tenant()
    }

    /// The agency every read must be limited to, if any (the event store's `tenant`).
    pub fn tenant_agency(&self) -> Option<String> {
        self.tenant().agency_id().map(str::to_owned)
    }

    /// The name written to the audit log for this caller's changes: the token id.
    pub fn actor(&self) -> &str {
        &self.identity.token_id
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
        self.tenant().agency_id().is_none_or(|own| own == agency_id)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Caller> {
        let token = presented_token(&parts.headers, parts.uri.query())
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let identity = state
            .auth
            .verify(&state.db, &token)
            .await
            .ok_or_else(ApiError::unauthorized)?;
        Caller::from_identity(identity)
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
}
