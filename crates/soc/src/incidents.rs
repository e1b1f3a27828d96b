//! Incidents: what happened, to which agencies and information systems, what is being
//! done about it, and what must be reported to whom by when ([`crate::reporting`]).
//!
//! An incident is opened from one or more alerts or by hand and moves through
//! `new → triage → contained → eradicated → recovered → closed`. It may skip ahead, never
//! back — except that a closed incident can be reopened (to triage, with a reason). It
//! cannot close without a resolution or while a task is still open. Every change adds a
//! timeline entry and, being stored through [`Db::update_case_record`], an audit record.
//!
//! Evidence files are kept by [`crate::file_store`]; the incident records their name,
//! hash, size, uploader and time.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vigil_store::db::{
    new_record_id, CaseKind, CaseRecord, Db, InformationSystem, Severity, SystemFilter, Tenant,
};

use crate::case_file::{self, checked, invalid, set_text, CaseDocument};
use crate::reason::Reason;
use crate::register::{Error, Result};
use crate::reporting::{duties, DutyKind, ReportingDuty, ReportingPolicy, SentReport};

/// Where an incident is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    New,
    Triage,
    Contained,
    Eradicated,
    Recovered,
    Closed,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 6] = [
        IncidentStatus::New,
        IncidentStatus::Triage,
        IncidentStatus::Contained,
        IncidentStatus::Eradicated,
        IncidentStatus::Recovered,
        IncidentStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Triage => "triage",
            IncidentStatus::Contained => "contained",
            IncidentStatus::Eradicated => "eradicated",
            IncidentStatus::Recovered => "recovered",
            IncidentStatus::Closed => "closed",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            IncidentStatus::New => "Mới tiếp nhận",
            IncidentStatus::Triage => "Đang phân loại, đánh giá",
            IncidentStatus::Contained => "Đã ngăn chặn",
            IncidentStatus::Eradicated => "Đã loại bỏ nguyên nhân",
            IncidentStatus::Recovered => "Đã khôi phục",
            IncidentStatus::Closed => "Đã kết thúc",
        }
    }
}

/// What kind of incident: the categories of the national statistics (phishing, deface,
/// malware, botnet) and the other kinds a provincial SOC handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentClass {
    Phishing,
    Deface,
    Malware,
    Ransomware,
    Botnet,
    Ddos,
    Intrusion,
    DataLeak,
    Other,
}

impl IncidentClass {
    pub fn label_vi(self) -> &'static str {
        match self {
            IncidentClass::Phishing => "Lừa đảo (phishing)",
            IncidentClass::Deface => "Thay đổi giao diện (deface)",
            IncidentClass::Malware => "Mã độc",
            IncidentClass::Ransomware => "Mã độc tống tiền (ransomware)",
            IncidentClass::Botnet => "Mạng máy tính ma (botnet)",
            IncidentClass::Ddos => "Tấn công từ chối dịch vụ (DDoS)",
            IncidentClass::Intrusion => "Xâm nhập trái phép",
            IncidentClass::DataLeak => "Lộ, lọt dữ liệu",
            IncidentClass::Other => "Khác",
        }
    }
}

/// An agency an incident involves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyRef {
    pub id: String,
    pub name: String,
}

/// A registered system an incident affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemRef {
    pub id: String,
    pub name: String,
    pub agency_id: String,
    pub level: u8,
}

/// Who reported the incident (the forms' contact block).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// One line of the incident's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `created`, `transition`, `reopen`, `update`, `note`, `task`, `evidence`, `search`,
    /// `report_sent`.
    pub action: String,
    pub text: String,
}

/// A piece of work with an owner and a due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub due: Option<NaiveDate>,
    pub done: bool,
    pub created_at: DateTime<Utc>,
}

