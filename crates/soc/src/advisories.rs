//! Advisories (early warnings): the SOC tells exactly the agencies concerned what to do
//! by when, and follows up until each has acknowledged and reported completion.
//!
//! An advisory is **targeted** ([`Targeting`]) by agency, by security level and by software
//! component (a product name or a CPE 2.3 criterion, with a version range; see
//! [`crate::cpe`]). Each kind of criterion given must hold — "level 3 systems of these
//! agencies running nginx below 1.25.3" — and any value within a kind does. Agencies
//! alone target those agencies whether or not they have registered systems; otherwise the
//! targets are the agencies of the systems matched, each listing its matched systems and
//! components ([`target`]).
//!
//! A draft lists who it would reach (recomputed on every change); issuing it takes the
//! register as it is then and makes it visible to the targeted agencies. Each target
//! acknowledges and later reports completion. A target that has not acknowledged once the
//! due date (a local calendar day in Asia/Ho_Chi_Minh) is over is **escalated**; the state
//! is computed when read ([`Advisory::target_state`]), so it is never stale.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vigil_store::db::{
    new_record_id, Agency, CaseKind, CaseRecord, Db, InformationSystem, Severity, SystemFilter,
    Tenant,
};

use crate::address::component_text;
use crate::case_file::{self, checked, invalid, set_text, CaseDocument};
use crate::cpe::ComponentCriterion;
use crate::reason::Reason;
use crate::register::{Error, Result};
use crate::reporting::LOCAL_ZONE;

/// Where an advisory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdvisoryStatus {
    Draft,
    Issued,
}

impl AdvisoryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AdvisoryStatus::Draft => "draft",
            AdvisoryStatus::Issued => "issued",
        }
    }
}

/// Where one targeted agency is with an advisory, as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    Pending,
    Acknowledged,
    Completed,
    /// Not acknowledged and past the due date.
    Escalated,
}

/// Who an advisory is for; see the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targeting {
    #[serde(default)]
    pub agency_ids: Vec<String>,
    #[serde(default)]
    pub levels: Vec<u8>,
    #[serde(default)]
    pub components: Vec<ComponentCriterion>,
}

impl Targeting {
    /// Why the targeting cannot be used, if it cannot.
    pub fn check(&self) -> Vec<Reason> {
        let mut reasons = Vec::new();
        if self.agency_ids.is_empty() && self.levels.is_empty() && self.components.is_empty() {
            reasons.push(Reason::new(
                "cần chọn đối tượng: cơ quan, cấp độ hoặc thành phần phần mềm",
                "choose a target: agencies, levels or software components",
            ));
        }
        if self.levels.iter().any(|l| !(1..=5).contains(l)) {
            reasons.push(Reason::new("cấp độ phải từ 1 đến 5", "levels are 1 to 5"));
        }
        if self.components.iter().any(|c| !c.is_valid()) {
            reasons.push(Reason::new(
                "thành phần cần tên sản phẩm hoặc tên CPE 2.3 hợp lệ",
                "a component needs a product name or a valid CPE 2.3 name",
            ));
        }
        reasons
    }
}

/// A system an advisory reaches, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedSystem {
    pub id: String,
    pub name: String,
    pub level: u8,
    /// The components that matched (empty when targeted by agency or level alone).
    pub components: Vec<String>,
}

/// One agency an advisory reaches, and its answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryTarget {
    pub agency_id: String,
    pub agency: String,
    pub systems: Vec<MatchedSystem>,
    #[serde(default)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub acknowledged_by: Option<String>,
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub completed_by: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// An advisory as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub description: String,
    /// What the agencies must do.
    pub guidance: String,
    /// The last local day to act on it.
    pub due_date: NaiveDate,
    pub status: AdvisoryStatus,
    pub targeting: Targeting,
    pub targets: Vec<AdvisoryTarget>,
    /// CVE ids it is about, if any.
    pub cves: Vec<String>,
    /// `manual`, `kev` or `nvd`.
    pub source: String,
    pub references: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub issued_at: Option<DateTime<Utc>>,
    pub issued_by: Option<String>,
}

/// What creating an advisory needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAdvisory {
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub description: String,
    pub guidance: String,
    pub due_date: NaiveDate,
    pub targeting: Targeting,
    #[serde(default)]
    pub cves: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
}

/// A change to an advisory; absent fields keep their value. Targeting changes only while
/// it is a draft.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryUpdate {
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub description: Option<String>,
    pub guidance: Option<String>,
    pub due_date: Option<NaiveDate>,
    pub targeting: Option<Targeting>,
}

