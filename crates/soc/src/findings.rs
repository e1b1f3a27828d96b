//! Findings and their remediation: which status changes are allowed, what each needs,
//! and which findings are overdue.
//!
//! A finding is *overdue* when work is still owed on it (open or in progress) and its
//! deadline has passed: the day after the deadline it is overdue, on the deadline it is
//! not. Remediated findings wait for verification and are not overdue; a finding the
//! inspector finds not fixed goes back to in progress and can be overdue again.

use chrono::NaiveDate;
use vigil_store::db::{Finding, FindingStatus, FindingUpdate};

use crate::reason::Reason;

/// Whether `finding` is overdue on `today`.
pub fn is_overdue(finding: &Finding, today: NaiveDate) -> bool {
    finding.status.is_open() && finding.finding.deadline < today
}

/// Whether a finding may move from `from` to `to`.
pub fn transition_allowed(from: FindingStatus, to: FindingStatus) -> bool {
    use FindingStatus::*;
    match (from, to) {
        (a, b) if a == b => true,
        (Open, InProgress | Remediated | RiskAccepted) => true,
        (InProgress, Open | Remediated | RiskAccepted) => true,
        (Remediated, Verified | InProgress) => true,
        (RiskAccepted, Open) => true,
        _ => false,
    }
}

/// Every problem with applying `update` to `before`: the transition, a remediated
/// finding's description of the fix, and a verified finding's verifier.
pub fn check_update(before: &Finding, update: &FindingUpdate) -> Vec<Reason> {
    let mut reasons = Vec::new();
    let to = update.status.unwrap_or(before.status);
    if !transition_allowed(before.status, to) {
        reasons.push(Reason::new(
            format!("phát hiện không thể chuyển từ {} sang {to}", before.status),
            format!("a finding cannot move from {} to {to}", before.status),
        ));
    }
    let given = |new: &Option<String>, old: &Option<String>| {
        new.as_ref()
            .or(old.as_ref())
            .is_some_and(|v| !v.trim().is_empty())
    };
    if to == FindingStatus::Remediated && !given(&update.remediation, &before.remediation) {
        reasons.push(Reason::new(
            "cần mô tả biện pháp khắc phục",
            "a remediated finding needs its remediation described",
        ));
    }
    if to == FindingStatus::Verified && !given(&update.verified_by, &before.verified_by) {
        reasons.push(Reason::new(
            "cần người xác nhận đã khắc phục",
            "a verified finding needs who verified it",
        ));
    }
    reasons
}
