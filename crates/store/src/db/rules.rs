//! Analysts' overrides on the rule set: enable/disable per rule and exceptions that
//! suppress a rule's hits when a field matches (for one agency or for all).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::audit::append_in;
use super::tokens::text_enum;
use super::{from_millis, new_id, now_millis, Db, Error, Result, Tenant};

/// A rule whose enabled flag was set by someone (rules without a row are enabled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleState {
    pub rule_id: String,
    pub enabled: bool,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// How an exception's pattern is compared with the field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Equals,
    /// `*` and `?` wildcards.
    Wildcard,
    Regex,
    /// The value is an IP inside the CIDR.
    Cidr,
}

text_enum!(MatchKind { Equals => "equals", Wildcard => "wildcard", Regex => "regex", Cidr => "cidr" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleException {
    pub id: String,
    pub rule_id: String,
    /// `None`: applies to every agency.
    pub agency_id: Option<String>,
    pub field: String,
    pub match_kind: MatchKind,
    pub pattern: String,
    pub comment: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Input of [`Db::add_rule_exception`].
#[derive(Debug, Clone)]
pub struct NewRuleException {
    pub rule_id: String,
    pub agency_id: Option<String>,
    pub field: String,
    pub match_kind: MatchKind,
    pub pattern: String,
    pub comment: Option<String>,
}

fn exception_from_row(row: &AnyRow) -> Result<RuleException> {
    Ok(RuleException {
        id: row.try_get("id")?,
        rule_id: row.try_get("rule_id")?,
        agency_id: row.try_get("agency_id")?,
        field: row.try_get("field")?,
        match_kind: row.try_get::<String, _>("match_kind")?.parse()?,
        pattern: row.try_get("pattern")?,
        comment: row.try_get("comment")?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

const SELECT_EXCEPTION: &str = "SELECT id, rule_id, agency_id, field, match_kind, pattern, \
                                comment, created_by, created_at FROM rule_exceptions";

impl Db {
    /// Enables or disables a rule.
    pub async fn set_rule_enabled(&self, rule_id: &str, enabled: bool, actor: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before: Option<i64> = sqlx::query("SELECT enabled FROM rule_state WHERE rule_id = $1")
            .bind(rule_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get("enabled"))
            .transpose()?;
        sqlx::query(
            "INSERT INTO rule_state (rule_id, enabled, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (rule_id) DO UPDATE SET \
             enabled = excluded.enabled, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
        )
        .bind(rule_id)
        .bind(i64::from(enabled))
        .bind(actor)
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        let before = json!({ "enabled": before.is_none_or(|e| e != 0) });
        let after = json!({ "enabled": enabled });
        let action = if enabled {
            "rule.enable"
        } else {
            "rule.disable"
        };
        append_in(
            &mut tx,
            actor,
            action,
            &format!("rule:{rule_id}"),
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every rule with an override.
    pub async fn rule_states(&self) -> Result<Vec<RuleState>> {
        let rows = sqlx::query(
            "SELECT rule_id, enabled, updated_by, updated_at FROM rule_state ORDER BY rule_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RuleState {
                    rule_id: row.try_get("rule_id")?,
                    enabled: row.try_get::<i64, _>("enabled")? != 0,
                    updated_by: row.try_get("updated_by")?,
                    updated_at: from_millis(row.try_get("updated_at")?),
                })
            })
            .collect()
    }

    pub async fn add_rule_exception(
        &self,
        new: &NewRuleException,
        actor: &str,
    ) -> Result<RuleException> {
        if new.field.trim().is_empty() {
            return Err(Error::Invalid("exception field is empty".into()));
        }
        let exception = RuleException {
            id: new_id(),
            rule_id: new.rule_id.clone(),
            agency_id: new.agency_id.clone(),
            field: new.field.trim().to_owned(),
            match_kind: new.match_kind,
            pattern: new.pattern.clone(),
            comment: new.comment.clone(),
            created_by: actor.to_owned(),
            created_at: from_millis(now_millis()),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO rule_exceptions (id, rule_id, agency_id, field, match_kind, pattern, \
             comment, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&exception.id)
        .bind(&exception.rule_id)
        .bind(exception.agency_id.as_deref())
        .bind(&exception.field)
        .bind(exception.match_kind.as_str())
        .bind(&exception.pattern)
        .bind(exception.comment.as_deref())
        .bind(actor)
        .bind(exception.created_at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        let after = json!(exception);
        let object = format!("rule_exception:{}", exception.id);
        append_in(
            &mut tx,
            actor,
            "rule_exception.add",
            &object,
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(exception)
    }

    /// How many alerts each rule has raised in the tenant's agencies, by rule id (rules
    /// without alerts are absent).
    pub async fn alert_counts_by_rule(&self, tenant: &Tenant) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT rule_id, COUNT(*) AS n FROM alerts \
             WHERE ($1 IS NULL OR agency_id = $1) GROUP BY rule_id",
        )
        .bind(tenant.agency_id())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("rule_id")?, row.try_get("n")?)))
            .collect()
    }

    /// Exceptions of one rule, or of all rules when `rule_id` is `None`.
    pub async fn rule_exceptions(&self, rule_id: Option<&str>) -> Result<Vec<RuleException>> {
        let rows = sqlx::query(&format!(
            "{SELECT_EXCEPTION} WHERE ($1 IS NULL OR rule_id = $1) ORDER BY rule_id, created_at"
        ))
        .bind(rule_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(exception_from_row).collect()
    }

    /// Deletes an exception; `false` when there was none with this id.
    pub async fn delete_rule_exception(&self, id: &str, actor: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(&format!("{SELECT_EXCEPTION} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let before = json!(exception_from_row(&row)?);
        sqlx::query("DELETE FROM rule_exceptions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let object = format!("rule_exception:{id}");
        append_in(
            &mut tx,
            actor,
            "rule_exception.delete",
            &object,
            Some(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