/// A file kept as evidence; its content is in the file store under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub id: String,
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// An event search linked to the incident (the query language of the event store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSearch {
    pub name: String,
    pub query: String,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub description: String,
    pub class: IncidentClass,
    pub severity: Severity,
    pub status: IncidentStatus,
    /// Personal data was (or may have been) breached: a second reporting channel.
    pub personal_data_breach: bool,
    /// Signs of infringing national security or social order: report immediately.
    pub national_security: bool,
    pub agencies: Vec<AgencyRef>,
    pub systems: Vec<SystemRef>,
    pub alert_ids: Vec<String>,
    pub reporter: Reporter,
    pub detection_method: Option<String>,
    /// When the incident was discovered: the reporting clocks start here.
    pub detected_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub reopened: u32,
    pub tasks: Vec<Task>,
    pub timeline: Vec<TimelineEntry>,
    pub evidence: Vec<EvidenceFile>,
    pub searches: Vec<SavedSearch>,
    pub reports_sent: Vec<SentReport>,
}

/// What opening an incident needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub class: Option<IncidentClass>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub personal_data_breach: bool,
    #[serde(default)]
    pub national_security: bool,
    /// Alerts the incident comes from: their agencies and systems are added.
    #[serde(default)]
    pub alert_ids: Vec<String>,
    #[serde(default)]
    pub system_ids: Vec<String>,
    /// Agencies involved beyond those of the systems and alerts (ids).
    #[serde(default)]
    pub agency_ids: Vec<String>,
    #[serde(default)]
    pub reporter: Reporter,
    #[serde(default)]
    pub detection_method: Option<String>,
    /// Default: the first alert's first sighting, else now.
    #[serde(default)]
    pub detected_at: Option<DateTime<Utc>>,
}

/// A change to what is recorded about an incident; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentUpdate {
    pub title: Option<String>,
    pub description: Option<String>,
    pub class: Option<IncidentClass>,
    pub severity: Option<Severity>,
    pub personal_data_breach: Option<bool>,
    pub national_security: Option<bool>,
    pub system_ids: Option<Vec<String>>,
    pub agency_ids: Option<Vec<String>>,
    pub reporter: Option<Reporter>,
    pub detection_method: Option<String>,
    pub detected_at: Option<DateTime<Utc>>,
}

/// A change of a task; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    pub title: Option<String>,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub done: Option<bool>,
}

/// Why moving `incident` to `to` is refused, if it is. `resolution` is what the move
/// would record.
pub fn check_transition(
    incident: &Incident,
    to: IncidentStatus,
    resolution: Option<&str>,
) -> Vec<Reason> {
    let from = incident.status;
    let mut reasons = Vec::new();
    if from == IncidentStatus::Closed {
        reasons.push(Reason::new(
            "sự cố đã kết thúc; hãy mở lại trước",
            "the incident is closed; reopen it first",
        ));
        return reasons;
    }
    if to <= from {
        reasons.push(Reason::new(
            format!("không thể chuyển từ {} về {}", from.as_str(), to.as_str()),
            format!("cannot move from {} back to {}", from.as_str(), to.as_str()),
        ));
    }
    if to == IncidentStatus::Closed {
        let resolution = resolution.or(incident.resolution.as_deref());
        if resolution.is_none_or(|r| r.trim().is_empty()) {
            reasons.push(Reason::new(
                "cần ghi kết quả xử lý trước khi kết thúc sự cố",
                "a resolution is required to close the incident",
            ));
        }
        let open = incident.tasks.iter().filter(|t| !t.done).count();
        if open > 0 {
            reasons.push(Reason::new(
                format!("còn {open} nhiệm vụ chưa hoàn thành"),
                format!("{open} tasks are still open"),
            ));
        }
    }
    reasons
}

/// Whether `task` is past its due date on `today` and not done.
pub fn task_overdue(task: &Task, today: NaiveDate) -> bool {
    !task.done && task.due.is_some_and(|due| due < today)
}

impl CaseDocument for Incident {
    const KIND: CaseKind = CaseKind::Incident;

    fn to_record(&self) -> CaseRecord {
        CaseRecord {
            id: self.id.clone(),
            title: self.title.clone(),
            status: self.status.as_str().to_owned(),
            severity: self.severity.as_str().to_owned(),
            opened_at: self.opened_at,
            updated_at: Utc::now(),
            agency_ids: self.agencies.iter().map(|a| a.id.clone()).collect(),
            body: json!(self),
        }
    }
}

