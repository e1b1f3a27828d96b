//! Login sessions of the console and the API.
//!
//! A session is named by an opaque random token (32 bytes, URL-safe base64) that only the
//! browser holds: the database keeps its SHA-256, so a copy of the database logs nobody
//! in. Each session also has a CSRF token, handed to the page and checked on every
//! state-changing request made with the session's cookie.
//!
//! A session ends after [`SESSION_IDLE_TIMEOUT`] without use (each use slides it on), after
//! [`SESSION_LIFETIME`] in any case, at logout, and when its user changes password, is
//! reset or is disabled.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::Row;

use super::audit::append_in;
use super::credentials::{random_token, same_secret, token_hash};
use super::users::{user_from_row, User, USER_COLUMNS};
use super::{from_millis, new_id, now_millis, Db, Error, Result};

/// A session unused for this long has ended.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session ends this long after login, however busy.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// `last_seen_at` is not written more often than this per session.
const LAST_SEEN_RESOLUTION_MS: i64 = 30_000;

/// A live session and its user as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub user: User,
    /// The synchroniser token a page must send back with every change.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    /// Whether `presented` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        !presented.is_empty() && same_secret(presented, &self.csrf_token)
    }
}

/// A session just started: `token` goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct CreatedSession {
    pub token: String,
    pub session: Session,
}

impl Db {
    /// Starts a session for `user_id` (after [`Db::verify_login`] said `Ok`), and clears
    /// out sessions that have ended. `source` (an IP address) is kept with the session.
    pub async fn create_session(
        &self,
        user_id: &str,
        source: Option<&str>,
    ) -> Result<CreatedSession> {
        let token = random_token();
        let now = now_millis();
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("user {user_id}")))?;
        let user = user_from_row(&row)?;
        if user.disabled {
            return Err(Error::Invalid("the account is disabled".into()));
        }
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now)
            .bind(now - SESSION_IDLE_TIMEOUT.num_milliseconds())
            .execute(&mut *tx)
            .await?;
        let session = Session {
            id: new_id(),
            user,
            csrf_token: random_token(),
            created_at: from_millis(now),
            last_seen_at: from_millis(now),
            expires_at: from_millis(now + SESSION_LIFETIME.num_milliseconds()),
        };
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, csrf_token, created_at, \
             last_seen_at, expires_at, source) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        )
        .bind(&session.id)
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(&session.csrf_token)
        .bind(now)
        .bind(session.expires_at.timestamp_millis())
        .bind(source)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CreatedSession { token, session })
    }

    /// The live session `token` names, sliding its idle timeout on; `None` when the token
    /// is unknown, the session has ended or its user is disabled.
    pub async fn lookup_session(&self, token: &str) -> Result<Option<Session>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let Some(row) = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, s.id AS s_id, s.csrf_token AS s_csrf, \
             s.created_at AS s_created, s.last_seen_at AS s_seen, s.expires_at AS s_expires \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let id: String = row.try_get("s_id")?;
        let seen: i64 = row.try_get("s_seen")?;
        let expires: i64 = row.try_get("s_expires")?;
        let user = user_from_row(&row)?;
        let now = now_millis();
        if now >= expires || now - seen >= SESSION_IDLE_TIMEOUT.num_milliseconds() || user.disabled
        {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(&id)
                .execute(&self.pool)
                .await?;
            return Ok(None);
        }
        let last_seen = if now - seen >= LAST_SEEN_RESOLUTION_MS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&id)
                .execute(&self.pool)
                .await?;
            now
        } else {
            seen
        };
        Ok(Some(Session {
            id,
            user,
            csrf_token: row.try_get("s_csrf")?,
            created_at: from_millis(row.try_get("s_created")?),
            last_seen_at: from_millis(last_seen),
            expires_at: from_millis(expires),
        }))
    }

    /// Ends the session `token` names (a logout, recorded as the user's); `false` when
    /// there was none.
    pub async fn revoke_session(&self, token: &str) -> Result<bool> {
        let Some(session) = self.lookup_session(token).await? else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        let gone = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(&session.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone > 0 {
            let after = json!({ "session": session.id });
            append_in(
                &mut tx,
                &session.user.actor(),
                "user.logout",
                &format!("user:{}", session.user.id),
                None,
                Some(&after),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(gone > 0)
    }

    /// Ends every session of a user (an administrator's "log out everywhere"); answers
    /// how many there were.
    pub async fn revoke_user_sessions(&self, user_id: &str, actor: &str) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let ended = super::users::revoke_sessions_in(&mut tx, user_id).await?;
        let after = json!({ "sessions_ended": ended });
        append_in(
            &mut tx,
            actor,
            "user.revoke_sessions",
            &format!("user:{user_id}"),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }
}
