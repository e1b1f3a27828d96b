//! Ingest and API tokens. A token is `vgi_<id>_<secret>` (ingest) or `vga_<id>_<secret>`
//! (api/admin), the secret being 32 random bytes in URL-safe base64. Only the SHA-256 of
//! the secret is stored; the id finds the row and the hashes are compared in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq;

use super::audit::append_in;
use super::{from_millis, hex, now_millis, Db, Error, Result, Tenant};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Send events as its agency, nothing else.
    Ingest,
    /// Use the REST API with its role.
    Api,
    /// Administer Vigil.
    Admin,
}

/// Who a user or API token acts as (issue 4's roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    SocAnalyst,
    Leader,
    AgencyOfficer,
    Auditor,
}

/// Text form of a closed set of values, as stored in the database.
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::str::FromStr for $ty {
            type Err = $crate::db::Error;
            fn from_str(s: &str) -> $crate::db::Result<Self> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err($crate::db::Error::Invalid(format!(
                        concat!("unknown ", stringify!($ty), " {:?}"), other
                    ))),
                }
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(Scope { Ingest => "ingest", Api => "api", Admin => "admin" });
text_enum!(Role {
    Admin => "admin",
    SocAnalyst => "soc_analyst",
    Leader => "leader",
    AgencyOfficer => "agency_officer",
    Auditor => "auditor",
});

/// A token just made: `plaintext` is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub id: String,
    pub plaintext: String,
    pub identity: TokenIdentity,
}

/// What a verified token acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenIdentity {
    pub token_id: String,
    pub agency_id: Option<String>,
    pub scope: Scope,
    pub role: Option<Role>,
}

impl TokenIdentity {
    /// The data this token may see: its agency for ingest tokens and agency officers,
    /// everything for the other roles.
    pub fn tenant(&self) -> Tenant {
        match (&self.agency_id, self.scope, self.role) {
            (Some(agency), Scope::Ingest, _) | (Some(agency), _, Some(Role::AgencyOfficer)) => {
                Tenant::Agency(agency.clone())
            }
            _ => Tenant::All,
        }
    }
}

/// A token as listed: everything but its secret, which is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub agency_id: Option<String>,
    pub scope: String,
    pub role: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// The table a scope lives in, and the prefix of its tokens.
fn table_of(scope: Scope) -> (&'static str, &'static str) {
    match scope {
        Scope::Ingest => ("ingest_tokens", "vgi"),
        Scope::Api | Scope::Admin => ("api_tokens", "vga"),
    }
}

fn secret_hash(secret: &[u8]) -> String {
    hex(&Sha256::digest(secret))
}

/// Do not write `last_used_at` more often than this per token.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

impl Db {
    /// Makes a token. Ingest tokens and agency officers need an agency; an admin token
    /// gets the admin role; an API token without a role acts as an agency officer.
    pub async fn create_token(
        &self,
        agency_id: Option<&str>,
        scope: Scope,
        role: Option<Role>,
        actor: &str,
    ) -> Result<CreatedToken> {
        let role = match (scope, role) {
            (Scope::Admin, None) => Some(Role::Admin),
            (Scope::Api, None) if agency_id.is_some() => Some(Role::AgencyOfficer),
            (Scope::Api, None) => {
                return Err(Error::Invalid(
                    "an api token without an agency needs a role".into(),
                ))
            }
            (_, role) => role,
        };
        if agency_id.is_none() && (scope == Scope::Ingest || role == Some(Role::AgencyOfficer)) {
            return Err(Error::Invalid(format!("a {scope} token needs an agency")));
        }
        if let Some(agency) = agency_id {
            if self.agency(agency).await?.is_none() {
                return Err(Error::NotFound(format!("agency {agency}")));
            }
        }
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let id = uuid::Uuid::now_v7().simple().to_string();
        let (table, prefix) = table_of(scope);
        let plaintext = format!("{prefix}_{id}_{}", URL_SAFE_NO_PAD.encode(secret));
        let identity = TokenIdentity {
            token_id: id.clone(),
            agency_id: agency_id.map(str::to_owned),
            scope,
            role,
        };

        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "INSERT INTO {table} (id, token_hash, agency_id, scope, role, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&id)
        .bind(secret_hash(&secret))
        .bind(agency_id)
        .bind(scope.as_str())
        .bind(role.map(Role::as_str))
        .bind(now_millis())
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        let after = json!(identity);
        append_in(
            &mut tx,
            actor,
            "token.create",
            &format!("token:{id}"),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedToken {
            id,
            plaintext,
            identity,
        })
    }

