//! Reporting duties of an incident as clocks, and the drafts of the reports.
//!
//! Since the 2025 reorganisation the system owner reports cybersecurity incidents to the
//! Ministry of Public Security's specialised body — Department A05, locally through the
//! provincial police's cyber division (PA05) — under Decree 331/2026/NĐ-CP Art 31.2.d:
//!
//! - **immediately** when the incident shows signs of infringing national security or
//!   social order ([`DutyKind::CyberImmediate`]);
//! - an **initial notice within 24 h** of discovery for a *serious* incident
//!   ([`DutyKind::CyberInitialNotice`]);
//! - a **report within 72 h** of discovery with cause, scope and remediation
//!   ([`DutyKind::CyberReport`]).
//!
//! A personal-data breach is also notified to the personal-data protection body under
//! MPS (or through the National Personal Data Protection Portal) within **72 h** of
//! discovery (Law 91/2025/QH15 Art 23, Decree 356/2025/NĐ-CP Art 28–29, Form 08) —
//! another channel, so one incident may owe two reports ([`DutyKind::PersonalDataBreach`]).
//!
//! The law does not yet define "serious", so [`ReportingPolicy`] says from which severity
//! an incident is serious and from which one it is reported at all. Deadlines are
//! instants; they are shown in Asia/Ho_Chi_Minh time (UTC+7 all year), which is also the
//! calendar a deadline's day falls on.

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use vigil_store::db::{InformationSystem, Severity};

use crate::incidents::{Incident, IncidentStatus};

/// The province's time zone.
pub const LOCAL_ZONE: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// `at` in local time, as an RFC 3339 instant with its `+07:00` offset.
pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&LOCAL_ZONE).fixed_offset()
}

/// `at` as Vietnamese documents write a time: `HH:MM ngày DD/MM/YYYY` in local time.
pub fn local_text(at: DateTime<Utc>) -> String {
    at.with_timezone(&LOCAL_ZONE)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string()
}

/// From which severity an incident is reported, and from which it is serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportingPolicy {
    /// Incidents of this severity or worse owe the 72-hour report.
    pub report_from: Severity,
    /// Incidents of this severity or worse are serious: they also owe the 24-hour notice.
    pub serious_from: Severity,
}

impl Default for ReportingPolicy {
    fn default() -> ReportingPolicy {
        ReportingPolicy {
            report_from: Severity::Medium,
            serious_from: Severity::High,
        }
    }
}

/// One report an incident may owe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyKind {
    CyberImmediate,
    CyberInitialNotice,
    CyberReport,
    PersonalDataBreach,
}

/// Someone a report goes to, named in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub vi: &'static str,
    pub en: &'static str,
}

const MPS_A05: Recipient = Recipient {
    vi: "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an",
    en: "Department of Cybersecurity and High-tech Crime Prevention (A05), Ministry of Public Security",
};
const PROVINCIAL_POLICE: Recipient = Recipient {
    vi: "Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (PA05), Công an tỉnh",
    en: "Cyber division (PA05) of the provincial police",
};
const SYSTEM_OWNER: Recipient = Recipient {
    vi: "Chủ quản hệ thống thông tin bị ảnh hưởng",
    en: "The owner of each affected information system",
};
const PERSONAL_DATA_BODY: Recipient = Recipient {
    vi: "Cơ quan chuyên trách bảo vệ dữ liệu cá nhân (Bộ Công an), qua Cổng thông tin quốc gia về bảo vệ dữ liệu cá nhân",
    en: "The personal-data protection body of the Ministry of Public Security, through the National Personal Data Protection Portal",
};

impl DutyKind {
    /// The name the API uses (`cyber_report`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DutyKind::CyberImmediate => "cyber_immediate",
            DutyKind::CyberInitialNotice => "cyber_initial_notice",
            DutyKind::CyberReport => "cyber_report",
            DutyKind::PersonalDataBreach => "personal_data_breach",
        }
    }

    /// Time allowed from discovery.
    pub fn allowed(self) -> TimeDelta {
        match self {
            DutyKind::CyberImmediate => TimeDelta::zero(),
            DutyKind::CyberInitialNotice => TimeDelta::hours(24),
            DutyKind::CyberReport | DutyKind::PersonalDataBreach => TimeDelta::hours(72),
        }
    }

    pub fn legal_basis(self) -> &'static str {
        match self {
            DutyKind::PersonalDataBreach => {
                "Luật 91/2025/QH15 Điều 23; Nghị định 356/2025/NĐ-CP Điều 28–29 (Mẫu 08)"
            }
            _ => {
                "Luật An ninh mạng 116/2025/QH15 Điều 40.1.c; Nghị định 331/2026/NĐ-CP Điều 31.2.d"
            }
        }
    }

    pub fn recipients(self) -> Vec<Recipient> {
        match self {
            DutyKind::PersonalDataBreach => vec![PERSONAL_DATA_BODY],
            _ => vec![PROVINCIAL_POLICE, MPS_A05, SYSTEM_OWNER],
        }
    }

    /// The report's title, in Vietnamese.
    pub fn title(self) -> &'static str {
        match self {
            DutyKind::CyberImmediate => "Thông báo khẩn sự cố an ninh mạng",
            DutyKind::CyberInitialNotice => "Thông báo ban đầu sự cố an ninh mạng nghiêm trọng",
            DutyKind::CyberReport => "Báo cáo sự cố an ninh mạng",
            DutyKind::PersonalDataBreach => "Thông báo vi phạm quy định về bảo vệ dữ liệu cá nhân",
        }
    }
}