/// The local calendar day of `now` in the province.
pub fn local_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&LOCAL_ZONE).date_naive()
}

/// Days an agency gets to act on an advisory of `severity` when nobody says otherwise.
pub fn default_days_to_act(severity: Severity) -> i64 {
    match severity {
        Severity::Critical => 7,
        Severity::High => 14,
        Severity::Medium => 30,
        Severity::Low => 60,
    }
}

/// The agencies and systems `targeting` reaches among `systems` (of `agencies`), by
/// agency name then system name; an empty targeting reaches nobody.
pub fn target(
    targeting: &Targeting,
    agencies: &[Agency],
    systems: &[InformationSystem],
) -> Vec<AdvisoryTarget> {
    let names: BTreeMap<&str, &str> = agencies
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let by_agency_only = targeting.levels.is_empty() && targeting.components.is_empty();
    if by_agency_only && targeting.agency_ids.is_empty() {
        return Vec::new();
    }
    let mut targets: BTreeMap<String, AdvisoryTarget> = BTreeMap::new();
    if by_agency_only {
        for id in &targeting.agency_ids {
            if let Some(name) = names.get(id.as_str()) {
                targets
                    .entry(id.clone())
                    .or_insert_with(|| empty_target(id, name));
            }
        }
    }
    for system in systems {
        if !targeting.agency_ids.is_empty() && !targeting.agency_ids.contains(&system.agency_id) {
            continue;
        }
        if !targeting.levels.is_empty() && !targeting.levels.contains(&system.details.level) {
            continue;
        }
        let matched: Vec<String> = system
            .details
            .components
            .iter()
            .filter(|c| {
                targeting
                    .components
                    .iter()
                    .any(|criterion| criterion.matches(c))
            })
            .map(component_text)
            .collect();
        if !targeting.components.is_empty() && matched.is_empty() {
            continue;
        }
        targets
            .entry(system.agency_id.clone())
            .or_insert_with(|| empty_target(&system.agency_id, &system.agency))
            .systems
            .push(MatchedSystem {
                id: system.id.clone(),
                name: system.details.name.clone(),
                level: system.details.level,
                components: matched,
            });
    }
    let mut out: Vec<AdvisoryTarget> = targets.into_values().collect();
    out.sort_by(|a, b| a.agency.cmp(&b.agency));
    for t in &mut out {
        t.systems.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

fn empty_target(agency_id: &str, agency: &str) -> AdvisoryTarget {
    AdvisoryTarget {
        agency_id: agency_id.to_owned(),
        agency: agency.to_owned(),
        systems: Vec::new(),
        acknowledged_at: None,
        acknowledged_by: None,
        completed_at: None,
        completed_by: None,
        note: None,
    }
}

impl CaseDocument for Advisory {
    const KIND: CaseKind = CaseKind::Advisory;

    fn to_record(&self) -> CaseRecord {
        let visible_to = match self.status {
            AdvisoryStatus::Draft => Vec::new(),
            AdvisoryStatus::Issued => self.targets.iter().map(|t| t.agency_id.clone()).collect(),
        };
        CaseRecord {
            id: self.id.clone(),
            title: self.title.clone(),
            status: self.status.as_str().to_owned(),
            severity: self.severity.as_str().to_owned(),
            opened_at: self.created_at,
            updated_at: Utc::now(),
            agency_ids: visible_to,
            body: json!(self),
        }
    }
}

impl Advisory {
    /// Where `target` is on local day `today`.
    pub fn target_state(&self, target: &AdvisoryTarget, today: NaiveDate) -> TargetState {
        if target.completed_at.is_some() {
            TargetState::Completed
        } else if target.acknowledged_at.is_some() {
            TargetState::Acknowledged
        } else if self.status == AdvisoryStatus::Issued && today > self.due_date {
            TargetState::Escalated
        } else {
            TargetState::Pending
        }
    }

    /// The targets escalated on local day `today`.
    pub fn escalated<'a>(
        &'a self,
        today: NaiveDate,
    ) -> impl Iterator<Item = &'a AdvisoryTarget> + 'a {
        self.targets
            .iter()
            .filter(move |t| self.target_state(t, today) == TargetState::Escalated)
    }
}

/// The advisories of one state database.
#[derive(Debug, Clone)]
pub struct Advisories {
    db: Db,
}

/// What a draft from a vulnerability feed needs besides its targeting.
#[derive(Debug, Clone)]
pub struct DraftFromFeed<'a> {
    pub source: &'a str,
    pub cve: &'a str,
    pub title: String,
    pub severity: Severity,
    pub description: String,
    pub guidance: String,
    pub references: Vec<String>,
    pub targeting: Targeting,
}

