//! The register as a service: each call checks the domain rules, then stores through
//! [`Db`] (which audits every change). Reads and changes take the caller's [`Tenant`],
//! so an agency officer's call never reaches another agency's system: it is not found.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use vigil_store::db::{
    ControlAssessment, Db, DossierStatus, Finding, FindingUpdate, ImportOutcome, InformationSystem,
    NewFinding, SelfAssessment, Severity, SystemDetails, SystemFilter, Tenant,
};

use crate::catalogue::Catalogue;
use crate::compliance::{score_system, Rollup, SystemScore};
use crate::dossier::check_change;
use crate::findings::{check_update, is_overdue};
use crate::gaps::{monitoring_gaps, MonitoringGap, Observations};
use crate::reason::{joined, Reason};
use crate::spreadsheet::ImportRow;

/// Who the audit log names when Vigil itself stores the shipped catalogue.
const SYSTEM_ACTOR: &str = "system";

/// What can go wrong in a register call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Db(#[from] vigil_store::db::Error),
    /// The change breaks a rule; every reason is listed.
    #[error("{}", joined(.0))]
    Invalid(Vec<Reason>),
    /// Missing, or outside the caller's tenant.
    #[error("{0} not found")]
    NotFound(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn valid(reasons: Vec<Reason>) -> Result<()> {
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(reasons))
    }
}

/// One system's compliance, from its latest self-assessment.
#[derive(Debug, Clone, Serialize)]
pub struct SystemCompliance {
    pub system_id: String,
    pub system: String,
    pub agency: String,
    pub level: u8,
    /// The catalogue version of the assessment scored; `None` when never assessed.
    pub catalogue_version: Option<i64>,
    pub score: Option<SystemScore>,
}

/// Compliance of every system a tenant sees, and its roll-up.
#[derive(Debug, Clone, Serialize)]
pub struct Compliance {
    pub systems: Vec<SystemCompliance>,
    pub rollup: Rollup,
    pub unassessed: usize,
}

/// Inspections of one year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InspectionYear {
    pub planned: usize,
    pub done: usize,
}

/// Open findings and how many are overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FindingCounts {
    pub open: usize,
    pub overdue: usize,
    pub open_by_severity: BTreeMap<Severity, usize>,
}

/// Everything the register dashboard shows.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub systems_total: usize,
    pub systems_by_level: BTreeMap<u8, usize>,
    pub systems_by_dossier_status: BTreeMap<DossierStatus, usize>,
    /// Level → dossier status → systems.
    pub systems_by_level_and_status: BTreeMap<u8, BTreeMap<DossierStatus, usize>>,
    pub compliance: Rollup,
    pub unassessed: usize,
    /// Year → inspections planned in it and done.
    pub inspections: BTreeMap<i32, InspectionYear>,
    pub findings: FindingCounts,
    pub monitoring_gaps: Vec<MonitoringGap>,
}

/// The register over one state database.
#[derive(Debug, Clone)]
pub struct Register {
    db: Db,
}

impl Register {
    pub fn new(db: Db) -> Register {
        Register { db }
    }

    /// Registers a system of `agency_id` (a new dossier starts from draft).
    pub async fn create_system(
        &self,
        agency_id: &str,
        details: &SystemDetails,
        actor: &str,
    ) -> Result<InformationSystem> {
        let mut reasons = check_change(None, details);
        reasons.extend(self.name_taken(agency_id, &details.name, None).await?);
        valid(reasons)?;
        Ok(self.db.create_system(agency_id, details, actor).await?)
    }

    /// Replaces what is recorded about system `id`, if `tenant` sees it and the change
    /// keeps the rules (dossier transitions, decision on approval).
    pub async fn update_system(
        &self,
        tenant: &Tenant,
        id: &str,
        details: &SystemDetails,
        actor: &str,
    ) -> Result<InformationSystem> {
        let before = self.visible_system(tenant, id).await?;
        let mut reasons = check_change(Some(before.details.dossier_status), details);
        reasons.extend(
            self.name_taken(&before.agency_id, &details.name, Some(id))
                .await?,
        );
        valid(reasons)?;
        Ok(self.db.update_system(id, details, actor).await?)
    }

    /// Why `name` cannot be used for a system of `agency_id` (other than `except`): an
    /// agency's systems have distinct names, which attribution and alerts go by.
    async fn name_taken(
        &self,
        agency_id: &str,
        name: &str,
        except: Option<&str>,
    ) -> Result<Option<Reason>> {
        let agency = Tenant::Agency(agency_id.to_owned());
        let systems = self
            .db
            .list_systems(&agency, &SystemFilter::default())
            .await?;
        let taken = systems
            .iter()
            .any(|s| s.details.name == name.trim() && Some(s.id.as_str()) != except);
        Ok(taken.then(|| {
            Reason::new(
                format!("cơ quan đã có hệ thống tên {:?}", name.trim()),
                format!("the agency already has a system named {:?}", name.trim()),
            )
        }))
    }

