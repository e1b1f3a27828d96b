//! User accounts of the console and the API: who may log in, in which role, for which
//! agency, and how (argon2id password, optional TOTP second factor).
//!
//! - New accounts and reset ones get a generated one-time password that must be changed
//!   at the first login; [`Db::ensure_first_admin`] makes the first `admin` this way.
//! - [`Db::verify_login`] answers a [`LoginOutcome`]; [`MAX_FAILED_LOGINS`] failures in a
//!   row lock the account for [`LOCKOUT`]. Unknown logins cost the same time as known ones.
//! - A password change, a reset or disabling an account ends all its sessions.
//! - Every change, login and failed login is in the audit log; passwords, hashes and TOTP
//!   secrets never are.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

use super::audit::append_in;
use super::credentials::{
    check_password_policy, hash_password, new_totp_secret, one_time_password, totp_step, totp_url,
    verify_nobody, verify_password,
};
use super::{from_millis, new_id, now_millis, to_millis, Db, Error, Result, Role, Tenant};

/// Failed logins in a row that lock an account.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// The login [`Db::ensure_first_admin`] creates.
pub const FIRST_ADMIN_LOGIN: &str = "admin";
/// Longest login name, in characters.
const MAX_LOGIN_CHARS: usize = 64;
/// Longest display name, in characters.
const MAX_DISPLAY_NAME_CHARS: usize = 200;

/// A user account as the rest of Vigil sees it: no password hash, no TOTP secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    /// Lower-case ASCII: letters, digits and `.`, `_`, `-`, `@`.
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// Required for agency officers, whose data it limits.
    pub agency_id: Option<String>,
    /// Set for one-time passwords: the account may do nothing but change it.
    pub must_change_password: bool,
    pub disabled: bool,
    pub totp_enabled: bool,
    /// Set while failed logins keep the account locked.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Whose data this user may see: their agency for agency officers, all otherwise.
    pub fn tenant(&self) -> Tenant {
        match (self.role, &self.agency_id) {
            (Role::AgencyOfficer, Some(agency)) => Tenant::Agency(agency.clone()),
            _ => Tenant::All,
        }
    }

    /// The name the audit log gives this user's actions.
    pub fn actor(&self) -> String {
        format!("user:{}", self.login)
    }

    /// The audit log's name for this account as an object.
    fn object(&self) -> String {
        format!("user:{}", self.id)
    }

    /// What the audit log records of the account: never secrets.
    fn audit_view(&self) -> Value {
        json!({
            "login": self.login,
            "display_name": self.display_name,
            "role": self.role,
            "agency_id": self.agency_id,
            "must_change_password": self.must_change_password,
            "disabled": self.disabled,
            "totp_enabled": self.totp_enabled,
        })
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    /// Defaults to the login when empty.
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<String>,
}

/// A user just made, with the one-time password to hand over (shown once, never stored).
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: User,
    pub one_time_password: String,
}

/// An administrator's change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` removes the agency (not allowed for agency officers).
    pub agency_id: Option<Option<String>>,
    /// Disabling ends every session of the account at once.
    pub disabled: Option<bool>,
    /// `Some(false)` turns the second factor off (a lost phone); turning it on is only
    /// done by the user, with [`Db::begin_totp`] and [`Db::confirm_totp`].
    pub totp_enabled: Option<bool>,
}

/// The answer to a login attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Password (and code, when enrolled) right: start a session.
    Ok(User),
    /// Unknown login, wrong password or wrong TOTP code; which one is not said.
    Wrong,
    /// Too many failures: no password is checked until then.
    Locked { until: DateTime<Utc> },
    /// The password is right and the account has TOTP: ask for the code.
    NeedsTotp,
    /// The password is right but the account is disabled.
    Disabled,
}

/// A TOTP enrolment waiting for its first code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrolment {
    /// `otpauth://totp/Vigil:<login>?secret=...`, for an authenticator app.
    pub url: String,
    /// The same secret in base32, for typing in by hand.
    pub secret: String,
}

/// Lower-cases and checks a login name.
fn normalise_login(login: &str) -> Result<String> {
    let login = login.trim().to_lowercase();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if login.is_empty() || login.chars().count() > MAX_LOGIN_CHARS || !login.chars().all(allowed) {
        return Err(Error::Invalid(format!(
            "a login is 1 to {MAX_LOGIN_CHARS} letters, digits, '.', '_', '-' or '@'"
        )));
    }
    Ok(login)
}

