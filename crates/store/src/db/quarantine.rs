//! Quarantine: input the pipeline could not parse, kept byte for byte with its reason and
//! source so an analyst can see what was lost and why.
//!
//! Adding is a pipeline write and is not audited (it can be as frequent as bad input).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{from_millis, new_id, now_millis, Db, Result, Tenant};

/// Input of [`Db::add_quarantine`].
#[derive(Debug, Clone)]
pub struct NewQuarantine<'a> {
    /// Where it came from, e.g. `syslog-udp 10.0.0.5:514` or `http token vgi_…`.
    pub source: &'a str,
    pub agency_id: Option<&'a str>,
    pub reason: &'a str,
    /// What arrived, possibly cut to a limit by the caller.
    pub raw: &'a [u8],
    /// Whether `raw` was cut; `size` then records the original length.
    pub truncated: bool,
    pub size: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineEntry {
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub source: String,
    pub agency_id: Option<String>,
    pub reason: String,
    pub raw: Vec<u8>,
    pub size: i64,
    pub truncated: bool,
}

/// Limits a quarantine query to the tenant (entries of no agency are the SOC's alone).
fn tenant_clause(tenant: &Tenant) -> &'static str {
    match tenant {
        Tenant::All => "($1 IS NULL OR agency_id = $1)",
        Tenant::Agency(_) => "agency_id = $1",
    }
}

impl Db {
    pub async fn add_quarantine(&self, entry: &NewQuarantine<'_>) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO quarantine (id, received_at, source, agency_id, reason, raw, size, \
             truncated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(now_millis())
        .bind(entry.source)
        .bind(entry.agency_id)
        .bind(entry.reason)
        .bind(entry.raw)
        .bind(i64::try_from(entry.size).unwrap_or(i64::MAX))
        .bind(i64::from(entry.truncated))
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Newest first.
    pub async fn list_quarantine(
        &self,
        tenant: &Tenant,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<QuarantineEntry>> {
        let rows = sqlx::query(&format!(
            "SELECT id, received_at, source, agency_id, reason, raw, size, truncated \
             FROM quarantine WHERE {} ORDER BY received_at DESC, id DESC LIMIT $2 OFFSET $3",
            tenant_clause(tenant)
        ))
        .bind(tenant.agency_id())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(QuarantineEntry {
                    id: row.try_get("id")?,
                    received_at: from_millis(row.try_get("received_at")?),
                    source: row.try_get("source")?,
                    agency_id: row.try_get("agency_id")?,
                    reason: row.try_get("reason")?,
                    raw: row.try_get("raw")?,
                    size: row.try_get("size")?,
                    truncated: row.try_get::<i64, _>("truncated")? != 0,
                })
            })
            .collect()
    }

    pub async fn count_quarantine(&self, tenant: &Tenant) -> Result<i64> {
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM quarantine WHERE {}",
            tenant_clause(tenant)
        ))
        .bind(tenant.agency_id())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}