    /// System `id` if `tenant` sees it.
    pub async fn visible_system(&self, tenant: &Tenant, id: &str) -> Result<InformationSystem> {
        self.db
            .system(tenant, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("system {id}")))
    }

    /// Stores rows an import read and checked (see [`crate::spreadsheet`]), all or none.
    /// A system already registered keeps what the file has no column for
    /// ([`ImportRow::applied_to`]).
    pub async fn import(&self, rows: &[ImportRow], actor: &str) -> Result<ImportOutcome> {
        let stored: HashMap<(String, String), SystemDetails> = self
            .db
            .list_systems(&Tenant::All, &SystemFilter::default())
            .await?
            .into_iter()
            .map(|s| ((s.agency, s.details.name.clone()), s.details))
            .collect();
        let rows: Vec<(String, SystemDetails)> = rows
            .iter()
            .map(|r| {
                let key = (r.agency.trim().to_owned(), r.details.name.trim().to_owned());
                let details = match stored.get(&key) {
                    Some(known) => r.applied_to(known),
                    None => r.details.clone(),
                };
                (r.agency.clone(), details)
            })
            .collect();
        Ok(self.db.import_systems(&rows, actor).await?)
    }

    /// Catalogue `version` (the newest when `None`) and its number. On a database that
    /// has none yet, the shipped catalogue becomes version 1.
    pub async fn catalogue(&self, version: Option<i64>) -> Result<(i64, Catalogue)> {
        let stored = match self.db.catalogue_version(version).await? {
            Some(stored) => stored,
            None if version.is_none() => {
                let builtin = Catalogue::builtin();
                let body = serde_json::to_string(&builtin).expect("a catalogue serialises");
                self.db
                    .add_catalogue_version(&builtin.title, &body, SYSTEM_ACTOR)
                    .await?
            }
            None => return Err(Error::NotFound(format!("catalogue version {version:?}"))),
        };
        let catalogue = serde_json::from_str(&stored.body_json).map_err(|_| {
            vigil_store::db::Error::Corrupt {
                column: "control_catalogues.body_json",
                value: stored.version.to_string(),
            }
        })?;
        Ok((stored.version, catalogue))
    }

    /// Stores `catalogue` as the next version, once it is coherent.
    pub async fn replace_catalogue(
        &self,
        catalogue: Catalogue,
        actor: &str,
    ) -> Result<(i64, Catalogue)> {
        let catalogue = catalogue.checked().map_err(Error::Invalid)?;
        let body = serde_json::to_string(&catalogue).expect("a catalogue serialises");
        let stored = self
            .db
            .add_catalogue_version(&catalogue.title, &body, actor)
            .await?;
        Ok((stored.version, catalogue))
    }

    /// Records a self-assessment of system `system_id` against the newest catalogue:
    /// every answer must name a control of that catalogue, once.
    pub async fn record_assessment(
        &self,
        tenant: &Tenant,
        system_id: &str,
        results: &[ControlAssessment],
        actor: &str,
    ) -> Result<SelfAssessment> {
        self.visible_system(tenant, system_id).await?;
        let (version, catalogue) = self.catalogue(None).await?;
        let mut seen = std::collections::HashSet::new();
        let mut reasons = Vec::new();
        for r in results {
            if catalogue.control(&r.control_id).is_none() {
                reasons.push(Reason::new(
                    format!(
                        "biện pháp {:?} không có trong danh mục phiên bản {version}",
                        r.control_id
                    ),
                    format!(
                        "control {:?} is not in catalogue version {version}",
                        r.control_id
                    ),
                ));
            } else if !seen.insert(r.control_id.as_str()) {
                reasons.push(Reason::new(
                    format!("biện pháp {:?} được đánh giá hai lần", r.control_id),
                    format!("control {:?} is answered twice", r.control_id),
                ));
            }
        }
        valid(reasons)?;
        Ok(self
            .db
            .record_assessment(system_id, version, results, actor)
            .await?)
    }

    /// Records a finding; its system, when named, must belong to its agency.
    pub async fn record_finding(
        &self,
        tenant: &Tenant,
        finding: &NewFinding,
        actor: &str,
    ) -> Result<Finding> {
        if let Some(system_id) = &finding.system_id {
            let system = self.visible_system(tenant, system_id).await?;
            if system.agency_id != finding.agency_id {
                return Err(Error::Invalid(vec![Reason::new(
                    "hệ thống không thuộc cơ quan của phát hiện",
                    "the system does not belong to the finding's agency",
                )]));
            }
        }
        Ok(self.db.create_finding(finding, actor).await?)
    }

    /// Applies a remediation update to finding `id`, within the rules of
    /// [`crate::findings`].
    pub async fn update_finding(
        &self,
        tenant: &Tenant,
        id: &str,
        update: &FindingUpdate,
        actor: &str,
    ) -> Result<Finding> {
        let before = self
            .db
            .finding(tenant, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("finding {id}")))?;
        valid(check_update(&before, update))?;
        Ok(self.db.update_finding(id, update, actor).await?)
    }

    /// Scores every system `tenant` sees from its latest self-assessment.
    pub async fn compliance(&self, tenant: &Tenant) -> Result<Compliance> {
        let systems = self
            .db
            .list_systems(tenant, &SystemFilter::default())
            .await?;
        let latest: BTreeMap<String, SelfAssessment> = self
            .db
            .list_assessments(tenant, None, true)
            .await?
            .into_iter()
            .map(|a| (a.system_id.clone(), a))
            .collect();
        let mut catalogues: BTreeMap<i64, Catalogue> = BTreeMap::new();
        let mut rollup = Rollup::default();
        let mut out = Vec::new();
        for s in &systems {
            let score = match latest.get(&s.id) {
                Some(a) => {
                    let catalogue = match catalogues.entry(a.catalogue_version) {
                        Entry::Occupied(known) => known.into_mut(),
                        Entry::Vacant(slot) => {
                            slot.insert(self.catalogue(Some(a.catalogue_version)).await?.1)
                        }
                    };
                    let score = score_system(catalogue, s.details.level, &a.results);
                    rollup.add(&s.agency, s.details.level, &score);
                    Some(score)
                }
                None => None,
            };
            out.push(SystemCompliance {
                system_id: s.id.clone(),
                system: s.details.name.clone(),
                agency: s.agency.clone(),
                level: s.details.level,
                catalogue_version: latest.get(&s.id).map(|a| a.catalogue_version),
                score,
            });
        }
        Ok(Compliance {
            unassessed: out.iter().filter(|c| c.score.is_none()).count(),
            systems: out,
            rollup,
        })
    }

    /// The dashboard of `tenant` on `today`, with the monitoring gaps against `seen`.
    pub async fn dashboard(
        &self,
        tenant: &Tenant,
        today: NaiveDate,
        seen: &Observations,
    ) -> Result<Dashboard> {
        let systems = self
            .db
            .list_systems(tenant, &SystemFilter::default())
            .await?;
        let mut by_level = BTreeMap::new();
        let mut by_status = BTreeMap::new();
        let mut by_level_and_status: BTreeMap<u8, BTreeMap<DossierStatus, usize>> = BTreeMap::new();
        for s in &systems {
            let (level, status) = (s.details.level, s.details.dossier_status);
            *by_level.entry(level).or_default() += 1;
            *by_status.entry(status).or_default() += 1;
            *by_level_and_status
                .entry(level)
                .or_default()
                .entry(status)
                .or_default() += 1;
        }
        let compliance = self.compliance(tenant).await?;
        let mut inspections: BTreeMap<i32, InspectionYear> = BTreeMap::new();
        for i in self.db.list_inspections(tenant, None).await? {
            let year = inspections
                .entry(i.inspection.planned_date.year())
                .or_default();
            year.planned += 1;
            year.done += usize::from(i.inspection.done_date.is_some());
        }
        let mut findings = FindingCounts::default();
        for f in self.db.list_findings(tenant).await? {
            if f.status.is_open() {
                findings.open += 1;
                *findings
                    .open_by_severity
                    .entry(f.finding.severity)
                    .or_default() += 1;
            }
            findings.overdue += usize::from(is_overdue(&f, today));
        }
        let sources: Vec<_> = self
            .db
            .list_source_addresses()
            .await?
            .into_iter()
            .filter(|s| tenant.agency_id().is_none_or(|a| a == s.agency_id))
            .collect();
        Ok(Dashboard {
            systems_total: systems.len(),
            systems_by_level: by_level,
            systems_by_dossier_status: by_status,
            systems_by_level_and_status: by_level_and_status,
            compliance: compliance.rollup,
            unassessed: compliance.unassessed,
            inspections,
            findings,
            monitoring_gaps: monitoring_gaps(&systems, &sources, seen),
        })
    }
}
