//! Alerts: detections folded per (rule, agency, host) within a dedup window, with the
//! analyst workflow (status, assignee, comments) on top.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::audit::append_in;
use super::tokens::text_enum;
use super::{from_millis, hex, new_id, now_millis, to_millis, Backend, Db, Error, Result, Tenant};

/// At most this many triggering event ids are kept on an alert.
pub const SAMPLE_CAP: usize = 10;

/// Sigma's rule levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

text_enum!(AlertLevel {
    Informational => "informational",
    Low => "low",
    Medium => "medium",
    High => "high",
    Critical => "critical",
});

impl AlertLevel {
    /// The priority of an alert of this level on a system of security level
    /// `system_level`: levels 3–5 raise it one step (critical stays critical).
    pub fn priority_on(self, system_level: Option<u8>) -> AlertLevel {
        use AlertLevel::*;
        if system_level.is_none_or(|l| l < 3) {
            return self;
        }
        match self {
            Informational => Low,
            Low => Medium,
            Medium => High,
            High | Critical => Critical,
        }
    }
}

/// Where an alert is in the analysts' workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    New,
    Acknowledged,
    InProgress,
    Closed,
    FalsePositive,
}

text_enum!(AlertStatus {
    New => "new",
    Acknowledged => "acknowledged",
    InProgress => "in_progress",
    Closed => "closed",
    FalsePositive => "false_positive",
});

impl AlertStatus {
    /// Open alerts still absorb repeats of their detection.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            AlertStatus::New | AlertStatus::Acknowledged | AlertStatus::InProgress
        )
    }

    /// Work moves forward; a closed alert can only be reopened into `in_progress`.
    pub fn can_become(self, next: AlertStatus) -> bool {
        use AlertStatus::*;
        match (self, next) {
            (a, b) if a == b => false,
            (New, _) => true,
            (Acknowledged, InProgress | Closed | FalsePositive) => true,
            (InProgress, Closed | FalsePositive) => true,
            (Closed | FalsePositive, InProgress) => true,
            _ => false,
        }
    }
}

/// One hit of a rule on an event, as the detector reports it.
#[derive(Debug, Clone)]
pub struct Detection {
    pub rule_id: String,
    pub rule_title: String,
    pub rule_author: Option<String>,
    pub level: AlertLevel,
    pub agency_id: String,
    pub system: Option<String>,
    pub host: String,
    pub event_id: String,
    pub at: DateTime<Utc>,
}

/// What [`Db::upsert_detection`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upserted {
    pub alert_id: String,
    /// `true` when a new alert was opened, `false` when folded into an open one.
    pub opened: bool,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: String,
    pub rule_id: String,
    pub rule_title: String,
    pub rule_author: Option<String>,
    pub level: AlertLevel,
    pub agency_id: String,
    /// The agency's name, for display (the API's `agency`).
    pub agency: String,
    pub system: Option<String>,
    /// The security level (1–5) of the registered system the alert is attributed to.
    pub system_level: Option<u8>,
    /// The rule's level, raised one step on a system of level 3 or higher.
    pub priority: AlertLevel,
    pub host: String,
    pub count: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub status: AlertStatus,
    pub assignee: Option<String>,
    pub sample_event_ids: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertComment {
    pub id: String,
    pub alert_id: String,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Filters for [`Db::list_alerts`]; `None` means any. Newest `last_seen` first.
#[derive(Debug, Clone)]
pub struct AlertFilter {
    pub level: Option<AlertLevel>,
    /// Agency id or name.
    pub agency: Option<String>,
    pub status: Option<AlertStatus>,
    /// Only alerts seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    pub limit: i64,
    pub offset: i64,
}

impl Default for AlertFilter {
    fn default() -> Self {
        AlertFilter {
            level: None,
            agency: None,
            status: None,
            since: None,
            limit: 100,
            offset: 0,
        }
    }
}

/// Which alerts the console's queue, its live stream and its dashboard look at: every
/// part is optional (`None`, `false`: any) and the parts combine with AND. It is a wider
/// form of [`AlertFilter`], without the paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertCriteria {
    pub level: Option<AlertLevel>,
    /// Agency id or name.
    pub agency: Option<String>,
    pub status: Option<AlertStatus>,
    /// Only alerts still open (new, acknowledged, in progress).
    pub open_only: bool,
    pub rule_id: Option<String>,
    pub system: Option<String>,
    pub host: Option<String>,
    /// Only alerts seen at or after this time (their `last_seen`).
    pub since: Option<DateTime<Utc>>,
    /// Only alerts first seen before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only alerts opened after the alert with this id (ids are time-ordered UUIDv7).
    pub opened_after: Option<String>,
}

