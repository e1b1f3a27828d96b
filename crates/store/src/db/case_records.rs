//! Incidents and advisories as stored: one JSON document per record (its shape is the
//! `vigil-soc` crate's), the columns lists sort and filter by, and the agencies the
//! record involves — which is what limits an agency officer's reads, in the query.
//!
//! Every change runs in one write transaction with its audit record (the document before
//! and after), and a change is a function of the stored record read inside that
//! transaction, so two concurrent changes never overwrite each other.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use super::audit::append_in;
use super::{from_millis, to_millis, Db, Error, Result, Tenant};

/// Which kind of case record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    Incident,
    Advisory,
}

impl CaseKind {
    fn table(self) -> &'static str {
        match self {
            CaseKind::Incident => "incidents",
            CaseKind::Advisory => "advisories",
        }
    }

    fn agencies_table(self) -> &'static str {
        match self {
            CaseKind::Incident => "incident_agencies",
            CaseKind::Advisory => "advisory_agencies",
        }
    }

    /// The prefix of audit objects (`incident:<id>`).
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::Incident => "incident",
            CaseKind::Advisory => "advisory",
        }
    }
}

/// One stored incident or advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    pub id: String,
    pub title: String,
    pub status: String,
    pub severity: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The agencies the record involves (who may see it besides the SOC).
    pub agency_ids: Vec<String>,
    /// Everything else, as the domain crate writes it.
    pub body: Value,
}

async fn select_in(
    conn: &mut AnyConnection,
    kind: CaseKind,
    tenant: &Tenant,
    id: Option<&str>,
) -> Result<Vec<CaseRecord>> {
    let (table, agencies) = (kind.table(), kind.agencies_table());
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.title, r.status, r.severity, r.opened_at, r.updated_at, r.body_json \
         FROM {table} r WHERE ($1 IS NULL OR EXISTS (SELECT 1 FROM {agencies} x \
         WHERE x.record_id = r.id AND x.agency_id = $1)) AND ($2 IS NULL OR r.id = $2) \
         ORDER BY r.opened_at DESC, r.id DESC"
    ))
    .bind(tenant.agency_id())
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let links = sqlx::query(&format!(
        "SELECT record_id, agency_id FROM {agencies} WHERE ($1 IS NULL OR record_id = $1) \
         ORDER BY agency_id"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut agency_ids: HashMap<String, Vec<String>> = HashMap::new();
    for link in &links {
        agency_ids
            .entry(link.try_get("record_id")?)
            .or_default()
            .push(link.try_get("agency_id")?);
    }
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let body: String = row.try_get("body_json")?;
            Ok(CaseRecord {
                agency_ids: agency_ids.remove(&id).unwrap_or_default(),
                title: row.try_get("title")?,
                status: row.try_get("status")?,
                severity: row.try_get("severity")?,
                opened_at: from_millis(row.try_get("opened_at")?),
                updated_at: from_millis(row.try_get("updated_at")?),
                body: serde_json::from_str(&body).map_err(|_| Error::Corrupt {
                    column: "body_json",
                    value: id.clone(),
                })?,
                id,
            })
        })
        .collect()
}

/// Record `id` as `tenant` sees it; not found otherwise.
async fn existing_in(
    conn: &mut AnyConnection,
    kind: CaseKind,
    tenant: &Tenant,
    id: &str,
) -> Result<CaseRecord> {
    select_in(conn, kind, tenant, Some(id))
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("{} {id}", kind.name())))
}

/// Writes `record`'s columns and agencies (replacing what `record.id` had).
async fn write_in(conn: &mut AnyConnection, kind: CaseKind, record: &CaseRecord) -> Result<()> {
    let (table, agencies) = (kind.table(), kind.agencies_table());
    sqlx::query(&format!("DELETE FROM {agencies} WHERE record_id = $1"))
        .bind(&record.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(&record.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO {table} (id, title, status, severity, opened_at, updated_at, body_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&record.id)
    .bind(&record.title)
    .bind(&record.status)
    .bind(&record.severity)
    .bind(to_millis(record.opened_at))
    .bind(to_millis(record.updated_at))
    .bind(record.body.to_string())
    .execute(&mut *conn)
    .await?;
    let mut seen = std::collections::HashSet::new();
    for agency_id in record.agency_ids.iter().filter(|a| seen.insert(*a)) {
        sqlx::query(&format!(
            "INSERT INTO {agencies} (record_id, agency_id) VALUES ($1, $2)"
        ))
        .bind(&record.id)
        .bind(agency_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Db {
    /// Stores a new record and audits it as `action`.
    pub async fn insert_case_record(
        &self,
        kind: CaseKind,
        record: &CaseRecord,
        actor: &str,
        action: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        write_in(&mut tx, kind, record).await?;
        let object = format!("{}:{}", kind.name(), record.id);
        append_in(&mut tx, actor, action, &object, None, Some(&record.body)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Record `id` if `tenant` sees it.
    pub async fn case_record(
        &self,
        kind: CaseKind,
        tenant: &Tenant,
        id: &str,
    ) -> Result<Option<CaseRecord>> {
        let mut conn = self.pool.acquire().await?;
        Ok(select_in(&mut conn, kind, tenant, Some(id)).await?.pop())
    }

    /// Every record `tenant` sees, newest first.
    pub async fn list_case_records(
        &self,
        kind: CaseKind,
        tenant: &Tenant,
    ) -> Result<Vec<CaseRecord>> {
        let mut conn = self.pool.acquire().await?;
        select_in(&mut conn, kind, tenant, None).await
    }

    /// Applies `change` to record `id` as `tenant` sees it, stores the outcome and audits
    /// it as `action`; nothing is written when `change` refuses.
    pub async fn update_case_record<E: From<Error>>(
        &self,
        kind: CaseKind,
        tenant: &Tenant,
        id: &str,
        actor: &str,
        action: &str,
        change: impl FnOnce(CaseRecord) -> std::result::Result<CaseRecord, E>,
    ) -> std::result::Result<CaseRecord, E> {
        let mut tx = self.begin_write().await?;
        let before = existing_in(&mut tx, kind, tenant, id).await?;
        let before_body = before.body.clone();
        let after = change(before)?;
        write_in(&mut tx, kind, &after).await?;
        let object = format!("{}:{id}", kind.name());
        append_in(
            &mut tx,
            actor,
            action,
            &object,
            Some(&before_body),
            Some(&after.body),
        )
        .await?;
        tx.commit().await.map_err(Error::from)?;
        Ok(after)
    }

    /// Removes record `id` (as `tenant` sees it) and audits what it was.
    pub async fn delete_case_record(
        &self,
        kind: CaseKind,
        tenant: &Tenant,
        id: &str,
        actor: &str,
        action: &str,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = existing_in(&mut tx, kind, tenant, id).await?;
        for sql in [
            format!("DELETE FROM {} WHERE record_id = $1", kind.agencies_table()),
            format!("DELETE FROM {} WHERE id = $1", kind.table()),
        ] {
            sqlx::query(&sql).bind(id).execute(&mut *tx).await?;
        }
        let object = format!("{}:{id}", kind.name());
        append_in(&mut tx, actor, action, &object, Some(&before.body), None).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A new id for a case record or a part of one (a task, an evidence file): time-ordered,
/// like every id of the state database.
pub fn new_record_id() -> String {
    super::new_id()
}
