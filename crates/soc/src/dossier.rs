//! A system's record and its level dossier: what must hold before a system is saved,
//! and how the dossier moves (draft → submitted → appraised → approved, or returned).
//!
//! Rules (Decree 331/2026 Art 18–24, same shape as Decree 85/2016):
//! - the level is 1–5; a system that processes state secrets is at least level 3;
//! - a dossier is submitted, then appraised, then approved, and can be returned from
//!   submission or appraisal; a returned dossier is reworked (draft) or resubmitted;
//! - at levels 1–2 the specialised unit appraises and approves in one step, so a
//!   submitted dossier may go straight to approved;
//! - an approved dossier names its decision (number and date) and who approved it;
//! - an approved system goes back to draft for re-classification (Art 25).

use vigil_store::db::{DossierStatus, SystemDetails};

use crate::reason::Reason;

/// Who approves a level dossier, as the decree assigns it (for display and defaults).
pub fn approver_for_level(level: u8) -> Reason {
    match level {
        1 | 2 => Reason::new(
            "Đơn vị chuyên trách về an ninh mạng của chủ quản hệ thống",
            "the system owner's specialised cybersecurity unit",
        ),
        3 | 4 => Reason::new("Chủ quản hệ thống thông tin", "the system owner"),
        _ => Reason::new(
            "Thủ tướng Chính phủ (danh mục hệ thống cấp độ 5)",
            "the Prime Minister (list of level-5 systems)",
        ),
    }
}

/// Whether the dossier may move from `from` to `to` for a system at `level`.
pub fn transition_allowed(from: DossierStatus, to: DossierStatus, level: u8) -> bool {
    use DossierStatus::*;
    match (from, to) {
        (a, b) if a == b => true,
        (Draft | Returned, Submitted) => true,
        (Submitted, Appraised | Returned) => true,
        (Submitted, Approved) => level <= 2,
        (Appraised, Approved | Returned) => true,
        (Returned | Approved, Draft) => true,
        _ => false,
    }
}

/// Every problem with `details` as a record on its own (what an import checks: a
/// spreadsheet records dossiers approved long ago, without their decision).
pub fn check_details(details: &SystemDetails) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if details.name.trim().is_empty() {
        reasons.push(Reason::new("tên hệ thống trống", "system name is empty"));
    }
    if !(1..=5).contains(&details.level) {
        reasons.push(Reason::new(
            format!("cấp độ {} không thuộc 1–5", details.level),
            format!("level {} is not within 1–5", details.level),
        ));
    }
    if details.state_secrets && details.level < 3 {
        reasons.push(Reason::new(
            "hệ thống xử lý bí mật nhà nước phải từ cấp độ 3 trở lên",
            "a system processing state secrets is at least level 3",
        ));
    }
    reasons
}

/// What an approval must name: the decision's number and date and who approved.
fn approval_reasons(details: &SystemDetails) -> Vec<Reason> {
    let missing = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
    let mut reasons = Vec::new();
    if missing(&details.decision_number) {
        reasons.push(Reason::new(
            "phê duyệt phải có số quyết định",
            "approval needs a decision number",
        ));
    }
    if details.decision_date.is_none() {
        reasons.push(Reason::new(
            "phê duyệt phải có ngày quyết định",
            "approval needs a decision date",
        ));
    }
    if missing(&details.approving_authority) {
        reasons.push(Reason::new(
            "phê duyệt phải có cơ quan phê duyệt",
            "approval needs the approving authority",
        ));
    }
    reasons
}

/// Every problem with recording `after` for a system whose dossier was at `before`
/// (`None` for a new system, which starts from draft): the record itself, the dossier
/// transition, and the decision when it becomes approved.
pub fn check_change(before: Option<DossierStatus>, after: &SystemDetails) -> Vec<Reason> {
    let mut reasons = check_details(after);
    let from = before.unwrap_or(DossierStatus::Draft);
    let to = after.dossier_status;
    if before.is_some() && !transition_allowed(from, to, after.level) {
        reasons.push(Reason::new(
            format!("hồ sơ không thể chuyển từ {from} sang {to}"),
            format!("the dossier cannot move from {from} to {to}"),
        ));
    }
    if to == DossierStatus::Approved && from != DossierStatus::Approved {
        reasons.extend(approval_reasons(after));
    }
    reasons
}
