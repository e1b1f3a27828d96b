//! Inspection plans (one per year), inspections of agencies, and their findings with
//! remediation.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{date_from, date_text, FindingStatus, Severity};
use crate::db::audit::append_in;
use crate::db::{from_millis, new_id, now_millis, Db, Error, Result, Tenant};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectionPlan {
    pub id: String,
    pub year: i64,
    pub title: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// An inspection as planned or recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInspection {
    #[serde(default)]
    pub plan_id: Option<String>,
    pub agency_id: String,
    /// Who inspects (names, or the team's designation).
    pub team: String,
    pub planned_date: NaiveDate,
    #[serde(default)]
    pub done_date: Option<NaiveDate>,
    pub scope: String,
    #[serde(default)]
    pub system_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inspection {
    pub id: String,
    #[serde(flatten)]
    pub inspection: NewInspection,
    pub created_at: DateTime<Utc>,
}

/// A finding as an inspector records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFinding {
    pub agency_id: String,
    #[serde(default)]
    pub system_id: Option<String>,
    #[serde(default)]
    pub inspection_id: Option<String>,
    #[serde(default)]
    pub control_id: Option<String>,
    pub severity: Severity,
    pub description: String,
    pub deadline: NaiveDate,
    /// Who must remediate it.
    pub owner: String,
}

/// A change to a finding's remediation; each part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingUpdate {
    pub status: Option<FindingStatus>,
    pub remediation: Option<String>,
    pub verified_by: Option<String>,
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: String,
    #[serde(flatten)]
    pub finding: NewFinding,
    pub status: FindingStatus,
    pub remediation: Option<String>,
    pub verified_by: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const INSPECTION: &str = "SELECT id, plan_id, agency_id, team, planned_date, done_date, scope, \
    system_ids, created_at FROM inspections";

const FINDING: &str = "SELECT id, agency_id, system_id, inspection_id, control_id, severity, \
    description, deadline, owner, status, remediation, verified_by, created_by, created_at, \
    updated_at FROM findings";

fn inspection_from_row(row: &AnyRow) -> Result<Inspection> {
    let system_ids: String = row.try_get("system_ids")?;
    Ok(Inspection {
        id: row.try_get("id")?,
        inspection: NewInspection {
            plan_id: row.try_get("plan_id")?,
            agency_id: row.try_get("agency_id")?,
            team: row.try_get("team")?,
            planned_date: date_from("inspections.planned_date", row.try_get("planned_date")?)?
                .unwrap_or_default(),
            done_date: date_from("inspections.done_date", row.try_get("done_date")?)?,
            scope: row.try_get("scope")?,
            system_ids: serde_json::from_str(&system_ids).map_err(|_| Error::Corrupt {
                column: "inspections.system_ids",
                value: system_ids,
            })?,
        },
        created_at: from_millis(row.try_get("created_at")?),
    })
}