impl Advisories {
    pub fn new(db: Db) -> Advisories {
        Advisories { db }
    }

    /// Who `targeting` reaches in the register now.
    pub async fn preview(&self, targeting: &Targeting) -> Result<Vec<AdvisoryTarget>> {
        checked(targeting.check())?;
        let agencies = self.db.list_agencies().await?;
        let systems = self
            .db
            .list_systems(&Tenant::All, &SystemFilter::default())
            .await?;
        Ok(target(targeting, &agencies, &systems))
    }

    /// Stores a draft.
    pub async fn create(&self, new: &NewAdvisory, actor: &str) -> Result<Advisory> {
        self.create_draft(new, "manual", actor).await
    }

    async fn create_draft(&self, new: &NewAdvisory, source: &str, actor: &str) -> Result<Advisory> {
        let mut reasons = new.targeting.check();
        if new.title.trim().is_empty() || new.guidance.trim().is_empty() {
            reasons.push(Reason::new(
                "cần tiêu đề và hướng dẫn xử lý",
                "a title and guidance are required",
            ));
        }
        checked(reasons)?;
        let advisory = Advisory {
            id: new_record_id(),
            title: new.title.trim().to_owned(),
            severity: new.severity,
            description: new.description.trim().to_owned(),
            guidance: new.guidance.trim().to_owned(),
            due_date: new.due_date,
            status: AdvisoryStatus::Draft,
            targets: self.preview(&new.targeting).await?,
            targeting: new.targeting.clone(),
            cves: new.cves.clone(),
            source: source.to_owned(),
            references: new.references.clone(),
            created_at: Utc::now(),
            created_by: actor.to_owned(),
            issued_at: None,
            issued_by: None,
        };
        case_file::insert(&self.db, &advisory, actor, "advisory.create").await?;
        Ok(advisory)
    }

    /// A draft from a vulnerability feed entry, due per [`default_days_to_act`], and
    /// `true`; or, when an advisory about the same CVE exists already, that one and
    /// `false`.
    pub async fn draft_from_feed(
        &self,
        draft: DraftFromFeed<'_>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<(Advisory, bool)> {
        if let Some(known) = self
            .list(&Tenant::All)
            .await?
            .into_iter()
            .find(|a| a.cves.iter().any(|c| c == draft.cve))
        {
            return Ok((known, false));
        }
        let new = NewAdvisory {
            title: draft.title,
            severity: draft.severity,
            description: draft.description,
            guidance: draft.guidance,
            due_date: local_today(now) + TimeDelta::days(default_days_to_act(draft.severity)),
            targeting: draft.targeting,
            cves: vec![draft.cve.to_owned()],
            references: draft.references,
        };
        Ok((self.create_draft(&new, draft.source, actor).await?, true))
    }

    /// Advisory `id` if `tenant` sees it (agencies see only advisories issued to them).
    pub async fn get(&self, tenant: &Tenant, id: &str) -> Result<Advisory> {
        case_file::get(&self.db, tenant, id).await
    }

    /// Every advisory `tenant` sees, newest first.
    pub async fn list(&self, tenant: &Tenant) -> Result<Vec<Advisory>> {
        case_file::list(&self.db, tenant).await
    }

    async fn change(
        &self,
        tenant: &Tenant,
        id: &str,
        actor: &str,
        action: &str,
        change: impl FnOnce(&mut Advisory) -> Result<()>,
    ) -> Result<Advisory> {
        case_file::change(&self.db, tenant, id, actor, action, change).await
    }

    /// Changes advisory `id`.
    pub async fn update(&self, id: &str, update: &AdvisoryUpdate, actor: &str) -> Result<Advisory> {
        let targets = match &update.targeting {
            Some(targeting) => Some(self.preview(targeting).await?),
            None => None,
        };
        self.change(&Tenant::All, id, actor, "advisory.update", |advisory| {
            set_text(&mut advisory.title, update.title.as_deref());
            set_text(&mut advisory.guidance, update.guidance.as_deref());
            if let Some(description) = &update.description {
                advisory.description = description.trim().to_owned();
            }
            advisory.severity = update.severity.unwrap_or(advisory.severity);
            advisory.due_date = update.due_date.unwrap_or(advisory.due_date);
            if let (Some(targeting), Some(targets)) = (&update.targeting, targets) {
                if advisory.status != AdvisoryStatus::Draft {
                    return Err(invalid(
                        "cảnh báo đã ban hành: không đổi được đối tượng",
                        "the advisory is issued: its targets cannot change",
                    ));
                }
                advisory.targeting = targeting.clone();
                advisory.targets = targets;
            }
            Ok(())
        })
        .await
    }