/// A report that was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentReport {
    pub kind: DutyKind,
    pub sent_at: DateTime<Utc>,
    pub sent_by: String,
    /// The document number or portal reference, when there is one.
    #[serde(default)]
    pub reference: Option<String>,
}

/// One clock of an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportingDuty {
    pub kind: DutyKind,
    pub title: &'static str,
    pub legal_basis: &'static str,
    pub recipients: Vec<Recipient>,
    /// The deadline, in local time.
    pub due_at: DateTime<FixedOffset>,
    /// The deadline as documents write it.
    pub due_text: String,
    pub sent: Option<SentReport>,
    /// Not sent and past the deadline.
    pub overdue: bool,
}

/// The reports `incident` owes under `policy`, earliest deadline first, as of `now`.
pub fn duties(
    incident: &Incident,
    policy: &ReportingPolicy,
    now: DateTime<Utc>,
) -> Vec<ReportingDuty> {
    let mut kinds = Vec::new();
    if incident.national_security {
        kinds.push(DutyKind::CyberImmediate);
    }
    if incident.national_security || incident.severity >= policy.serious_from {
        kinds.push(DutyKind::CyberInitialNotice);
    }
    if incident.national_security || incident.severity >= policy.report_from {
        kinds.push(DutyKind::CyberReport);
    }
    if incident.personal_data_breach {
        kinds.push(DutyKind::PersonalDataBreach);
    }
    kinds
        .into_iter()
        .map(|kind| {
            let due = incident.detected_at + kind.allowed();
            let sent = incident
                .reports_sent
                .iter()
                .find(|r| r.kind == kind)
                .cloned();
            ReportingDuty {
                kind,
                title: kind.title(),
                legal_basis: kind.legal_basis(),
                recipients: kind.recipients(),
                due_at: local(due),
                due_text: local_text(due),
                overdue: sent.is_none() && now > due,
                sent,
            }
        })
        .collect()
}

/// The earliest deadline of a report still owed, in local time.
pub fn next_deadline(
    incident: &Incident,
    policy: &ReportingPolicy,
    now: DateTime<Utc>,
) -> Option<DateTime<FixedOffset>> {
    duties(incident, policy, now)
        .into_iter()
        .filter(|d| d.sent.is_none())
        .map(|d| d.due_at)
        .min()
}

/// An affected system as a report lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportedSystem {
    pub name: String,
    pub agency: String,
    pub level: u8,
    pub operator: Option<String>,
    /// Addresses reachable from the Internet (public IPs, domains, URLs).
    pub public_addresses: Vec<String>,
    pub components: Vec<String>,
}

/// The fields the national forms ask for (Circular 20/2017 initial and final reports as
/// the national portal implements them; Form 08 of Decree 356/2025 for personal data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDraft {
    pub kind: DutyKind,
    pub title: &'static str,
    pub legal_basis: &'static str,
    pub recipients: Vec<Recipient>,
    pub deadline: String,
    pub reporter: crate::incidents::Reporter,
    pub owner_agencies: Vec<String>,
    pub systems: Vec<ReportedSystem>,
    pub incident_title: String,
    pub incident_class: String,
    pub severity: Severity,
    pub description: String,
    pub detected_at: String,
    pub detection_method: Option<String>,
    pub current_status: String,
    /// What was done so far, oldest first.
    pub actions_taken: Vec<String>,
    pub resolution: Option<String>,
    /// Reports already sent for this incident.
    pub parties_notified: Vec<String>,
    /// Evidence kept, by name and SHA-256.
    pub evidence: Vec<String>,
    pub reported_at: String,
    /// The whole draft as plain text, ready to paste into a form or a letter.
    pub text: String,
}