impl From<&AlertFilter> for AlertCriteria {
    fn from(filter: &AlertFilter) -> AlertCriteria {
        AlertCriteria {
            level: filter.level,
            agency: filter.agency.clone(),
            status: filter.status,
            since: filter.since,
            ..AlertCriteria::default()
        }
    }
}

/// What [`Db::count_alerts_by`] groups alerts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertGroup {
    Level,
    Agency,
    Rule,
    /// An information system within its agency (alerts without one are not counted).
    System,
    /// A host within its agency.
    Host,
}

impl AlertGroup {
    /// The key, label and GROUP BY columns of the grouped query (fixed SQL, no input).
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            AlertGroup::Level => ("a.level", "a.level", "a.level"),
            AlertGroup::Agency => ("a.agency_id", "g.name", "a.agency_id, g.name"),
            AlertGroup::Rule => ("a.rule_id", "MAX(a.rule_title)", "a.rule_id"),
            AlertGroup::System => ("a.system", "g.name", "a.agency_id, g.name, a.system"),
            AlertGroup::Host => ("a.host", "g.name", "a.agency_id, g.name, a.host"),
        }
    }
}

/// One group of [`Db::count_alerts_by`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertCount {
    /// The level, agency id, rule id, system or host.
    pub key: String,
    /// What to show: the level, the agency's name, the rule's title, or for a system or
    /// a host the name of its agency.
    pub label: String,
    pub count: i64,
}

/// One bar of [`Db::count_alerts_over_time`]: alerts of `level` first seen within the
/// bucket that starts at `start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertBucket {
    pub start: DateTime<Utc>,
    pub level: AlertLevel,
    pub count: i64,
}

