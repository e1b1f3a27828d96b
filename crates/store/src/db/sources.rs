//! Source addresses: which agency and system a syslog sender belongs to. The pipeline
//! loads them all and matches senders in memory; this module only stores them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::audit::append_in;
use super::{from_millis, new_id, now_millis, Db, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceAddress {
    pub id: String,
    /// An IP address, a CIDR block or a host name.
    pub address: String,
    pub agency_id: String,
    pub system: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Db {
    pub async fn add_source_address(
        &self,
        address: &str,
        agency_id: &str,
        system: Option<&str>,
        actor: &str,
    ) -> Result<SourceAddress> {
        let address = address.trim();
        if address.is_empty() {
            return Err(Error::Invalid("source address is empty".into()));
        }
        let source = SourceAddress {
            id: new_id(),
            address: address.to_ascii_lowercase(),
            agency_id: agency_id.to_owned(),
            system: system.map(str::to_owned),
            created_at: from_millis(now_millis()),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO source_addresses (id, address, agency_id, system, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&source.id)
        .bind(&source.address)
        .bind(&source.agency_id)
        .bind(source.system.as_deref())
        .bind(source.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        let after = json!(source);
        let object = format!("source_address:{}", source.id);
        append_in(
            &mut tx,
            actor,
            "source_address.add",
            &object,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(source)
    }

    pub async fn list_source_addresses(&self) -> Result<Vec<SourceAddress>> {
        let rows = sqlx::query(
            "SELECT id, address, agency_id, system, created_at FROM source_addresses \
             ORDER BY address",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SourceAddress {
                    id: row.try_get("id")?,
                    address: row.try_get("address")?,
                    agency_id: row.try_get("agency_id")?,
                    system: row.try_get("system")?,
                    created_at: from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }
}