impl Incident {
    fn note(&mut self, actor: &str, action: &str, text: String) {
        self.timeline.push(TimelineEntry {
            at: Utc::now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            text,
        });
    }
}

/// The incidents of one state database.
#[derive(Debug, Clone)]
pub struct Incidents {
    db: Db,
    policy: ReportingPolicy,
}

impl Incidents {
    pub fn new(db: Db) -> Incidents {
        Incidents::with_policy(db, ReportingPolicy::default())
    }

    pub fn with_policy(db: Db, policy: ReportingPolicy) -> Incidents {
        Incidents { db, policy }
    }

    pub fn policy(&self) -> &ReportingPolicy {
        &self.policy
    }

    /// The reporting clocks of `incident` as of `now`.
    pub fn duties(&self, incident: &Incident, now: DateTime<Utc>) -> Vec<ReportingDuty> {
        duties(incident, &self.policy, now)
    }

    /// Systems (with their agencies) and the agencies named, from the register.
    async fn resolve_scope(
        &self,
        system_ids: &[String],
        agency_ids: &[String],
    ) -> Result<(Vec<SystemRef>, BTreeMap<String, String>)> {
        let mut agencies = BTreeMap::new();
        let mut systems = Vec::new();
        for id in system_ids.iter().collect::<BTreeSet<_>>() {
            let system = self.db.system(&Tenant::All, id).await?.ok_or_else(|| {
                invalid(format!("không có hệ thống {id}"), format!("no system {id}"))
            })?;
            agencies.insert(system.agency_id.clone(), system.agency.clone());
            systems.push(system_ref(&system));
        }
        for id in agency_ids {
            let agency = self.db.agency(id).await?.ok_or_else(|| {
                invalid(format!("không có cơ quan {id}"), format!("no agency {id}"))
            })?;
            agencies.insert(agency.id, agency.name);
        }
        Ok((systems, agencies))
    }

    /// Opens an incident. Its agencies are those of its alerts and systems and those
    /// named; a system an alert is attributed to (by agency and name) is added.
    pub async fn create(&self, new: &NewIncident, actor: &str) -> Result<Incident> {
        let title = new.title.trim();
        if title.is_empty() {
            return Err(invalid("cần tiêu đề sự cố", "the incident needs a title"));
        }
        let mut system_ids = new.system_ids.clone();
        let mut agency_ids = new.agency_ids.clone();
        let mut first_seen: Option<DateTime<Utc>> = None;
        for alert_id in &new.alert_ids {
            let alert = self
                .db
                .get_alert(alert_id, &Tenant::All)
                .await?
                .ok_or_else(|| {
                    invalid(
                        format!("không có cảnh báo {alert_id}"),
                        format!("no alert {alert_id}"),
                    )
                })?;
            first_seen = Some(first_seen.map_or(alert.first_seen, |t| t.min(alert.first_seen)));
            if let Some(system) = &alert.system {
                let filter = SystemFilter {
                    agency_id: Some(alert.agency_id.clone()),
                    ..SystemFilter::default()
                };
                let registered = self.db.list_systems(&Tenant::All, &filter).await?;
                system_ids.extend(
                    registered
                        .into_iter()
                        .filter(|s| &s.details.name == system)
                        .map(|s| s.id),
                );
            }
            agency_ids.push(alert.agency_id);
        }
        let (systems, agencies) = self.resolve_scope(&system_ids, &agency_ids).await?;
        if agencies.is_empty() {
            return Err(invalid(
                "sự cố phải liên quan ít nhất một cơ quan (qua cảnh báo, hệ thống hoặc chỉ định)",
                "the incident must involve at least one agency (by alert, system or name)",
            ));
        }
        let now = Utc::now();
        let mut incident = Incident {
            id: new_record_id(),
            title: title.to_owned(),
            description: new.description.trim().to_owned(),
            class: new.class.unwrap_or(IncidentClass::Other),
            severity: new.severity.unwrap_or(Severity::Medium),
            status: IncidentStatus::New,
            personal_data_breach: new.personal_data_breach,
            national_security: new.national_security,
            agencies: agencies
                .into_iter()
                .map(|(id, name)| AgencyRef { id, name })
                .collect(),
            systems,
            alert_ids: new.alert_ids.clone(),
            reporter: new.reporter.clone(),
            detection_method: new.detection_method.clone(),
            detected_at: new.detected_at.or(first_seen).unwrap_or(now),
            opened_at: now,
            closed_at: None,
            resolution: None,
            reopened: 0,
            tasks: Vec::new(),
            timeline: Vec::new(),
            evidence: Vec::new(),
            searches: Vec::new(),
            reports_sent: Vec::new(),
        };
        let origin = if new.alert_ids.is_empty() {
            "mở thủ công".to_owned()
        } else {
            format!("mở từ {} cảnh báo", new.alert_ids.len())
        };
        incident.note(actor, "created", format!("Sự cố được tạo ({origin})"));
        case_file::insert(&self.db, &incident, actor, "incident.create").await?;
        Ok(incident)
    }