fn finding_from_row(row: &AnyRow) -> Result<Finding> {
    Ok(Finding {
        id: row.try_get("id")?,
        finding: NewFinding {
            agency_id: row.try_get("agency_id")?,
            system_id: row.try_get("system_id")?,
            inspection_id: row.try_get("inspection_id")?,
            control_id: row.try_get("control_id")?,
            severity: row.try_get::<String, _>("severity")?.parse()?,
            description: row.try_get("description")?,
            deadline: date_from("findings.deadline", row.try_get("deadline")?)?.unwrap_or_default(),
            owner: row.try_get("owner")?,
        },
        status: row.try_get::<String, _>("status")?.parse()?,
        remediation: row.try_get("remediation")?,
        verified_by: row.try_get("verified_by")?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

async fn finding_in(conn: &mut AnyConnection, id: &str) -> Result<Finding> {
    let row = sqlx::query(&format!("{FINDING} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("finding {id}")))?;
    finding_from_row(&row)
}

impl Db {
    /// Creates the inspection plan of `year` (one per year).
    pub async fn create_inspection_plan(
        &self,
        year: i64,
        title: &str,
        actor: &str,
    ) -> Result<InspectionPlan> {
        let plan = InspectionPlan {
            id: new_id(),
            year,
            title: title.trim().to_owned(),
            created_by: actor.to_owned(),
            created_at: from_millis(now_millis()),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO inspection_plans (id, year, title, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&plan.id)
        .bind(year)
        .bind(&plan.title)
        .bind(actor)
        .bind(plan.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        let object = format!("inspection_plan:{}", plan.id);
        let after = json!(plan);
        append_in(
            &mut tx,
            actor,
            "inspection_plan.create",
            &object,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// Every inspection plan, newest year first.
    pub async fn inspection_plans(&self) -> Result<Vec<InspectionPlan>> {
        let rows = sqlx::query(
            "SELECT id, year, title, created_by, created_at FROM inspection_plans \
             ORDER BY year DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(InspectionPlan {
                    id: row.try_get("id")?,
                    year: row.try_get("year")?,
                    title: row.try_get("title")?,
                    created_by: row.try_get("created_by")?,
                    created_at: from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// Records an inspection (planned, or done when `done_date` is set).
    pub async fn create_inspection(
        &self,
        inspection: &NewInspection,
        actor: &str,
    ) -> Result<Inspection> {
        let created = Inspection {
            id: new_id(),
            inspection: inspection.clone(),
            created_at: from_millis(now_millis()),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO inspections (id, plan_id, agency_id, team, planned_date, done_date, \
             scope, system_ids, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&created.id)
        .bind(inspection.plan_id.as_deref())
        .bind(&inspection.agency_id)
        .bind(&inspection.team)
        .bind(date_text(Some(inspection.planned_date)))
        .bind(date_text(inspection.done_date))
        .bind(&inspection.scope)
        .bind(json!(inspection.system_ids).to_string())
        .bind(created.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        let object = format!("inspection:{}", created.id);
        let after = json!(created);
        append_in(
            &mut tx,
            actor,
            "inspection.create",
            &object,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Marks inspection `id` done on `done_date`.
    pub async fn complete_inspection(
        &self,
        id: &str,
        done_date: NaiveDate,
        actor: &str,
    ) -> Result<Inspection> {
        let mut tx = self.begin_write().await?;
        let before = sqlx::query(&format!("{INSPECTION} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("inspection {id}")))?;
        let before = inspection_from_row(&before)?;
        sqlx::query("UPDATE inspections SET done_date = $1 WHERE id = $2")
            .bind(date_text(Some(done_date)))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut after = before.clone();
        after.inspection.done_date = Some(done_date);
        append_in(
            &mut tx,
            actor,
            "inspection.complete",
            &format!("inspection:{id}"),
            Some(&json!(before)),
            Some(&json!(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Inspections within `tenant`, by planned date; `plan_id` limits to one plan.
    pub async fn list_inspections(
        &self,
        tenant: &Tenant,
        plan_id: Option<&str>,
    ) -> Result<Vec<Inspection>> {
        let rows = sqlx::query(&format!(
            "{INSPECTION} WHERE ($1 IS NULL OR agency_id = $1) AND ($2 IS NULL OR plan_id = $2) \
             ORDER BY planned_date, id"
        ))
        .bind(tenant.agency_id().map(str::to_owned))
        .bind(plan_id.map(str::to_owned))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inspection_from_row).collect()
    }

    /// Records a finding and audits it.
    pub async fn create_finding(&self, finding: &NewFinding, actor: &str) -> Result<Finding> {
        if finding.description.trim().is_empty() {
            return Err(Error::Invalid("finding description is empty".into()));
        }
        let now = now_millis();
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO findings (id, agency_id, system_id, inspection_id, control_id, \
             severity, description, deadline, owner, status, created_by, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $11)",
        )
        .bind(&id)
        .bind(&finding.agency_id)
        .bind(finding.system_id.as_deref())
        .bind(finding.inspection_id.as_deref())
        .bind(finding.control_id.as_deref())
        .bind(finding.severity.as_str())
        .bind(finding.description.trim())
        .bind(date_text(Some(finding.deadline)))
        .bind(&finding.owner)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let created = finding_in(&mut tx, &id).await?;
        let after = json!(created);
        append_in(
            &mut tx,
            actor,
            "finding.create",
            &format!("finding:{id}"),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Finding `id` if `tenant` may see it.
    pub async fn finding(&self, tenant: &Tenant, id: &str) -> Result<Option<Finding>> {
        let row = sqlx::query(&format!(
            "{FINDING} WHERE id = $1 AND ($2 IS NULL OR agency_id = $2)"
        ))
        .bind(id)
        .bind(tenant.agency_id().map(str::to_owned))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(finding_from_row).transpose()
    }

    /// Applies `update` to finding `id` and audits before and after.
    pub async fn update_finding(
        &self,
        id: &str,
        update: &FindingUpdate,
        actor: &str,
    ) -> Result<Finding> {
        let mut tx = self.begin_write().await?;
        let before = finding_in(&mut tx, id).await?;
        sqlx::query(
            "UPDATE findings SET status = $1, remediation = $2, verified_by = $3, \
             deadline = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(update.status.unwrap_or(before.status).as_str())
        .bind(
            update
                .remediation
                .as_deref()
                .or(before.remediation.as_deref()),
        )
        .bind(
            update
                .verified_by
                .as_deref()
                .or(before.verified_by.as_deref()),
        )
        .bind(date_text(Some(
            update.deadline.unwrap_or(before.finding.deadline),
        )))
        .bind(now_millis())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let after = finding_in(&mut tx, id).await?;
        append_in(
            &mut tx,
            actor,
            "finding.update",
            &format!("finding:{id}"),
            Some(&json!(before)),
            Some(&json!(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Findings within `tenant`, by deadline.
    pub async fn list_findings(&self, tenant: &Tenant) -> Result<Vec<Finding>> {
        let rows = sqlx::query(&format!(
            "{FINDING} WHERE ($1 IS NULL OR agency_id = $1) ORDER BY deadline, id"
        ))
        .bind(tenant.agency_id().map(str::to_owned))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(finding_from_row).collect()
    }
}