    /// The identity of a presented token, or `None` when it is malformed, unknown,
    /// revoked or wrong. The caller answers all of those alike (401).
    pub async fn verify_token(&self, presented: &str) -> Result<Option<TokenIdentity>> {
        let Some((table, id, secret)) = parse_token(presented.trim()) else {
            return Ok(None);
        };
        let Some(row) = sqlx::query(&format!(
            "SELECT token_hash, agency_id, scope, role, last_used_at, revoked \
             FROM {table} WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let stored: String = row.try_get("token_hash")?;
        let matches: bool = secret_hash(&secret)
            .as_bytes()
            .ct_eq(stored.as_bytes())
            .into();
        let revoked: i64 = row.try_get("revoked")?;
        if !matches || revoked != 0 {
            return Ok(None);
        }
        let now = now_millis();
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_none_or(|t| now - t >= LAST_USED_RESOLUTION_MS) {
            sqlx::query(&format!(
                "UPDATE {table} SET last_used_at = $1 WHERE id = $2"
            ))
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        }
        let role: Option<String> = row.try_get("role")?;
        Ok(Some(TokenIdentity {
            token_id: id.to_owned(),
            agency_id: row.try_get("agency_id")?,
            scope: row.try_get::<String, _>("scope")?.parse()?,
            role: role.as_deref().map(str::parse).transpose()?,
        }))
    }

    /// Tokens of both kinds, newest first, limited to the tenant's agency and, with `id`,
    /// to that one token.
    pub async fn list_tokens(&self, tenant: &Tenant, id: Option<&str>) -> Result<Vec<TokenInfo>> {
        const COLUMNS: &str =
            "id, agency_id, scope, role, created_at, created_by, last_used_at, revoked";
        const FILTER: &str = "WHERE ($1 IS NULL OR agency_id = $1) AND ($2 IS NULL OR id = $2)";
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ingest_tokens {FILTER} UNION ALL \
             SELECT {COLUMNS} FROM api_tokens {FILTER} ORDER BY created_at DESC, id DESC"
        ))
        .bind(tenant.agency_id())
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TokenInfo {
                    id: row.try_get("id")?,
                    agency_id: row.try_get("agency_id")?,
                    scope: row.try_get("scope")?,
                    role: row.try_get("role")?,
                    created_at: from_millis(row.try_get("created_at")?),
                    created_by: row.try_get("created_by")?,
                    last_used_at: row
                        .try_get::<Option<i64>, _>("last_used_at")?
                        .map(from_millis),
                    revoked: row.try_get::<i64, _>("revoked")? != 0,
                })
            })
            .collect()
    }

    /// Revokes a token by id; `false` when no such token exists.
    pub async fn revoke_token(&self, token_id: &str, actor: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        for table in ["ingest_tokens", "api_tokens"] {
            let done = sqlx::query(&format!(
                "UPDATE {table} SET revoked = 1 WHERE id = $1 AND revoked = 0"
            ))
            .bind(token_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                let before = json!({ "revoked": false });
                let after = json!({ "revoked": true });
                let object = format!("token:{token_id}");
                append_in(
                    &mut tx,
                    actor,
                    "token.revoke",
                    &object,
                    Some(&before),
                    Some(&after),
                )
                .await?;
                tx.commit().await?;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Splits a presented token into its table, id and decoded secret.
fn parse_token(token: &str) -> Option<(&'static str, &str, Vec<u8>)> {
    let (prefix, rest) = token.split_once('_')?;
    let (table, _) = match prefix {
        "vgi" => table_of(Scope::Ingest),
        "vga" => table_of(Scope::Api),
        _ => return None,
    };
    let (id, secret) = rest.split_once('_')?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let secret = URL_SAFE_NO_PAD
        .decode(secret)
        .ok()
        .filter(|s| s.len() == 32)?;
    Some((table, id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_tokens_do_not_parse() {
        assert!(parse_token("").is_none());
        assert!(parse_token("vgx_0123_abc").is_none());
        assert!(parse_token("vgi_nothex_AAAA").is_none());
        let id = "0".repeat(32);
        let good = format!("vgi_{id}_{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
        assert_eq!(parse_token(&good).unwrap().1, id);
        let short = format!("vga_{id}_{}", URL_SAFE_NO_PAD.encode([7u8; 8]));
        assert!(parse_token(&short).is_none());
    }

    #[test]
    fn roles_round_trip_as_text() {
        for role in [
            Role::Admin,
            Role::SocAnalyst,
            Role::Leader,
            Role::AgencyOfficer,
            Role::Auditor,
        ] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