/// Drafts report `kind` of `incident`; `systems` are its affected systems as registered.
pub fn draft(
    incident: &Incident,
    kind: DutyKind,
    systems: &[InformationSystem],
    now: DateTime<Utc>,
) -> ReportDraft {
    let reported: Vec<ReportedSystem> = systems
        .iter()
        .map(|s| ReportedSystem {
            name: s.details.name.clone(),
            agency: s.agency.clone(),
            level: s.details.level,
            operator: s.details.operator.clone(),
            public_addresses: s
                .details
                .addresses
                .iter()
                .filter(|a| a.internet_facing)
                .map(|a| a.address.clone())
                .collect(),
            components: s
                .details
                .components
                .iter()
                .map(crate::address::component_text)
                .collect(),
        })
        .collect();
    let mut draft = ReportDraft {
        kind,
        title: kind.title(),
        legal_basis: kind.legal_basis(),
        recipients: kind.recipients(),
        deadline: local_text(incident.detected_at + kind.allowed()),
        reporter: incident.reporter.clone(),
        owner_agencies: incident.agencies.iter().map(|a| a.name.clone()).collect(),
        systems: reported,
        incident_title: incident.title.clone(),
        incident_class: incident.class.label_vi().to_owned(),
        severity: incident.severity,
        description: incident.description.clone(),
        detected_at: local_text(incident.detected_at),
        detection_method: incident.detection_method.clone(),
        current_status: incident.status.label_vi().to_owned(),
        actions_taken: incident
            .timeline
            .iter()
            .filter(|e| e.action != "note")
            .map(|e| format!("{}: {}", local_text(e.at), e.text))
            .collect(),
        resolution: incident.resolution.clone(),
        parties_notified: incident
            .reports_sent
            .iter()
            .map(|r| format!("{} — {}", r.kind.title(), local_text(r.sent_at)))
            .collect(),
        evidence: incident
            .evidence
            .iter()
            .map(|e| format!("{} (SHA-256 {})", e.file_name, e.sha256))
            .collect(),
        reported_at: local_text(now),
        text: String::new(),
    };
    draft.text = render_text(&draft, incident.status);
    draft
}

fn render_text(d: &ReportDraft, status: IncidentStatus) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let none = "(chưa có)";
    let _ = writeln!(t, "{}", d.title.to_uppercase());
    let _ = writeln!(t, "Căn cứ: {}", d.legal_basis);
    let _ = writeln!(t, "Kính gửi:");
    for r in &d.recipients {
        let _ = writeln!(t, "  - {}", r.vi);
    }
    let _ = writeln!(t, "Hạn gửi: {}", d.deadline);
    let _ = writeln!(t);
    let _ = writeln!(t, "1. Người báo cáo");
    let r = &d.reporter;
    let field = |v: &Option<String>| v.clone().unwrap_or_else(|| none.to_owned());
    let _ = writeln!(t, "   Họ và tên: {}", field(&r.name));
    let _ = writeln!(t, "   Chức vụ: {}", field(&r.position));
    let _ = writeln!(t, "   Điện thoại: {}", field(&r.phone));
    let _ = writeln!(t, "   Thư điện tử: {}", field(&r.email));
    let _ = writeln!(t, "2. Cơ quan chủ quản: {}", d.owner_agencies.join("; "));
    let _ = writeln!(t, "3. Hệ thống thông tin bị ảnh hưởng");
    if d.systems.is_empty() {
        let _ = writeln!(t, "   {none}");
    }
    for s in &d.systems {
        let _ = writeln!(t, "   - {} ({}), cấp độ {}", s.name, s.agency, s.level);
        if let Some(op) = &s.operator {
            let _ = writeln!(t, "     Đơn vị vận hành: {op}");
        }
        if !s.public_addresses.is_empty() {
            let _ = writeln!(
                t,
                "     Địa chỉ công khai: {}",
                s.public_addresses.join(", ")
            );
        }
        if !s.components.is_empty() {
            let _ = writeln!(t, "     Phần mềm: {}", s.components.join(", "));
        }
    }
    let _ = writeln!(t, "4. Sự cố: {}", d.incident_title);
    let _ = writeln!(
        t,
        "   Loại: {}; mức độ: {}",
        d.incident_class,
        severity_vi(d.severity)
    );
    let _ = writeln!(t, "   Mô tả: {}", d.description);
    let _ = writeln!(t, "   Thời điểm phát hiện: {}", d.detected_at);
    let _ = writeln!(t, "   Cách phát hiện: {}", field(&d.detection_method));
    let _ = writeln!(t, "   Tình trạng hiện tại: {}", d.current_status);
    let _ = writeln!(t, "5. Các biện pháp đã thực hiện");
    for a in &d.actions_taken {
        let _ = writeln!(t, "   - {a}");
    }
    if status == IncidentStatus::Closed {
        let _ = writeln!(t, "6. Kết quả xử lý: {}", field(&d.resolution));
    }
    let _ = writeln!(t, "7. Đã thông báo");
    if d.parties_notified.is_empty() {
        let _ = writeln!(t, "   {none}");
    }
    for p in &d.parties_notified {
        let _ = writeln!(t, "   - {p}");
    }
    let _ = writeln!(t, "8. Tài liệu, chứng cứ kèm theo");
    for e in &d.evidence {
        let _ = writeln!(t, "   - {e}");
    }
    let _ = writeln!(t, "Thời điểm báo cáo: {}", d.reported_at);
    t
}

/// A severity in Vietnamese.
pub fn severity_vi(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "thấp",
        Severity::Medium => "trung bình",
        Severity::High => "cao",
        Severity::Critical => "nghiêm trọng",
    }
}
