//! Vigil's case plane: the register of a province's information systems and the work
//! around it — security levels and their dossiers, the controls catalogue, self-assessments
//! and compliance scores, inspections and findings, the gaps between the register and
//! what monitoring sees, and spreadsheet import/export.
//!
//! Domain rules only: persistence is [`vigil_store::db`] (which audits every change), HTTP
//! is the server's. A [`Register`] ties the two:
//!
//! ```no_run
//! # async fn demo(db: vigil_store::db::Db) -> Result<(), vigil_soc::Error> {
//! use vigil_soc::{parse_register, read_table, Register};
//! let rows = parse_register(&read_table("systems.xlsx".as_ref()).unwrap())
//!     .unwrap_or_else(|bad| panic!("{} bad rows", bad.len()));
//! Register::new(db).import(&rows, "cli").await?;
//! # Ok(()) }
//! ```
//!
//! - [`address`]: URLs, IPs, CIDR blocks, host names; `name@version` and CPE 2.3 names;
//! - [`dossier`]: what a system record needs and how its level dossier moves;
//! - [`catalogue`]: the versioned controls catalogue (`data/controls.toml` shipped);
//! - [`compliance`]: how scores are computed (met 1, partly 0.5, not met 0, N/A left out);
//! - [`findings`]: remediation workflow and overdue findings;
//! - [`gaps`]: monitoring gaps;
//! - [`spreadsheet`]: CSV/XLSX import and export;
//! - [`register`]: the service the API and CLI call;
//! - [`incidents`]: incidents, their workflow, tasks, timeline and evidence;
//! - [`reporting`]: reporting duties as clocks (Asia/Ho_Chi_Minh) and report drafts;
//! - [`advisories`]: early warnings targeted by agency, level or component, with escalation;
//! - [`vulnerability_feeds`]: CISA KEV and NVD CVE 2.0 files read into advisory criteria;
//! - [`cpe`] and [`version`]: CPE 2.3 matching and version comparison;
//! - [`file_store`]: evidence files kept by SHA-256.

pub mod address;
pub mod advisories;
mod case_file;
pub mod catalogue;
pub mod compliance;
pub mod cpe;
pub mod dossier;
pub mod file_store;
pub mod findings;
pub mod gaps;
pub mod incidents;
pub mod reason;
pub mod register;
pub mod reporting;
pub mod spreadsheet;
pub mod version;
pub mod vulnerability_feeds;

pub use advisories::Advisories;
pub use catalogue::Catalogue;
pub use incidents::Incidents;
pub use reason::Reason;
pub use register::{Error, Register};
pub use spreadsheet::{parse_register, read_table, ImportRow, RowError};
