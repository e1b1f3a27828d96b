//! The state database of `vigil serve`: agencies, tokens, user accounts and sessions,
//! alerts, rule state, quarantine, the register, incidents and advisories, and the
//! hash-chained audit log.
//!
//! [`Db`] wraps an sqlx [`AnyPool`], so one query layer serves both the embedded SQLite
//! file and PostgreSQL, and one set of migrations (`crates/store/migrations`) builds both.
//! Every call that changes case data writes its audit record in the same transaction.
//!
//! ```no_run
//! # async fn demo() -> Result<(), vigil_store::db::Error> {
//! use vigil_store::db::{Db, Scope};
//! let db = Db::open("sqlite://data/vigil.db").await?;
//! let agency = db.create_agency("So Y te", None, "admin").await?;
//! let token = db.create_token(Some(&agency.id), Scope::Ingest, None, "admin").await?;
//! assert!(db.verify_token(&token.plaintext).await?.is_some());
//! # Ok(()) }
//! ```

mod agencies;
mod alerts;
mod audit;
mod case_records;
mod credentials;
mod migrations;
mod notifications;
mod quarantine;
mod register;
mod rules;
mod sessions;
mod sources;
mod tokens;
mod users;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Once;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use agencies::Agency;
pub use alerts::{
    Alert, AlertBucket, AlertComment, AlertCount, AlertCriteria, AlertFilter, AlertGroup,
    AlertLevel, AlertStatus, AlertUpdate, Detection, Upserted, SAMPLE_CAP,
};
pub use audit::{AuditCheck, AuditFilter, AuditRecord};
pub use case_records::{new_record_id, CaseKind, CaseRecord};
pub use credentials::{
    random_token, same_secret, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, ONE_TIME_PASSWORD_CHARS,
    TOTP_DIGITS, TOTP_ISSUER, TOTP_STEP_SECONDS,
};
pub use notifications::{NotificationSettings, NotificationUpdate, MAX_NOTIFICATION_TARGETS};
pub use quarantine::{NewQuarantine, QuarantineEntry};
pub use register::{
    url_host, AddressKind, AgencyContact, CatalogueVersion, Component, ContactDuty,
    ControlAssessment, ControlResult, DossierStatus, EvidenceFile, Finding, FindingStatus,
    FindingUpdate, ImportOutcome, InformationSystem, Inspection, InspectionPlan, NewContact,
    NewFinding, NewInspection, Regime, SelfAssessment, Severity, SystemAddress, SystemDetails,
    SystemFilter,
};
pub use rules::{MatchKind, NewRuleException, RuleException, RuleState};
pub use sessions::{CreatedSession, Session, SESSION_IDLE_TIMEOUT, SESSION_LIFETIME};
pub use sources::SourceAddress;
pub use tokens::{CreatedToken, Role, Scope, TokenIdentity, TokenInfo};
pub use users::{
    CreatedUser, LoginOutcome, NewUser, TotpEnrolment, User, UserUpdate, FIRST_ADMIN_LOGIN,
    LOCKOUT, MAX_FAILED_LOGINS,
};

/// What can go wrong in the state database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database url {url:?}: {reason}")]
    Url { url: String, reason: String },
    #[error("creating {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} not found")]
    NotFound(String),
    #[error("alert status cannot change from {from} to {to}")]
    InvalidTransition { from: AlertStatus, to: AlertStatus },
    #[error("invalid value in column {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    #[error("{0}")]
    Invalid(String),
}

/// Result of the state database calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whose data a read may return: enforced in every query, not by callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tenant {
    /// SOC analysts, leaders, auditors, admins: every agency.
    All,
    /// An agency officer or an agency's collector: this agency id only.
    Agency(String),
}

impl Tenant {
    /// The agency id a query must be limited to, if any.
    pub fn agency_id(&self) -> Option<&str> {
        match self {
            Tenant::All => None,
            Tenant::Agency(id) => Some(id),
        }
    }
}

/// Handle on the state database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The directory of the SQLite file: the data directory, where files that do not
    /// belong in the database (incident evidence) are kept.
    dir: Option<PathBuf>,
}

impl Db {
    /// Opens `sqlite://path` (file and parent directory created if missing) or
    /// `postgres://...`, then applies pending migrations.
    ///
    /// SQLite runs in WAL mode with `synchronous=FULL`: every commit is fsynced to the WAL
    /// before it returns, so a status change or token that the API acknowledged survives a
    /// power cut, not only `kill -9` (which `NORMAL` already survives). State writes are a
    /// few per second, so the extra fsync costs nothing that matters.
    pub async fn open(url: &str) -> Result<Db> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(Error::Url {
                url: url.to_owned(),
                reason: "expected sqlite://PATH or postgres://...".into(),
            });
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url).map_err(|e| Error::Url {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        let mut pool = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            pool = pool.max_connections(8).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let dir = match backend {
            Backend::Sqlite => sqlite_dir(&url),
            Backend::Postgres => None,
        };
        let db = Db {
            pool: pool.connect_with(options).await?,
            backend,
            dir,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the migrations not yet applied; running it again is a no-op.
    pub async fn migrate(&self) -> Result<()> {
        migrations::migrator().await?.run(&self.pool).await?;
        Ok(())
    }

    /// The engine behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The data directory beside an SQLite file; `None` on PostgreSQL or in memory.
    pub fn data_dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The raw pool, for tools and tests that need SQL outside the typed API.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection; pending writes are already committed.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a read-then-write never fails on a stale snapshot.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let statement = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Ok(self.pool.begin_with(statement).await?)
    }
}

/// Normalises a SQLite URL so the file is created when missing, and creates its directory.
fn sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or_default();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let query = if query.split('&').any(|kv| kv.starts_with("mode=")) {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The directory of the file a normalised SQLite URL names, if it names one.
fn sqlite_dir(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://")?.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    let dir = Path::new(path).parent()?;
    Some(if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.to_owned()
    })
}

/// A new time-ordered id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Milliseconds since the epoch, the form every time column uses.
pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub(crate) fn now_millis() -> i64 {
    to_millis(Utc::now())
}

/// Lower-case hex of a byte string.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_gain_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/v.db", dir.path().display());
        let out = sqlite_url(&url).unwrap();
        assert!(out.ends_with("/sub/v.db?mode=rwc"), "{out}");
        assert!(dir.path().join("sub").is_dir());
        assert_eq!(sqlite_dir(&out), Some(dir.path().join("sub")));
        assert_eq!(sqlite_dir("sqlite://:memory:"), None);
        assert!(sqlite_url("sqlite://x.db?mode=ro")
            .unwrap()
            .ends_with("?mode=ro"));
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
