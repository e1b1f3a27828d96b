//! The audit log: who changed what, when, with the state before and after, each record
//! chained to the previous one by SHA-256 so an edited, removed or reordered row shows.

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::{from_millis, hex, now_millis, to_millis, Db, Result};
use chrono::{DateTime, Utc};

/// One link of the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Position in the chain, from 1 with no gaps.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Outcome of [`Db::audit_verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every link recomputes and the head points at the last record.
    Intact { records: i64 },
    /// The first record (by id) where the chain does not hold, and why.
    Broken { id: i64, reason: String },
}

const VERIFY_PAGE: i64 = 1000;

/// Which records [`Db::audit_search`] returns; `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Exactly this actor (`user:<login>`, a token id, `detector`, ...).
    pub actor: Option<String>,
    /// Actions starting with this text (`user.` for every account change).
    pub action: Option<String>,
    /// From this instant on.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub to: Option<DateTime<Utc>>,
}

/// `text` as a `LIKE` pattern that matches what starts with it (`\` escapes).
fn prefix_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The hash of a record: SHA-256 over its fields, each length-prefixed so no two
/// different records encode alike.
fn link_hash(r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        Some(b) => {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
        None => h.update(u64::MAX.to_be_bytes()),
    };
    field(Some(r.id.to_string().as_bytes()));
    field(Some(r.at.timestamp_millis().to_string().as_bytes()));
    field(Some(r.actor.as_bytes()));
    field(Some(r.action.as_bytes()));
    field(Some(r.object.as_bytes()));
    field(r.before.as_deref().map(str::as_bytes));
    field(r.after.as_deref().map(str::as_bytes));
    field(Some(r.prev_hash.as_bytes()));
    hex(&h.finalize())
}

/// Appends a record inside the caller's transaction. Claiming the next id updates the
/// single `audit_head` row, which serialises concurrent appends on both engines.
pub(crate) async fn append_in(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    object: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<AuditRecord> {
    let head = sqlx::query(
        "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut record = AuditRecord {
        id: head.try_get("last_id")?,
        at: from_millis(now_millis()),
        actor: actor.to_owned(),
        action: action.to_owned(),
        object: object.to_owned(),
        before: before.map(Value::to_string),
        after: after.map(Value::to_string),
        prev_hash: head.try_get("last_hash")?,
        hash: String::new(),
    };
    record.hash = link_hash(&record);
    sqlx::query(
        "INSERT INTO audit_log \
         (id, at, actor, action, object, before_json, after_json, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(record.id)
    .bind(record.at.timestamp_millis())
    .bind(&record.actor)
    .bind(&record.action)
    .bind(&record.object)
    .bind(record.before.as_deref())
    .bind(record.after.as_deref())
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1")
        .bind(&record.hash)
        .execute(&mut *conn)
        .await?;
    Ok(record)
}

fn record_from_row(row: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        id: row.try_get("id")?,
        at: from_millis(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        object: row.try_get("object")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const SELECT: &str = "SELECT id, at, actor, action, object, before_json, after_json, \
                      prev_hash, hash FROM audit_log";

impl Db {
    /// Records an action that changed nothing else in the database (a login, an export).
    pub async fn audit_append(
        &self,
        actor: &str,
        action: &str,
        object: &str,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Result<AuditRecord> {
        let mut tx = self.begin_write().await?;
        let record = append_in(&mut tx, actor, action, object, before, after).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Newest first; `object` limits to one object's history.
    pub async fn audit_list(
        &self,
        object: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE ($1 IS NULL OR object = $1) ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(object)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// A page of the records `filter` selects, newest first, and how many it selects.
    pub async fn audit_search(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AuditRecord>, i64)> {
        const WHERE: &str = " WHERE ($1 IS NULL OR actor = $1) \
             AND ($2 IS NULL OR action LIKE $2 ESCAPE '\\') \
             AND ($3 IS NULL OR at >= $3) AND ($4 IS NULL OR at < $4)";
        let action = filter.action.as_deref().map(prefix_pattern);
        let (from, to) = (filter.from.map(to_millis), filter.to.map(to_millis));
        let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM audit_log{WHERE}"))
            .bind(filter.actor.as_deref())
            .bind(action.as_deref())
            .bind(from)
            .bind(to)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let rows = sqlx::query(&format!(
            "{SELECT}{WHERE} ORDER BY id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(filter.actor.as_deref())
        .bind(action.as_deref())
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let records = rows.iter().map(record_from_row).collect::<Result<_>>()?;
        Ok((records, total))
    }

    /// Walks the whole chain in id order and reports the first link that does not hold.
    pub async fn audit_verify(&self) -> Result<AuditCheck> {
        let mut expected_id = 1;
        let mut prev_hash: Option<String> = None;
        loop {
            let rows = sqlx::query(&format!("{SELECT} WHERE id >= $1 ORDER BY id LIMIT $2"))
                .bind(expected_id)
                .bind(VERIFY_PAGE)
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                let record = record_from_row(row)?;
                let broken = |reason: String| AuditCheck::Broken {
                    id: record.id,
                    reason,
                };
                if record.id != expected_id {
                    return Ok(AuditCheck::Broken {
                        id: expected_id,
                        reason: format!("record missing (next present is {})", record.id),
                    });
                }
                if let Some(prev) = &prev_hash {
                    if &record.prev_hash != prev {
                        return Ok(broken(
                            "prev_hash does not match the previous record".into(),
                        ));
                    }
                }
                if link_hash(&record) != record.hash {
                    return Ok(broken("content does not match its hash".into()));
                }
                prev_hash = Some(record.hash);
                expected_id += 1;
            }
            if (rows.len() as i64) < VERIFY_PAGE {
                break;
            }
        }
        let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let last_id: i64 = head.try_get("last_id")?;
        let last_hash: String = head.try_get("last_hash")?;
        let records = expected_id - 1;
        if last_id != records {
            return Ok(AuditCheck::Broken {
                id: records + 1,
                reason: format!("head says {last_id} records, chain has {records}"),
            });
        }
        if let Some(prev) = prev_hash {
            if prev != last_hash {
                return Ok(AuditCheck::Broken {
                    id: records,
                    reason: "last record does not match the head".into(),
                });
            }
        }
        Ok(AuditCheck::Intact { records })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_literally() {
        assert_eq!(prefix_pattern("user."), "user.%");
        assert_eq!(prefix_pattern("a_b%c\\"), "a\\_b\\%c\\\\%");
    }
}