/// An analyst's change to an alert; each part is optional.
#[derive(Debug, Clone, Default)]
pub struct AlertUpdate {
    pub status: Option<AlertStatus>,
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<String>>,
    pub comment: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.rule_id, a.rule_title, a.rule_author, a.level, \
    a.agency_id, g.name AS agency_name, a.system, a.host, a.count, a.first_seen, a.last_seen, \
    a.status, a.assignee, a.sample_event_ids, a.updated_at, s.level AS system_level \
    FROM alerts a JOIN agencies g ON g.id = a.agency_id \
    LEFT JOIN information_systems s ON s.agency_id = a.agency_id AND s.name = a.system";

/// The tables of the grouped queries that show agency names.
const FROM: &str = "FROM alerts a JOIN agencies g ON g.id = a.agency_id";

/// The table of the counting queries that need no agency name: without the join, SQLite
/// answers them from an index alone (a million alerts: tens of milliseconds, not seconds).
const FROM_ALERTS: &str = "FROM alerts a";

const OPEN: &str = "('new', 'acknowledged', 'in_progress')";

fn from_row(row: &AnyRow) -> Result<Alert> {
    let samples: String = row.try_get("sample_event_ids")?;
    let level: AlertLevel = row.try_get::<String, _>("level")?.parse()?;
    let system_level = row
        .try_get::<Option<i64>, _>("system_level")?
        .and_then(|l| u8::try_from(l).ok());
    Ok(Alert {
        id: row.try_get("id")?,
        rule_id: row.try_get("rule_id")?,
        rule_title: row.try_get("rule_title")?,
        rule_author: row.try_get("rule_author")?,
        level,
        agency_id: row.try_get("agency_id")?,
        agency: row.try_get("agency_name")?,
        system: row.try_get("system")?,
        system_level,
        priority: level.priority_on(system_level),
        host: row.try_get("host")?,
        count: row.try_get("count")?,
        first_seen: from_millis(row.try_get("first_seen")?),
        last_seen: from_millis(row.try_get("last_seen")?),
        status: row.try_get::<String, _>("status")?.parse()?,
        assignee: row.try_get("assignee")?,
        sample_event_ids: serde_json::from_str(&samples).map_err(|_| Error::Corrupt {
            column: "alerts.sample_event_ids",
            value: samples,
        })?,
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

/// Rule, agency and host, length-prefixed and hashed so no separator can be forged.
fn dedup_key(rule_id: &str, agency_id: &str, host: &str) -> String {
    let mut h = Sha256::new();
    for part in [rule_id, agency_id, host] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// A WHERE clause built from optional parts, with `$n` placeholders in bind order.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

enum Arg {
    Text(String),
    Int(i64),
}

impl Where {
    /// Adds `clause`, where `?` stands for the next placeholder (used once or twice).
    fn push(&mut self, clause: &str, arg: Arg) {
        self.args.push(arg);
        self.clauses
            .push(clause.replace('?', &format!("${}", self.args.len())));
    }

    fn limit_to(&mut self, tenant: &Tenant) {
        if let Some(agency) = tenant.agency_id() {
            self.push("a.agency_id = ?", Arg::Text(agency.to_owned()));
        }
    }

    /// The clauses of `criteria`, within `tenant`.
    fn of(criteria: &AlertCriteria, tenant: &Tenant) -> Where {
        let text = |s: &str| Arg::Text(s.to_owned());
        let mut w = Where::default();
        w.limit_to(tenant);
        if let Some(level) = criteria.level {
            w.push("a.level = ?", text(level.as_str()));
        }
        if let Some(agency) = &criteria.agency {
            w.push(
                "a.agency_id IN (SELECT id FROM agencies WHERE id = ? OR name = ?)",
                text(agency),
            );
        }
        if let Some(status) = criteria.status {
            w.push("a.status = ?", text(status.as_str()));
        }
        if criteria.open_only {
            w.clauses.push(format!("a.status IN {OPEN}"));
        }
        if let Some(rule_id) = &criteria.rule_id {
            w.push("a.rule_id = ?", text(rule_id));
        }
        if let Some(system) = &criteria.system {
            w.push("a.system = ?", text(system));
        }
        if let Some(host) = &criteria.host {
            w.push("a.host = ?", text(host));
        }
        if let Some(since) = criteria.since {
            w.push("a.last_seen >= ?", Arg::Int(to_millis(since)));
        }
        if let Some(until) = criteria.until {
            w.push("a.first_seen < ?", Arg::Int(to_millis(until)));
        }
        if let Some(after) = &criteria.opened_after {
            w.push("a.id > ?", text(after));
        }
        w
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn bind<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for arg in &self.args {
            query = match arg {
                Arg::Text(s) => query.bind(s.as_str()),
                Arg::Int(i) => query.bind(*i),
            };
        }
        query
    }
}

async fn get_in(conn: &mut AnyConnection, id: &str, tenant: &Tenant) -> Result<Option<Alert>> {
    let mut filter = Where::default();
    filter.push("a.id = ?", Arg::Text(id.to_owned()));
    filter.limit_to(tenant);
    let sql = format!("{SELECT}{}", filter.sql());
    let row = filter
        .bind(sqlx::query(&sql))
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

impl Db {
    /// Folds a detection into the open alert for its rule, agency and host when that alert
    /// was last seen within `window` of it (count + 1, first/last seen widened, the event
    /// id kept while fewer than [`SAMPLE_CAP`]); otherwise opens a new alert.
    ///
    /// Opening is audited (`alert.open`, actor `detector`); folding is not, as it changes
    /// only counters and would make the audit log as long as the event stream.
    pub async fn upsert_detection(&self, d: &Detection, window: Duration) -> Result<Upserted> {
        let mut upserted = self
            .upsert_detections(std::slice::from_ref(d), window)
            .await?;
        Ok(upserted.remove(0))
    }

    /// [`Db::upsert_detection`] for many detections in one transaction (one disk sync),
    /// in order, so repeats within the batch fold into each other. Answers one
    /// [`Upserted`] per detection.
    pub async fn upsert_detections(
        &self,
        detections: &[Detection],
        window: Duration,
    ) -> Result<Vec<Upserted>> {
        let mut tx = self.begin_write().await?;
        let mut answers = Vec::with_capacity(detections.len());
        for d in detections {
            answers.push(self.upsert_in(&mut tx, d, window).await?);
        }
        tx.commit().await?;
        Ok(answers)
    }

    async fn upsert_in(
        &self,
        tx: &mut AnyConnection,
        d: &Detection,
        window: Duration,
    ) -> Result<Upserted> {
        let key = dedup_key(&d.rule_id, &d.agency_id, &d.host);
        let at = to_millis(d.at);
        let now = now_millis();
        if self.backend == Backend::Postgres {
            // Two workers folding the same key must not both open an alert.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(&key)
                .execute(&mut *tx)
                .await?;
        }
        let open = sqlx::query(&format!(
            "SELECT id, count, first_seen, last_seen, sample_event_ids FROM alerts \
             WHERE dedup_key = $1 AND status IN {OPEN} AND last_seen >= $2 \
             ORDER BY last_seen DESC LIMIT 1"
        ))
        .bind(&key)
        .bind(at - window.num_milliseconds())
        .fetch_optional(&mut *tx)
        .await?;

        let upserted = if let Some(row) = open {
            let id: String = row.try_get("id")?;
            let count: i64 = row.try_get::<i64, _>("count")? + 1;
            let first_seen: i64 = row.try_get("first_seen")?;
            let last_seen: i64 = row.try_get("last_seen")?;
            let samples: String = row.try_get("sample_event_ids")?;
            let mut samples: Vec<String> =
                serde_json::from_str(&samples).map_err(|_| Error::Corrupt {
                    column: "alerts.sample_event_ids",
                    value: samples,
                })?;
            if samples.len() < SAMPLE_CAP && !samples.contains(&d.event_id) {
                samples.push(d.event_id.clone());
            }
            sqlx::query(
                "UPDATE alerts SET count = $1, first_seen = $2, last_seen = $3, \
                 sample_event_ids = $4, updated_at = $5 WHERE id = $6",
            )
            .bind(count)
            .bind(first_seen.min(at))
            .bind(last_seen.max(at))
            .bind(json!(samples).to_string())
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            Upserted {
                alert_id: id,
                opened: false,
                count,
            }
        } else {
            let id = new_id();
            sqlx::query(
                "INSERT INTO alerts (id, dedup_key, rule_id, rule_title, rule_author, level, \
                 agency_id, system, host, count, first_seen, last_seen, status, \
                 sample_event_ids, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, 'new', $11, $12)",
            )
            .bind(&id)
            .bind(&key)
            .bind(&d.rule_id)
            .bind(&d.rule_title)
            .bind(d.rule_author.as_deref())
            .bind(d.level.as_str())
            .bind(&d.agency_id)
            .bind(d.system.as_deref())
            .bind(&d.host)
            .bind(at)
            .bind(json!([d.event_id]).to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let after = json!({
                "rule_id": d.rule_id, "level": d.level, "agency_id": d.agency_id,
                "host": d.host, "first_seen": d.at,
            });
            append_in(
                tx,
                "detector",
                "alert.open",
                &format!("alert:{id}"),
                None,
                Some(&after),
            )
            .await?;
            Upserted {
                alert_id: id,
                opened: true,
                count: 1,
            }
        };
        Ok(upserted)
    }

    /// A page of alerts the tenant may see, and how many match in all.
    pub async fn list_alerts(
        &self,
        filter: &AlertFilter,
        tenant: &Tenant,
    ) -> Result<(Vec<Alert>, i64)> {
        let w = Where::of(&AlertCriteria::from(filter), tenant);
        self.page_of(&w, filter.limit, filter.offset).await
    }

    /// One alert, or `None` when it does not exist or belongs to another tenant.
    pub async fn get_alert(&self, id: &str, tenant: &Tenant) -> Result<Option<Alert>> {
        let mut conn = self.pool.acquire().await?;
        get_in(&mut conn, id, tenant).await
    }

    /// The alert's comments, oldest first (empty for another tenant's alert).
    pub async fn alert_comments(&self, id: &str, tenant: &Tenant) -> Result<Vec<AlertComment>> {
        let mut w = Where::default();
        w.push("c.alert_id = ?", Arg::Text(id.to_owned()));
        w.limit_to(tenant);
        let sql = format!(
            "SELECT c.id, c.alert_id, c.author, c.body, c.created_at FROM alert_comments c \
             JOIN alerts a ON a.id = c.alert_id{} ORDER BY c.created_at, c.id",
            w.sql()
        );
        let rows = w.bind(sqlx::query(&sql)).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(AlertComment {
                    id: row.try_get("id")?,
                    alert_id: row.try_get("alert_id")?,
                    author: row.try_get("author")?,
                    body: row.try_get("body")?,
                    created_at: from_millis(row.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// Applies an analyst's change; `None` when the alert is not the tenant's to see.
    /// An impossible status move is an error and changes nothing.
    pub async fn update_alert(
        &self,
        id: &str,
        tenant: &Tenant,
        change: &AlertUpdate,
        actor: &str,
    ) -> Result<Option<Alert>> {
        let mut tx = self.begin_write().await?;
        let Some(before) = get_in(&mut tx, id, tenant).await? else {
            return Ok(None);
        };
        let status = change.status.unwrap_or(before.status);
        if change.status.is_some_and(|s| !before.status.can_become(s)) {
            return Err(Error::InvalidTransition {
                from: before.status,
                to: status,
            });
        }
        let assignee = change
            .assignee
            .clone()
            .unwrap_or_else(|| before.assignee.clone());
        let now = now_millis();
        sqlx::query("UPDATE alerts SET status = $1, assignee = $2, updated_at = $3 WHERE id = $4")
            .bind(status.as_str())
            .bind(assignee.as_deref())
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let comment = change
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(body) = comment {
            sqlx::query(
                "INSERT INTO alert_comments (id, alert_id, author, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(new_id())
            .bind(id)
            .bind(actor)
            .bind(body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let after_state = json!({ "status": status, "assignee": assignee, "comment": comment });
        let before_state = json!({ "status": before.status, "assignee": before.assignee });
        append_in(
            &mut tx,
            actor,
            "alert.update",
            &format!("alert:{id}"),
            Some(&before_state),
            Some(&after_state),
        )
        .await?;
        let after = get_in(&mut tx, id, tenant).await?;
        tx.commit().await?;
        Ok(after)
    }
}

impl Db {
    /// A page of the alerts matching `criteria` that the tenant may see, newest
    /// `last_seen` first, and how many match in all.
    pub async fn find_alerts(
        &self,
        criteria: &AlertCriteria,
        limit: i64,
        offset: i64,
        tenant: &Tenant,
    ) -> Result<(Vec<Alert>, i64)> {
        self.page_of(&Where::of(criteria, tenant), limit, offset)
            .await
    }

    /// A page of the alerts `w` selects, newest `last_seen` first, and how many it
    /// selects in all.
    async fn page_of(&self, w: &Where, limit: i64, offset: i64) -> Result<(Vec<Alert>, i64)> {
        let count_sql = format!("SELECT COUNT(*) AS n {FROM_ALERTS}{}", w.sql());
        let total: i64 = w
            .bind(sqlx::query(&count_sql))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let n = w.args.len();
        let page_sql = format!(
            "{SELECT}{} ORDER BY a.last_seen DESC, a.id DESC LIMIT ${} OFFSET ${}",
            w.sql(),
            n + 1,
            n + 2
        );
        let rows = w
            .bind(sqlx::query(&page_sql))
            .bind(limit.clamp(0, 10_000))
            .bind(offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        Ok((rows.iter().map(from_row).collect::<Result<_>>()?, total))
    }

    /// The oldest `limit` alerts opened after `after` (an alert id; `None`: from the
    /// start) that match `criteria` and that the tenant may see, in the order they were
    /// opened: a cursor over new alerts for the console's live queue.
    pub async fn alerts_opened_after(
        &self,
        after: Option<&str>,
        criteria: &AlertCriteria,
        limit: i64,
        tenant: &Tenant,
    ) -> Result<Vec<Alert>> {
        let criteria = AlertCriteria {
            opened_after: after.map(str::to_owned),
            ..criteria.clone()
        };
        let w = Where::of(&criteria, tenant);
        let sql = format!(
            "{SELECT}{} ORDER BY a.id LIMIT ${}",
            w.sql(),
            w.args.len() + 1
        );
        let rows = w
            .bind(sqlx::query(&sql))
            .bind(limit.clamp(0, 10_000))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The id of the alert the tenant may see that was opened last, if any: where a live
    /// queue starts its cursor.
    pub async fn latest_alert_id(&self, tenant: &Tenant) -> Result<Option<String>> {
        let w = Where::of(&AlertCriteria::default(), tenant);
        let sql = format!("SELECT MAX(a.id) AS id {FROM_ALERTS}{}", w.sql());
        let row = w.bind(sqlx::query(&sql)).fetch_one(&self.pool).await?;
        Ok(row.try_get("id")?)
    }

    /// How many alerts matching `criteria` each group holds, largest first (ties by key),
    /// at most `top` groups; one grouped query.
    pub async fn count_alerts_by(
        &self,
        group: AlertGroup,
        criteria: &AlertCriteria,
        top: i64,
        tenant: &Tenant,
    ) -> Result<Vec<AlertCount>> {
        let (key, label, group_by) = group.columns();
        let from = if label.starts_with("g.") {
            FROM
        } else {
            FROM_ALERTS
        };
        let mut w = Where::of(criteria, tenant);
        if group == AlertGroup::System {
            w.clauses.push("a.system IS NOT NULL".to_owned());
        }
        let sql = format!(
            "SELECT {key} AS k, {label} AS label, COUNT(*) AS n {from}{} \
             GROUP BY {group_by} ORDER BY n DESC, k LIMIT ${}",
            w.sql(),
            w.args.len() + 1
        );
        let rows = w
            .bind(sqlx::query(&sql))
            .bind(top.clamp(0, 10_000))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertCount {
                    key: row.try_get("k")?,
                    label: row.try_get("label")?,
                    count: row.try_get("n")?,
                })
            })
            .collect()
    }

    /// Alerts matching `criteria` per level and per `bucket` of their first sighting
    /// (buckets aligned to multiples of `bucket` since the Unix epoch), oldest first;
    /// empty buckets are absent. One grouped query.
    pub async fn count_alerts_over_time(
        &self,
        criteria: &AlertCriteria,
        bucket: Duration,
        tenant: &Tenant,
    ) -> Result<Vec<AlertBucket>> {
        let w = Where::of(criteria, tenant);
        let width = w.args.len() + 1;
        let sql = format!(
            "SELECT (a.first_seen / ${width}) * ${width} AS start, a.level AS level, \
             COUNT(*) AS n {FROM_ALERTS}{} GROUP BY 1, 2 ORDER BY 1, 2",
            w.sql()
        );
        let rows = w
            .bind(sqlx::query(&sql))
            .bind(bucket.num_milliseconds().max(1))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertBucket {
                    start: from_millis(row.try_get("start")?),
                    level: row.try_get::<String, _>("level")?.parse()?,
                    count: row.try_get("n")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_moves_forward_and_reopens() {
        use AlertStatus::*;
        assert!(New.can_become(Acknowledged));
        assert!(Acknowledged.can_become(Closed));
        assert!(!Closed.can_become(New));
        assert!(Closed.can_become(InProgress));
        assert!(!InProgress.can_become(Acknowledged));
        assert!(!New.can_become(New));
    }

    #[test]
    fn dedup_keys_do_not_collide_on_separators() {
        assert_ne!(dedup_key("a|b", "c", "d"), dedup_key("a", "b|c", "d"));
        assert_eq!(dedup_key("r", "a", "h"), dedup_key("r", "a", "h"));
    }

    #[test]
    fn where_numbers_placeholders_in_order() {
        let mut w = Where::default();
        w.push("x = ?", Arg::Int(1));
        w.push("(y = ? OR z = ?)", Arg::Text("v".into()));
        assert_eq!(w.sql(), " WHERE x = $1 AND (y = $2 OR z = $2)");
    }
}