fn check_display_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "a display name is at most {MAX_DISPLAY_NAME_CHARS} printable characters"
        )));
    }
    Ok(name.to_owned())
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.login, u.display_name, u.role, u.agency_id, \
     u.must_change_password, u.disabled, u.totp_secret, u.locked_until, u.last_login_at, \
     u.created_at, u.updated_at";

pub(crate) fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    let flag = |column: &str| -> Result<bool> { Ok(row.try_get::<i64, _>(column)? != 0) };
    let time = |column: &str| -> Result<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
    };
    Ok(User {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role: row.try_get::<String, _>("role")?.parse()?,
        agency_id: row.try_get("agency_id")?,
        must_change_password: flag("must_change_password")?,
        disabled: flag("disabled")?,
        totp_enabled: row.try_get::<Option<String>, _>("totp_secret")?.is_some(),
        locked_until: time("locked_until")?,
        last_login_at: time("last_login_at")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

/// The secret columns, read only where a check needs them.
struct Secrets {
    password_hash: String,
    totp_secret: Option<String>,
    totp_pending_secret: Option<String>,
    totp_last_step: Option<i64>,
}

async fn user_in(conn: &mut AnyConnection, id: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

async fn user_or_not_found(conn: &mut AnyConnection, id: &str) -> Result<User> {
    user_in(conn, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("user {id}")))
}

/// Refuses an agency officer without an agency, and agencies that do not exist.
async fn check_agency_in(
    conn: &mut AnyConnection,
    role: Role,
    agency_id: Option<&str>,
) -> Result<()> {
    let Some(agency) = agency_id else {
        return match role {
            Role::AgencyOfficer => Err(Error::Invalid("an agency officer needs an agency".into())),
            _ => Ok(()),
        };
    };
    let found = sqlx::query("SELECT 1 AS one FROM agencies WHERE id = $1")
        .bind(agency)
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(format!("agency {agency}"))),
    }
}