    /// Incident `id` if `tenant` sees it.
    pub async fn get(&self, tenant: &Tenant, id: &str) -> Result<Incident> {
        case_file::get(&self.db, tenant, id).await
    }

    /// Every incident `tenant` sees, newest first.
    pub async fn list(&self, tenant: &Tenant) -> Result<Vec<Incident>> {
        case_file::list(&self.db, tenant).await
    }

    /// The registered systems incident `incident` affects, as the register has them now.
    pub async fn systems_of(&self, incident: &Incident) -> Result<Vec<InformationSystem>> {
        let mut out = Vec::new();
        for s in &incident.systems {
            out.extend(self.db.system(&Tenant::All, &s.id).await?);
        }
        Ok(out)
    }

    /// Applies `change` to incident `id` in one audited write.
    async fn change(
        &self,
        tenant: &Tenant,
        id: &str,
        actor: &str,
        action: &str,
        change: impl FnOnce(&mut Incident) -> Result<()>,
    ) -> Result<Incident> {
        case_file::change(&self.db, tenant, id, actor, action, change).await
    }

    /// Changes what is recorded about incident `id`.
    pub async fn update(
        &self,
        tenant: &Tenant,
        id: &str,
        update: &IncidentUpdate,
        actor: &str,
    ) -> Result<Incident> {
        let scope = match (&update.system_ids, &update.agency_ids) {
            (None, None) => None,
            (systems, agencies) => {
                let before = self.get(tenant, id).await?;
                let systems = systems
                    .clone()
                    .unwrap_or_else(|| before.systems.iter().map(|s| s.id.clone()).collect());
                let agencies = agencies
                    .clone()
                    .unwrap_or_else(|| before.agencies.iter().map(|a| a.id.clone()).collect());
                Some(self.resolve_scope(&systems, &agencies).await?)
            }
        };
        self.change(tenant, id, actor, "incident.update", |incident| {
            let mut changed = Vec::new();
            if let Some(title) = update.title.as_deref().map(str::trim) {
                if title.is_empty() {
                    return Err(invalid("cần tiêu đề sự cố", "the incident needs a title"));
                }
                incident.title = title.to_owned();
                changed.push("tiêu đề");
            }
            if let Some(description) = &update.description {
                incident.description = description.trim().to_owned();
                changed.push("mô tả");
            }
            if let Some(class) = update.class {
                incident.class = class;
                changed.push("phân loại");
            }
            if let Some(severity) = update.severity {
                incident.severity = severity;
                changed.push("mức độ");
            }
            if let Some(flag) = update.personal_data_breach {
                incident.personal_data_breach = flag;
                changed.push("dữ liệu cá nhân");
            }
            if let Some(flag) = update.national_security {
                incident.national_security = flag;
                changed.push("an ninh quốc gia");
            }
            if let Some(reporter) = &update.reporter {
                incident.reporter = reporter.clone();
                changed.push("người báo cáo");
            }
            if let Some(method) = &update.detection_method {
                incident.detection_method =
                    Some(method.trim().to_owned()).filter(|m| !m.is_empty());
                changed.push("cách phát hiện");
            }
            if let Some(at) = update.detected_at {
                incident.detected_at = at;
                changed.push("thời điểm phát hiện");
            }
            if let Some((systems, agencies)) = scope {
                if agencies.is_empty() {
                    return Err(invalid(
                        "sự cố phải liên quan ít nhất một cơ quan",
                        "the incident must involve at least one agency",
                    ));
                }
                incident.systems = systems;
                incident.agencies = agencies
                    .into_iter()
                    .map(|(id, name)| AgencyRef { id, name })
                    .collect();
                changed.push("phạm vi ảnh hưởng");
            }
            incident.note(actor, "update", format!("Cập nhật: {}", changed.join(", ")));
            Ok(())
        })
        .await
    }