    /// Issues draft `id` to the agencies its targeting reaches in the register now.
    pub async fn issue(&self, id: &str, actor: &str) -> Result<Advisory> {
        let draft = self.get(&Tenant::All, id).await?;
        let targets = self.preview(&draft.targeting).await?;
        self.change(&Tenant::All, id, actor, "advisory.issue", |advisory| {
            if advisory.status != AdvisoryStatus::Draft {
                return Err(invalid(
                    "cảnh báo đã được ban hành",
                    "the advisory is already issued",
                ));
            }
            if targets.is_empty() {
                return Err(invalid(
                    "không có cơ quan nào thuộc đối tượng của cảnh báo",
                    "the advisory reaches no agency",
                ));
            }
            advisory.targets = targets;
            advisory.status = AdvisoryStatus::Issued;
            advisory.issued_at = Some(Utc::now());
            advisory.issued_by = Some(actor.to_owned());
            Ok(())
        })
        .await
    }

    /// Deletes draft `id`.
    pub async fn delete_draft(&self, id: &str, actor: &str) -> Result<()> {
        if self.get(&Tenant::All, id).await?.status != AdvisoryStatus::Draft {
            return Err(invalid(
                "chỉ xoá được bản nháp",
                "only a draft can be deleted",
            ));
        }
        Ok(self
            .db
            .delete_case_record(
                CaseKind::Advisory,
                &Tenant::All,
                id,
                actor,
                "advisory.delete",
            )
            .await?)
    }

    /// Records that `agency_id` acknowledged advisory `id`.
    pub async fn acknowledge(
        &self,
        tenant: &Tenant,
        id: &str,
        agency_id: &str,
        actor: &str,
    ) -> Result<Advisory> {
        self.answer(
            tenant,
            id,
            agency_id,
            actor,
            "advisory.acknowledge",
            |_, _| {},
        )
        .await
    }

    /// Records that `agency_id` completed what advisory `id` asks (acknowledging it too).
    pub async fn complete(
        &self,
        tenant: &Tenant,
        id: &str,
        agency_id: &str,
        note: Option<&str>,
        actor: &str,
    ) -> Result<Advisory> {
        self.answer(
            tenant,
            id,
            agency_id,
            actor,
            "advisory.complete",
            |target, now| {
                target.completed_at = Some(now);
                target.completed_by = Some(actor.to_owned());
                target.note = note
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned);
            },
        )
        .await
    }

    /// Acknowledges for `agency_id` (unless it has), then applies `record`.
    async fn answer(
        &self,
        tenant: &Tenant,
        id: &str,
        agency_id: &str,
        actor: &str,
        action: &str,
        record: impl FnOnce(&mut AdvisoryTarget, DateTime<Utc>),
    ) -> Result<Advisory> {
        if tenant.agency_id().is_some_and(|own| own != agency_id) {
            return Err(Error::NotFound(format!(
                "agency {agency_id} in advisory {id}"
            )));
        }
        self.change(tenant, id, actor, action, |advisory| {
            if advisory.status != AdvisoryStatus::Issued {
                return Err(invalid(
                    "cảnh báo chưa được ban hành",
                    "the advisory is not issued",
                ));
            }
            let target = advisory
                .targets
                .iter_mut()
                .find(|t| t.agency_id == agency_id)
                .ok_or_else(|| Error::NotFound(format!("agency {agency_id} in advisory {id}")))?;
            let now = Utc::now();
            if target.acknowledged_at.is_none() {
                target.acknowledged_at = Some(now);
                target.acknowledged_by = Some(actor.to_owned());
            }
            record(target, now);
            Ok(())
        })
        .await
    }

    /// Every issued advisory with a target escalated on the local day of `now`, with
    /// those targets: the housekeeping view that notifications and reports use.
    pub async fn escalations(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Advisory, Vec<AdvisoryTarget>)>> {
        let today = local_today(now);
        Ok(self
            .list(&Tenant::All)
            .await?
            .into_iter()
            .filter_map(|a| {
                let escalated: Vec<AdvisoryTarget> = a.escalated(today).cloned().collect();
                (!escalated.is_empty()).then_some((a, escalated))
            })
            .collect())
    }
}
