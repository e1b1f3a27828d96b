//! Persistence of the register (issue 5): information systems with their addresses and
//! components, agency contacts, the versioned controls catalogue, self-assessments with
//! evidence, inspection plans, inspections and findings.
//!
//! This layer stores and reads; the rules (which dossier transitions are allowed, how a
//! compliance score is computed, what an import row must contain) live in the `vigil-soc`
//! crate. Like the rest of [`Db`](super::Db), every change is audited in its own
//! transaction and every read takes the caller's [`Tenant`](super::Tenant).

mod assessments;
mod inspections;
mod systems;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::tokens::text_enum;
use super::{Error, Result};

pub use assessments::{CatalogueVersion, ControlAssessment, EvidenceFile, SelfAssessment};
pub use inspections::{
    Finding, FindingUpdate, Inspection, InspectionPlan, NewFinding, NewInspection,
};
pub use systems::{
    url_host, AgencyContact, ImportOutcome, InformationSystem, NewContact, SystemDetails,
    SystemFilter,
};

/// Where a system's level dossier is (Decree 331/2026 Art 18–24, Decree 85/2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    Draft,
    Submitted,
    Appraised,
    Approved,
    Returned,
}

text_enum!(DossierStatus {
    Draft => "draft",
    Submitted => "submitted",
    Appraised => "appraised",
    Approved => "approved",
    Returned => "returned",
});

impl DossierStatus {
    pub const ALL: [DossierStatus; 5] = [
        DossierStatus::Draft,
        DossierStatus::Submitted,
        DossierStatus::Appraised,
        DossierStatus::Approved,
        DossierStatus::Returned,
    ];
}

/// Which decree a system's level was classified under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Regime {
    #[serde(rename = "decree85_2016")]
    Decree85,
    #[default]
    #[serde(rename = "decree331_2026")]
    Decree331,
}

text_enum!(Regime {
    Decree85 => "decree85_2016",
    Decree331 => "decree331_2026",
});

/// What kind of address a system answers at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    Url,
    Ip,
    Cidr,
    Domain,
    Host,
}

text_enum!(AddressKind {
    Url => "url",
    Ip => "ip",
    Cidr => "cidr",
    Domain => "domain",
    Host => "host",
});

/// One answer of a self-assessment for one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlResult {
    Met,
    Partly,
    NotMet,
    NotApplicable,
}

text_enum!(ControlResult {
    Met => "met",
    Partly => "partly",
    NotMet => "not_met",
    NotApplicable => "not_applicable",
});

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

text_enum!(Severity {
    Low => "low",
    Medium => "medium",
    High => "high",
    Critical => "critical",
});

/// Where the remediation of a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Open,
    InProgress,
    Remediated,
    Verified,
    RiskAccepted,
}

text_enum!(FindingStatus {
    Open => "open",
    InProgress => "in_progress",
    Remediated => "remediated",
    Verified => "verified",
    RiskAccepted => "risk_accepted",
});

impl FindingStatus {
    /// Whether work on the finding is still owed (it can be overdue).
    pub fn is_open(self) -> bool {
        matches!(self, FindingStatus::Open | FindingStatus::InProgress)
    }
}

/// What a person of an agency is responsible for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactDuty {
    Head,
    SecurityOfficer,
    FocalPoint24x7,
    OnSiteForce,
    Other,
}

text_enum!(ContactDuty {
    Head => "head",
    SecurityOfficer => "security_officer",
    FocalPoint24x7 => "focal_point_24x7",
    OnSiteForce => "on_site_force",
    Other => "other",
});

/// An address of a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemAddress {
    pub address: String,
    pub kind: AddressKind,
    #[serde(default)]
    pub internet_facing: bool,
}

/// A software component of a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    /// CPE 2.3 formatted string, when known.
    #[serde(default)]
    pub cpe: Option<String>,
}

/// A calendar date column (`YYYY-MM-DD`).
fn date_from(column: &'static str, value: Option<String>) -> Result<Option<NaiveDate>> {
    value
        .map(|text| {
            text.parse::<NaiveDate>().map_err(|_| Error::Corrupt {
                column,
                value: text,
            })
        })
        .transpose()
}

fn date_text(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}
