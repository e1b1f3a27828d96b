//! The versioned controls catalogue, self-assessments against it, and evidence files.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::ControlResult;
use crate::db::audit::append_in;
use crate::db::{from_millis, hex, new_id, now_millis, Db, Error, Result, Tenant};

/// One stored version of the controls catalogue; `body_json` is the catalogue document
/// as the domain layer wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueVersion {
    pub version: i64,
    pub title: String,
    pub body_json: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The answer for one control in a self-assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlAssessment {
    pub control_id: String,
    pub result: ControlResult,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A self-assessment of one system against one catalogue version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelfAssessment {
    pub id: String,
    pub system_id: String,
    pub agency_id: String,
    pub catalogue_version: i64,
    pub assessed_by: String,
    pub created_at: DateTime<Utc>,
    pub results: Vec<ControlAssessment>,
}

/// A file kept as evidence, with its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceFile {
    pub id: String,
    /// What it backs: `assessment:<id>` or `finding:<id>`.
    pub owner: String,
    pub control_id: Option<String>,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn catalogue_from_row(row: &AnyRow) -> Result<CatalogueVersion> {
    Ok(CatalogueVersion {
        version: row.try_get("version")?,
        title: row.try_get("title")?,
        body_json: row.try_get("body_json")?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

fn evidence_from_row(row: &AnyRow) -> Result<EvidenceFile> {
    Ok(EvidenceFile {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        control_id: row.try_get("control_id")?,
        file_name: row.try_get("file_name")?,
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

const CATALOGUE: &str =
    "SELECT version, title, body_json, created_by, created_at FROM control_catalogues";

const EVIDENCE: &str = "SELECT id, owner, control_id, file_name, sha256, size, created_by, \
    created_at FROM evidence_files";

impl Db {
    /// Stores a new catalogue version (one more than the newest) and audits it.
    pub async fn add_catalogue_version(
        &self,
        title: &str,
        body_json: &str,
        actor: &str,
    ) -> Result<CatalogueVersion> {
        let mut tx = self.begin_write().await?;
        let newest: Option<i64> = sqlx::query("SELECT MAX(version) AS v FROM control_catalogues")
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
        let created = CatalogueVersion {
            version: newest.unwrap_or(0) + 1,
            title: title.to_owned(),
            body_json: body_json.to_owned(),
            created_by: actor.to_owned(),
            created_at: from_millis(now_millis()),
        };
        sqlx::query(
            "INSERT INTO control_catalogues (version, title, body_json, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(created.version)
        .bind(&created.title)
        .bind(&created.body_json)
        .bind(actor)
        .bind(created.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        let after = json!({ "version": created.version, "title": created.title });
        let object = format!("catalogue:{}", created.version);
        append_in(&mut tx, actor, "catalogue.add", &object, None, Some(&after)).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Catalogue `version`, or the newest when `None`.
    pub async fn catalogue_version(
        &self,
        version: Option<i64>,
    ) -> Result<Option<CatalogueVersion>> {
        let row = match version {
            Some(v) => {
                sqlx::query(&format!("{CATALOGUE} WHERE version = $1"))
                    .bind(v)
                    .fetch_optional(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("{CATALOGUE} ORDER BY version DESC LIMIT 1"))
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        row.as_ref().map(catalogue_from_row).transpose()
    }

    /// Records a self-assessment of `system_id` and audits it.
    pub async fn record_assessment(
        &self,
        system_id: &str,
        catalogue_version: i64,
        results: &[ControlAssessment],
        actor: &str,
    ) -> Result<SelfAssessment> {
        let mut tx = self.begin_write().await?;
        let agency_id: String =
            sqlx::query("SELECT agency_id FROM information_systems WHERE id = $1")
                .bind(system_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| Error::NotFound(format!("system {system_id}")))?
                .try_get("agency_id")?;
        let assessment = SelfAssessment {
            id: new_id(),
            system_id: system_id.to_owned(),
            agency_id,
            catalogue_version,
            assessed_by: actor.to_owned(),
            created_at: from_millis(now_millis()),
            results: results.to_vec(),
        };
        sqlx::query(
            "INSERT INTO self_assessments (id, system_id, catalogue_version, assessed_by, \
             created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&assessment.id)
        .bind(system_id)
        .bind(catalogue_version)
        .bind(actor)
        .bind(assessment.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        for r in results {
            sqlx::query(
                "INSERT INTO assessment_results (assessment_id, control_id, result, comment) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&assessment.id)
            .bind(&r.control_id)
            .bind(r.result.as_str())
            .bind(r.comment.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        let object = format!("system:{system_id}");
        let after = json!(assessment);
        append_in(
            &mut tx,
            actor,
            "assessment.record",
            &object,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(assessment)
    }

    /// Self-assessments within `tenant`, newest first; `system_id` limits to one system,
    /// `latest_only` keeps the newest of each system.
    pub async fn list_assessments(
        &self,
        tenant: &Tenant,
        system_id: Option<&str>,
        latest_only: bool,
    ) -> Result<Vec<SelfAssessment>> {
        let rows = sqlx::query(
            "SELECT a.id, a.system_id, s.agency_id, a.catalogue_version, a.assessed_by, \
             a.created_at FROM self_assessments a \
             JOIN information_systems s ON s.id = a.system_id \
             WHERE ($1 IS NULL OR s.agency_id = $1) AND ($2 IS NULL OR a.system_id = $2) \
             ORDER BY a.created_at DESC, a.id DESC",
        )
        .bind(tenant.agency_id().map(str::to_owned))
        .bind(system_id.map(str::to_owned))
        .fetch_all(&self.pool)
        .await?;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for row in &rows {
            let system_id: String = row.try_get("system_id")?;
            if latest_only && !seen.insert(system_id.clone()) {
                continue;
            }
            let id: String = row.try_get("id")?;
            let results = sqlx::query(
                "SELECT control_id, result, comment FROM assessment_results \
                 WHERE assessment_id = $1 ORDER BY control_id",
            )
            .bind(&id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ControlAssessment {
                    control_id: r.try_get("control_id")?,
                    result: r.try_get::<String, _>("result")?.parse()?,
                    comment: r.try_get("comment")?,
                })
            })
            .collect::<Result<_>>()?;
            out.push(SelfAssessment {
                id,
                system_id,
                agency_id: row.try_get("agency_id")?,
                catalogue_version: row.try_get("catalogue_version")?,
                assessed_by: row.try_get("assessed_by")?,
                created_at: from_millis(row.try_get("created_at")?),
                results,
            });
        }
        Ok(out)
    }

    /// Keeps `content` as evidence for `owner` (`assessment:<id>` or `finding:<id>`),
    /// with its SHA-256, and audits it (hash and size, not the content).
    pub async fn add_evidence(
        &self,
        owner: &str,
        control_id: Option<&str>,
        file_name: &str,
        content: &[u8],
        actor: &str,
    ) -> Result<EvidenceFile> {
        let file_name = file_name.trim();
        if file_name.is_empty() {
            return Err(Error::Invalid("evidence file name is empty".into()));
        }
        let evidence = EvidenceFile {
            id: new_id(),
            owner: owner.to_owned(),
            control_id: control_id.map(str::to_owned),
            file_name: file_name.to_owned(),
            sha256: hex(&Sha256::digest(content)),
            size: content.len() as i64,
            created_by: actor.to_owned(),
            created_at: from_millis(now_millis()),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO evidence_files (id, owner, control_id, file_name, sha256, size, \
             content, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&evidence.id)
        .bind(owner)
        .bind(control_id)
        .bind(&evidence.file_name)
        .bind(&evidence.sha256)
        .bind(evidence.size)
        .bind(content)
        .bind(actor)
        .bind(evidence.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        let after = json!(evidence);
        append_in(&mut tx, actor, "evidence.add", owner, None, Some(&after)).await?;
        tx.commit().await?;
        Ok(evidence)
    }

    /// The evidence kept for `owner`, oldest first.
    pub async fn list_evidence(&self, owner: &str) -> Result<Vec<EvidenceFile>> {
        let rows = sqlx::query(&format!(
            "{EVIDENCE} WHERE owner = $1 ORDER BY created_at, id"
        ))
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(evidence_from_row).collect()
    }
}
