//! Agencies: the tenants every other record belongs to.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::audit::append_in;
use super::{from_millis, new_id, now_millis, Db, Error, Result};

/// A province department, commune or public service unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Agency> {
    Ok(Agency {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        parent_id: row.try_get("parent_id")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

const SELECT: &str = "SELECT id, name, parent_id, created_at FROM agencies";

/// Inserts an agency inside the caller's transaction and audits it.
pub(crate) async fn insert_in(
    conn: &mut AnyConnection,
    name: &str,
    parent_id: Option<&str>,
    actor: &str,
) -> Result<Agency> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::Invalid("agency name is empty".into()));
    }
    let agency = Agency {
        id: new_id(),
        name: name.to_owned(),
        parent_id: parent_id.map(str::to_owned),
        created_at: from_millis(now_millis()),
    };
    sqlx::query("INSERT INTO agencies (id, name, parent_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&agency.id)
        .bind(&agency.name)
        .bind(agency.parent_id.as_deref())
        .bind(agency.created_at.timestamp_millis())
        .execute(&mut *conn)
        .await?;
    let after = json!(agency);
    append_in(
        conn,
        actor,
        "agency.create",
        &format!("agency:{}", agency.id),
        None,
        Some(&after),
    )
    .await?;
    Ok(agency)
}

impl Db {
    /// Creates an agency; the name must be unique.
    pub async fn create_agency(
        &self,
        name: &str,
        parent_id: Option<&str>,
        actor: &str,
    ) -> Result<Agency> {
        let mut tx = self.begin_write().await?;
        let agency = insert_in(&mut tx, name, parent_id, actor).await?;
        tx.commit().await?;
        Ok(agency)
    }

    /// Every agency, by name.
    pub async fn list_agencies(&self) -> Result<Vec<Agency>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY name"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn agency_by_name(&self, name: &str) -> Result<Option<Agency>> {
        let row = sqlx::query(&format!("{SELECT} WHERE name = $1"))
            .bind(name.trim())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn agency(&self, id: &str) -> Result<Option<Agency>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }
}