/// Records that the user turned their second factor on or off.
async fn audit_totp_in(conn: &mut AnyConnection, user: &User, enabled: bool) -> Result<()> {
    let action = if enabled {
        "user.totp_enable"
    } else {
        "user.totp_disable"
    };
    let before = json!({ "totp_enabled": user.totp_enabled });
    let after = json!({ "totp_enabled": enabled });
    append_in(
        conn,
        &user.actor(),
        action,
        &user.object(),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(())
}

/// Ends every session of a user; answers how many there were.
pub(crate) async fn revoke_sessions_in(conn: &mut AnyConnection, user_id: &str) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

impl Db {
    async fn secrets(&self, user_id: &str) -> Result<Secrets> {
        let row = sqlx::query(
            "SELECT password_hash, totp_secret, totp_pending_secret, totp_last_step \
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("user {user_id}")))?;
        Ok(Secrets {
            password_hash: row.try_get("password_hash")?,
            totp_secret: row.try_get("totp_secret")?,
            totp_pending_secret: row.try_get("totp_pending_secret")?,
            totp_last_step: row.try_get("totp_last_step")?,
        })
    }

    /// One account by id; `NotFound` when there is none.
    async fn existing_user(&self, user_id: &str) -> Result<User> {
        user_or_not_found(&mut *self.pool.acquire().await?, user_id).await
    }

    /// Whether `password` is the user's current one and the account is not locked; a
    /// wrong one counts as a failed login.
    async fn current_password_holds(&self, user: &User, password: &str) -> Result<bool> {
        if user
            .locked_until
            .is_some_and(|t| to_millis(t) > now_millis())
        {
            return Ok(false);
        }
        let secrets = self.secrets(&user.id).await?;
        if !verify_password(password.to_owned(), secrets.password_hash).await? {
            self.login_failed(user, "wrong current password", None)
                .await?;
            return Ok(false);
        }
        Ok(true)
    }

    /// Creates an account with a one-time password it must change at first login.
    pub async fn create_user(&self, new: &NewUser, actor: &str) -> Result<CreatedUser> {
        let login = normalise_login(&new.login)?;
        let display_name = match check_display_name(&new.display_name)? {
            name if name.is_empty() => login.clone(),
            name => name,
        };
        let one_time_password = one_time_password();
        let password_hash = hash_password(one_time_password.clone()).await?;
        let now = now_millis();
        let user = User {
            id: new_id(),
            login,
            display_name,
            role: new.role,
            agency_id: new.agency_id.clone(),
            must_change_password: true,
            disabled: false,
            totp_enabled: false,
            locked_until: None,
            last_login_at: None,
            created_at: from_millis(now),
            updated_at: from_millis(now),
        };
        let mut tx = self.begin_write().await?;
        check_agency_in(&mut tx, new.role, new.agency_id.as_deref()).await?;
        let taken = sqlx::query("SELECT 1 AS one FROM users WHERE login = $1")
            .bind(&user.login)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(Error::Invalid(format!(
                "a user with login {:?} exists",
                user.login
            )));
        }
        sqlx::query(
            "INSERT INTO users (id, login, display_name, role, agency_id, password_hash, \
             must_change_password, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7, $7)",
        )
        .bind(&user.id)
        .bind(&user.login)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(user.agency_id.as_deref())
        .bind(&password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let after = user.audit_view();
        append_in(
            &mut tx,
            actor,
            "user.create",
            &user.object(),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedUser {
            user,
            one_time_password,
        })
    }

    /// On a database without accounts, creates [`FIRST_ADMIN_LOGIN`] and answers its
    /// one-time password; `None` once any account exists.
    pub async fn ensure_first_admin(&self) -> Result<Option<String>> {
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if count > 0 {
            return Ok(None);
        }
        let new = NewUser {
            login: FIRST_ADMIN_LOGIN.into(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            agency_id: None,
        };
        match self.create_user(&new, "vigil").await {
            Ok(created) => Ok(Some(created.one_time_password)),
            // Another process made it between the count and the insert.
            Err(Error::Invalid(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One account by id.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        user_in(&mut *self.pool.acquire().await?, id).await
    }

    /// One account by login (case does not matter).
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.login = $1"
        ))
        .bind(login.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every account, by login.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.login"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Applies an administrator's change. The last enabled admin can be neither demoted
    /// nor disabled, so Vigil never ends up without one.
    pub async fn update_user(&self, id: &str, change: &UserUpdate, actor: &str) -> Result<User> {
        if change.totp_enabled == Some(true) {
            return Err(Error::Invalid(
                "users enrol a second factor themselves".into(),
            ));
        }
        let display_name = change
            .display_name
            .as_deref()
            .map(check_display_name)
            .transpose()?
            .filter(|name| !name.is_empty());
        let mut tx = self.begin_write().await?;
        let before = user_or_not_found(&mut tx, id).await?;
        let role = change.role.unwrap_or(before.role);
        let agency_id = match &change.agency_id {
            Some(agency) => agency.clone(),
            None => before.agency_id.clone(),
        };
        let disabled = change.disabled.unwrap_or(before.disabled);
        let was_admin = before.role == Role::Admin && !before.disabled;
        if was_admin && (role != Role::Admin || disabled) {
            let others: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM users \
                 WHERE role = 'admin' AND disabled = 0 AND id <> $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if others == 0 {
                return Err(Error::Invalid(
                    "the last enabled admin cannot be demoted or disabled".into(),
                ));
            }
        }
        check_agency_in(&mut tx, role, agency_id.as_deref()).await?;
        let turn_off_totp = change.totp_enabled == Some(false);
        sqlx::query(
            "UPDATE users SET display_name = $1, role = $2, agency_id = $3, disabled = $4, \
             totp_secret = CASE WHEN $5 = 1 THEN NULL ELSE totp_secret END, \
             totp_pending_secret = CASE WHEN $5 = 1 THEN NULL ELSE totp_pending_secret END, \
             updated_at = $6 WHERE id = $7",
        )
        .bind(display_name.as_deref().unwrap_or(&before.display_name))
        .bind(role.as_str())
        .bind(agency_id.as_deref())
        .bind(i64::from(disabled))
        .bind(i64::from(turn_off_totp))
        .bind(now_millis())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if disabled && !before.disabled {
            revoke_sessions_in(&mut tx, id).await?;
        }
        let after = user_or_not_found(&mut tx, id).await?;
        let (old, new) = (before.audit_view(), after.audit_view());
        append_in(
            &mut tx,
            actor,
            "user.update",
            &after.object(),
            Some(&old),
            Some(&new),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Gives an account a new one-time password (answered, shown once), unlocks it and
    /// ends its sessions.
    pub async fn reset_password(&self, id: &str, actor: &str) -> Result<String> {
        let password = one_time_password();
        let hash = hash_password(password.clone()).await?;
        let mut tx = self.begin_write().await?;
        let before = user_or_not_found(&mut tx, id).await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = 1, \
             failed_logins = 0, locked_until = NULL, updated_at = $2 WHERE id = $3",
        )
        .bind(&hash)
        .bind(now_millis())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let ended = revoke_sessions_in(&mut tx, id).await?;
        let after = user_or_not_found(&mut tx, id).await?;
        let mut new = after.audit_view();
        new["sessions_ended"] = json!(ended);
        append_in(
            &mut tx,
            actor,
            "user.reset_password",
            &after.object(),
            Some(&before.audit_view()),
            Some(&new),
        )
        .await?;
        tx.commit().await?;
        Ok(password)
    }

    /// Checks a login attempt and records it (success, failure, lock-out) in the audit
    /// log. `source` is where the attempt came from (an IP address), for the record.
    pub async fn verify_login(
        &self,
        login: &str,
        password: &str,
        totp: Option<&str>,
        source: Option<&str>,
    ) -> Result<LoginOutcome> {
        let user = match normalise_login(login) {
            Ok(login) => self.user_by_login(&login).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            verify_nobody(password.to_owned()).await?;
            let shown: String = login.trim().chars().take(MAX_LOGIN_CHARS).collect();
            let after = json!({ "login": shown, "reason": "unknown login", "source": source });
            self.audit_append(
                "anonymous",
                "user.login_failed",
                "user:unknown",
                None,
                Some(&after),
            )
            .await?;
            return Ok(LoginOutcome::Wrong);
        };
        let now = now_millis();
        if let Some(until) = user.locked_until.filter(|t| to_millis(*t) > now) {
            let after = json!({ "reason": "account locked", "source": source });
            self.audit_append(
                &user.actor(),
                "user.login_failed",
                &user.object(),
                None,
                Some(&after),
            )
            .await?;
            return Ok(LoginOutcome::Locked { until });
        }
        let secrets = self.secrets(&user.id).await?;
        if !verify_password(password.to_owned(), secrets.password_hash).await? {
            return self.login_failed(&user, "wrong password", source).await;
        }
        if user.disabled {
            let after = json!({ "reason": "account disabled", "source": source });
            self.audit_append(
                &user.actor(),
                "user.login_failed",
                &user.object(),
                None,
                Some(&after),
            )
            .await?;
            return Ok(LoginOutcome::Disabled);
        }
        let mut step = None;
        if let Some(secret) = &secrets.totp_secret {
            let Some(code) = totp.filter(|c| !c.trim().is_empty()) else {
                return Ok(LoginOutcome::NeedsTotp);
            };
            step = totp_step(secret, code, now / 1000, secrets.totp_last_step)?;
            if step.is_none() {
                return self.login_failed(&user, "wrong totp code", source).await;
            }
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1, \
             totp_last_step = COALESCE($2, totp_last_step) WHERE id = $3",
        )
        .bind(now)
        .bind(step)
        .bind(&user.id)
        .execute(&mut *tx)
        .await?;
        let after = json!({ "source": source, "second_factor": step.is_some() });
        append_in(
            &mut tx,
            &user.actor(),
            "user.login",
            &user.object(),
            None,
            Some(&after),
        )
        .await?;
        let user = user_or_not_found(&mut tx, &user.id).await?;
        tx.commit().await?;
        Ok(LoginOutcome::Ok(user))
    }

    /// Counts a failure; the [`MAX_FAILED_LOGINS`]th in a row locks the account.
    async fn login_failed(
        &self,
        user: &User,
        reason: &str,
        source: Option<&str>,
    ) -> Result<LoginOutcome> {
        let mut tx = self.begin_write().await?;
        let failures: i64 = sqlx::query(
            "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 \
             RETURNING failed_logins",
        )
        .bind(&user.id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("failed_logins")?;
        let after = json!({ "reason": reason, "source": source, "failures": failures });
        append_in(
            &mut tx,
            &user.actor(),
            "user.login_failed",
            &user.object(),
            None,
            Some(&after),
        )
        .await?;
        let mut outcome = LoginOutcome::Wrong;
        if failures >= MAX_FAILED_LOGINS {
            let until = now_millis() + LOCKOUT.num_milliseconds();
            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2")
                .bind(until)
                .bind(&user.id)
                .execute(&mut *tx)
                .await?;
            let locked = json!({ "locked_until": until, "failures": failures });
            append_in(
                &mut tx,
                "vigil",
                "user.lock",
                &user.object(),
                None,
                Some(&locked),
            )
            .await?;
            outcome = LoginOutcome::Locked {
                until: from_millis(until),
            };
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Changes a user's own password after checking the current one (a wrong one counts
    /// as a failed login). Clears `must_change_password` and ends every session of the
    /// user; answers `false` when `current` is wrong or the account is locked.
    pub async fn change_password(&self, user_id: &str, current: &str, new: &str) -> Result<bool> {
        check_password_policy(new)?;
        if current == new {
            return Err(Error::Invalid(
                "the new password must differ from the current one".into(),
            ));
        }
        let user = self.existing_user(user_id).await?;
        if !self.current_password_holds(&user, current).await? {
            return Ok(false);
        }
        let hash = hash_password(new.to_owned()).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = 0, \
             failed_logins = 0, updated_at = $2 WHERE id = $3",
        )
        .bind(&hash)
        .bind(now_millis())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        let ended = revoke_sessions_in(&mut tx, user_id).await?;
        let before = json!({ "must_change_password": user.must_change_password });
        let after = json!({ "must_change_password": false, "sessions_ended": ended });
        append_in(
            &mut tx,
            &user.actor(),
            "user.change_password",
            &user.object(),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Starts enrolling a second factor: a new secret, pending until
    /// [`Db::confirm_totp`] sees a code from it. A second call replaces the first.
    pub async fn begin_totp(&self, user_id: &str) -> Result<TotpEnrolment> {
        let user = self.existing_user(user_id).await?;
        let secret = new_totp_secret();
        let url = totp_url(&secret, &user.login)?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET totp_pending_secret = $1 WHERE id = $2")
            .bind(&secret)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        append_in(
            &mut tx,
            &user.actor(),
            "user.totp_begin",
            &user.object(),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(TotpEnrolment { url, secret })
    }

    /// Turns the second factor on when `code` comes from the pending secret; `false`
    /// (and nothing changes) otherwise.
    pub async fn confirm_totp(&self, user_id: &str, code: &str) -> Result<bool> {
        let user = self.existing_user(user_id).await?;
        let secrets = self.secrets(user_id).await?;
        let Some(pending) = secrets.totp_pending_secret else {
            return Err(Error::Invalid("no second factor is being enrolled".into()));
        };
        let Some(step) = totp_step(&pending, code, now_millis() / 1000, None)? else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, \
             totp_last_step = $1, updated_at = $2 WHERE id = $3 AND totp_pending_secret = $4",
        )
        .bind(step)
        .bind(now_millis())
        .bind(user_id)
        .bind(&pending)
        .execute(&mut *tx)
        .await?;
        audit_totp_in(&mut tx, &user, true).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Turns the user's own second factor off (and drops an enrolment in progress) after
    /// checking their password; `false` when the password is wrong or the account locked.
    pub async fn disable_totp(&self, user_id: &str, password: &str) -> Result<bool> {
        let user = self.existing_user(user_id).await?;
        if !self.current_password_holds(&user, password).await? {
            return Ok(false);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, \
             totp_last_step = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now_millis())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        audit_totp_in(&mut tx, &user, false).await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_lower_case_and_plain() {
        assert_eq!(normalise_login("  Lan.Nguyen ").unwrap(), "lan.nguyen");
        assert_eq!(normalise_login("a@so-yte_1").unwrap(), "a@so-yte_1");
        for bad in ["", "lan nguyen", "lan:x", "nguyễn", &"a".repeat(65)] {
            assert!(normalise_login(bad).is_err(), "{bad:?}");
        }
        assert!(check_display_name("Nguyễn Thị Lan").is_ok());
        assert!(check_display_name("bad\nname").is_err());
    }

    #[test]
    fn officers_see_their_agency_only() {
        let mut user = User {
            id: "u".into(),
            login: "lan".into(),
            display_name: "Lan".into(),
            role: Role::AgencyOfficer,
            agency_id: Some("a".into()),
            must_change_password: false,
            disabled: false,
            totp_enabled: false,
            locked_until: None,
            last_login_at: None,
            created_at: from_millis(0),
            updated_at: from_millis(0),
        };
        assert_eq!(user.tenant(), Tenant::Agency("a".into()));
        user.role = Role::Leader;
        assert_eq!(user.tenant(), Tenant::All);
        assert_eq!(user.actor(), "user:lan");
        let view = user.audit_view().to_string();
        assert!(!view.contains("hash") && !view.contains("secret"), "{view}");
    }
}