    /// Moves incident `id` to `to`; closing records `resolution` (required if none is
    /// recorded yet).
    pub async fn transition(
        &self,
        tenant: &Tenant,
        id: &str,
        to: IncidentStatus,
        resolution: Option<&str>,
        actor: &str,
    ) -> Result<Incident> {
        self.change(tenant, id, actor, "incident.transition", |incident| {
            checked(check_transition(incident, to, resolution))?;
            let from = incident.status;
            incident.status = to;
            if to == IncidentStatus::Closed {
                incident.closed_at = Some(Utc::now());
                if let Some(r) = resolution.map(str::trim).filter(|r| !r.is_empty()) {
                    incident.resolution = Some(r.to_owned());
                }
            }
            let mut text = format!("{} → {}", from.label_vi(), to.label_vi());
            if let Some(r) = incident
                .resolution
                .as_deref()
                .filter(|_| to == IncidentStatus::Closed)
            {
                text.push_str(&format!(" — kết quả: {r}"));
            }
            incident.note(actor, "transition", text);
            Ok(())
        })
        .await
    }

    /// Reopens closed incident `id` (back to triage) for `reason`.
    pub async fn reopen(
        &self,
        tenant: &Tenant,
        id: &str,
        reason: &str,
        actor: &str,
    ) -> Result<Incident> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(invalid(
                "cần lý do mở lại",
                "a reason to reopen is required",
            ));
        }
        self.change(tenant, id, actor, "incident.reopen", |incident| {
            if incident.status != IncidentStatus::Closed {
                return Err(invalid(
                    "chỉ mở lại được sự cố đã kết thúc",
                    "only a closed incident can be reopened",
                ));
            }
            incident.status = IncidentStatus::Triage;
            incident.closed_at = None;
            incident.resolution = None;
            incident.reopened += 1;
            incident.note(actor, "reopen", format!("Mở lại: {reason}"));
            Ok(())
        })
        .await
    }

    /// Adds a note to the timeline.
    pub async fn add_note(
        &self,
        tenant: &Tenant,
        id: &str,
        text: &str,
        actor: &str,
    ) -> Result<Incident> {
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid("ghi chú trống", "the note is empty"));
        }
        self.change(tenant, id, actor, "incident.note", |incident| {
            incident.note(actor, "note", text.to_owned());
            Ok(())
        })
        .await
    }

    /// Adds a task.
    pub async fn add_task(
        &self,
        tenant: &Tenant,
        id: &str,
        title: &str,
        owner: &str,
        due: Option<NaiveDate>,
        actor: &str,
    ) -> Result<Incident> {
        let (title, owner) = (title.trim(), owner.trim());
        if title.is_empty() || owner.is_empty() {
            return Err(invalid(
                "nhiệm vụ cần tên và người phụ trách",
                "a task needs a title and an owner",
            ));
        }
        self.change(tenant, id, actor, "incident.task", |incident| {
            incident.tasks.push(Task {
                id: new_record_id(),
                title: title.to_owned(),
                owner: owner.to_owned(),
                due,
                done: false,
                created_at: Utc::now(),
            });
            incident.note(
                actor,
                "task",
                format!("Giao nhiệm vụ \"{title}\" cho {owner}"),
            );
            Ok(())
        })
        .await
    }

    /// Changes task `task_id` of incident `id`.
    pub async fn update_task(
        &self,
        tenant: &Tenant,
        id: &str,
        task_id: &str,
        update: &TaskUpdate,
        actor: &str,
    ) -> Result<Incident> {
        self.change(tenant, id, actor, "incident.task", |incident| {
            let task = incident
                .tasks
                .iter_mut()
                .find(|t| t.id == task_id)
                .ok_or_else(|| Error::NotFound(format!("task {task_id}")))?;
            set_text(&mut task.title, update.title.as_deref());
            set_text(&mut task.owner, update.owner.as_deref());
            task.due = update.due.or(task.due);
            task.done = update.done.unwrap_or(task.done);
            let text = format!(
                "Nhiệm vụ \"{}\" ({}): {}",
                task.title,
                task.owner,
                if task.done {
                    "hoàn thành"
                } else {
                    "đang làm"
                }
            );
            incident.note(actor, "task", text);
            Ok(())
        })
        .await
    }

    /// Records an evidence file already kept in the file store.
    pub async fn add_evidence(
        &self,
        tenant: &Tenant,
        id: &str,
        file_name: &str,
        sha256: &str,
        size: u64,
        actor: &str,
    ) -> Result<(Incident, EvidenceFile)> {
        let evidence = EvidenceFile {
            id: new_record_id(),
            file_name: file_name.to_owned(),
            sha256: sha256.to_owned(),
            size,
            uploaded_by: actor.to_owned(),
            uploaded_at: Utc::now(),
        };
        let incident = self
            .change(tenant, id, actor, "incident.evidence", |incident| {
                incident.evidence.push(evidence.clone());
                incident.note(
                    actor,
                    "evidence",
                    format!("Thêm chứng cứ {file_name} ({size} byte, SHA-256 {sha256})"),
                );
                Ok(())
            })
            .await?;
        Ok((incident, evidence))
    }

    /// Links an event search.
    pub async fn link_search(
        &self,
        tenant: &Tenant,
        id: &str,
        search: &SavedSearch,
        actor: &str,
    ) -> Result<Incident> {
        if search.name.trim().is_empty() || search.query.trim().is_empty() {
            return Err(invalid(
                "truy vấn cần tên và nội dung",
                "a search needs a name and a query",
            ));
        }
        self.change(tenant, id, actor, "incident.search", |incident| {
            incident.searches.push(search.clone());
            incident.note(
                actor,
                "search",
                format!("Liên kết truy vấn \"{}\"", search.name),
            );
            Ok(())
        })
        .await
    }

    /// Records that report `kind` was sent at `sent_at`.
    pub async fn record_report_sent(
        &self,
        tenant: &Tenant,
        id: &str,
        kind: DutyKind,
        sent_at: DateTime<Utc>,
        reference: Option<&str>,
        actor: &str,
    ) -> Result<Incident> {
        let policy = self.policy;
        self.change(tenant, id, actor, "incident.report_sent", |incident| {
            if !duties(incident, &policy, sent_at)
                .iter()
                .any(|d| d.kind == kind)
            {
                return Err(invalid(
                    "sự cố này không phải gửi báo cáo loại này",
                    "this incident does not owe this report",
                ));
            }
            if incident.reports_sent.iter().any(|r| r.kind == kind) {
                return Err(invalid(
                    "báo cáo này đã được ghi nhận gửi",
                    "this report is already recorded as sent",
                ));
            }
            incident.reports_sent.push(SentReport {
                kind,
                sent_at,
                sent_by: actor.to_owned(),
                reference: reference
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
            });
            incident.note(
                actor,
                "report_sent",
                format!(
                    "Đã gửi: {} lúc {}",
                    kind.title(),
                    crate::reporting::local_text(sent_at)
                ),
            );
            Ok(())
        })
        .await
    }
}

/// The reference an incident keeps to a registered system.
fn system_ref(system: &InformationSystem) -> SystemRef {
    SystemRef {
        id: system.id.clone(),
        name: system.details.name.clone(),
        agency_id: system.agency_id.clone(),
        level: system.details.level,
    }
}
