//! Import and export of the register as a spreadsheet (CSV or XLSX), the form provinces
//! keep it in.
//!
//! The contract (issue 5): a header row, columns in any order, extra columns allowed;
//! `agency`, `system_name`, `level` (1–5) and `dossier_status` (draft, submitted,
//! appraised, approved, returned) are required; `addresses` (`;`-separated URLs, IPs,
//! CIDR blocks, host names) and `components` (`;`-separated `name@version` or CPE 2.3
//! names) may be empty. Vigil also reads and writes `purpose`, `operator`, `hosting`,
//! `regime`, `decision_number`, `decision_date`, `approving_authority`, `review_date`,
//! `users_served`, `personal_data` and `state_secrets` (yes/no, có/không) and
//! `internet_facing` (the addresses that face the Internet; without the column this is
//! inferred from each address) when present, so an export imports back unchanged.
//!
//! Rows are numbered as a spreadsheet shows them: the header is row 1. A file with any bad
//! row is refused whole, with every bad row and all its reasons.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, Reader};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};
use vigil_event::defuse_formula;
use vigil_store::db::{DossierStatus, InformationSystem, Regime, SystemDetails};

use crate::address::{component_text, parse_address, parse_component};
use crate::dossier::check_details;
use crate::reason::{joined, Reason};

/// The columns an import needs.
pub const REQUIRED_COLUMNS: [&str; 4] = ["agency", "system_name", "level", "dossier_status"];

/// Every column Vigil writes, in the order it writes them.
pub const EXPORT_COLUMNS: [&str; 18] = [
    "agency",
    "system_name",
    "level",
    "dossier_status",
    "addresses",
    "components",
    "purpose",
    "operator",
    "hosting",
    "regime",
    "decision_number",
    "decision_date",
    "approving_authority",
    "review_date",
    "users_served",
    "personal_data",
    "state_secrets",
    "internet_facing",
];

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{0}: only .csv and .xlsx files can be imported")]
    UnknownFormat(String),
    #[error("writing {path}: {reason}")]
    Unwritable { path: String, reason: String },
}

/// One good row: the agency it belongs to and the system it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub row: usize,
    pub agency: String,
    pub details: SystemDetails,
    /// The columns the file has (lower-case), shared by its rows.
    pub columns: Arc<HashSet<String>>,
}

impl ImportRow {
    /// What the row says about a system already registered as `stored`: the file's
    /// columns replace, what the file has no column for is kept as stored (an import of
    /// the contract's six columns never clears a decision recorded through the API).
    pub fn applied_to(&self, stored: &SystemDetails) -> SystemDetails {
        let mut d = self.details.clone();
        let absent = |column: &str| !self.columns.contains(column);
        macro_rules! keep {
            ($($column:literal => $field:ident),+ $(,)?) => {$(
                if absent($column) {
                    d.$field = stored.$field.clone();
                }
            )+};
        }
        keep!(
            "addresses" => addresses,
            "components" => components,
            "purpose" => purpose,
            "operator" => operator,
            "hosting" => hosting,
            "users_served" => users_served,
            "personal_data" => personal_data,
            "state_secrets" => state_secrets,
            "regime" => regime,
            "decision_number" => decision_number,
            "decision_date" => decision_date,
            "approving_authority" => approving_authority,
            "review_date" => review_date,
        );
        if absent("internet_facing") {
            for a in &mut d.addresses {
                if let Some(known) = stored.addresses.iter().find(|s| s.address == a.address) {
                    a.internet_facing = known.internet_facing;
                }
            }
        }
        d
    }
}

/// A bad row and every reason it is bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub reasons: Vec<Reason>,
}

/// `row N: lý do (reason); …`.
impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, joined(&self.reasons))
    }
}

/// The cells of the first sheet of `path` (`.csv` or `.xlsx`), as text.
pub fn read_table(path: &Path) -> Result<Vec<Vec<String>>, SheetError> {
    let unreadable = |reason: String| SheetError::Unreadable {
        path: path.display().to_string(),
        reason,
    };
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match extension.as_deref() {
        Some("csv") => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_path(path)
                .map_err(|e| unreadable(e.to_string()))?;
            reader
                .records()
                .map(|record| {
                    let record = record.map_err(|e| unreadable(e.to_string()))?;
                    Ok(record.iter().map(str::to_owned).collect())
                })
                .collect()
        }
        Some("xlsx") => {
            let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(path)
                .map_err(|e: calamine::XlsxError| unreadable(e.to_string()))?;
            let range = workbook
                .worksheet_range_at(0)
                .ok_or_else(|| unreadable("the workbook has no sheet".into()))?
                .map_err(|e| unreadable(e.to_string()))?;
            Ok(range
                .rows()
                .map(|row| row.iter().map(cell_text).collect())
                .collect())
        }
        _ => Err(SheetError::UnknownFormat(path.display().to_string())),
    }
}

/// A cell as the person typed it: whole numbers without `.0`, dates as `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(dt) => {
            let serial = dt.as_f64().floor() as i64;
            NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(serial)))
                .map_or_else(|| dt.to_string(), |d| d.to_string())
        }
        other => other.to_string(),
    }
}

/// Reads every data row of `table`; `Err` lists every bad row (a missing column is
/// reported against the header, row 1).
pub fn parse_register(table: &[Vec<String>]) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let Some((header, rows)) = table.split_first() else {
        return Err(vec![RowError {
            row: 1,
            reasons: vec![Reason::new("tệp trống", "the file is empty")],
        }]);
    };
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, name)| (name.trim().trim_start_matches('\u{feff}').to_lowercase(), i))
        .collect();
    let missing: Vec<Reason> = REQUIRED_COLUMNS
        .iter()
        .filter(|c| !columns.contains_key(**c))
        .map(|c| Reason::new(format!("thiếu cột {c}"), format!("column {c} is missing")))
        .collect();
    if !missing.is_empty() {
        return Err(vec![RowError {
            row: 1,
            reasons: missing,
        }]);
    }
    let present: Arc<HashSet<String>> = Arc::new(columns.keys().cloned().collect());
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut first_row_of: HashMap<(String, String), usize> = HashMap::new();
    for (i, cells) in rows.iter().enumerate() {
        let row = i + 2;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match parse_row(&Cells {
            columns: &columns,
            cells,
        }) {
            Ok((agency, details)) => {
                let key = (agency.clone(), details.name.clone());
                if let Some(first) = first_row_of.get(&key) {
                    bad.push(RowError {
                        row,
                        reasons: vec![Reason::new(
                            format!("trùng hệ thống ở dòng {first}"),
                            format!("same system as row {first}"),
                        )],
                    });
                } else {
                    first_row_of.insert(key, row);
                    good.push(ImportRow {
                        row,
                        agency,
                        details,
                        columns: present.clone(),
                    });
                }
            }
            Err(reasons) => bad.push(RowError { row, reasons }),
        }
    }
    if bad.is_empty() {
        Ok(good)
    } else {
        Err(bad)
    }
}

/// One data row, its cells found by column name.
struct Cells<'a> {
    columns: &'a HashMap<String, usize>,
    cells: &'a [String],
}

impl<'a> Cells<'a> {
    /// The trimmed cell of column `name`; empty when the column or cell is missing.
    fn get(&self, name: &str) -> &'a str {
        self.columns
            .get(name)
            .and_then(|&i| self.cells.get(i))
            .map_or("", |c| c.trim())
    }
}

/// One row's agency and system, or every reason it is bad.
fn parse_row(cells: &Cells<'_>) -> Result<(String, SystemDetails), Vec<Reason>> {
    let cell = |name: &str| cells.get(name);
    let mut reasons = Vec::new();
    let agency = cell("agency");
    if agency.is_empty() {
        reasons.push(Reason::new("tên cơ quan trống", "agency is empty"));
    }
    // An unreadable level is reported here; a number outside 1–5 by `check_details`.
    let level = cell("level").parse::<u8>().unwrap_or_else(|_| {
        reasons.push(Reason::new(
            format!("cấp độ {:?} không phải số 1–5", cell("level")),
            format!("level {:?} is not a number 1–5", cell("level")),
        ));
        1
    });
    let status = cell("dossier_status").to_lowercase();
    let dossier_status = status.parse::<DossierStatus>().unwrap_or_else(|_| {
        reasons.push(Reason::new(
            format!(
                "trạng thái hồ sơ {status:?} không hợp lệ (draft, submitted, appraised, approved, returned)"
            ),
            format!("unknown dossier status {status:?}"),
        ));
        DossierStatus::Draft
    });
    let mut details = SystemDetails::new(cell("system_name"), level);
    details.dossier_status = dossier_status;
    let text = |name: &str| Some(cell(name).to_owned()).filter(|v| !v.is_empty());
    details.purpose = text("purpose");
    details.operator = text("operator");
    details.hosting = text("hosting");
    details.users_served = text("users_served");
    for (name, flag) in [
        ("personal_data", &mut details.personal_data),
        ("state_secrets", &mut details.state_secrets),
    ] {
        match cell(name).to_lowercase().as_str() {
            "" | "no" | "không" | "0" | "false" => *flag = false,
            "yes" | "có" | "1" | "true" => *flag = true,
            other => reasons.push(Reason::new(
                format!("{name} {other:?} phải là có hoặc không"),
                format!("{name} {other:?} must be yes or no"),
            )),
        }
    }
    details.decision_number = text("decision_number");
    details.approving_authority = text("approving_authority");
    if let Some(regime) = text("regime") {
        match regime.parse::<Regime>() {
            Ok(r) => details.regime = r,
            Err(_) => reasons.push(Reason::new(
                format!("chế độ pháp lý {regime:?} không hợp lệ (decree85_2016, decree331_2026)"),
                format!("unknown regime {regime:?}"),
            )),
        }
    }
    for (name, date) in [
        ("decision_date", &mut details.decision_date),
        ("review_date", &mut details.review_date),
    ] {
        if let Some(value) = text(name) {
            match value.parse::<NaiveDate>() {
                Ok(d) => *date = Some(d),
                Err(_) => reasons.push(Reason::new(
                    format!("{name} {value:?} không phải ngày YYYY-MM-DD"),
                    format!("{name} {value:?} is not a YYYY-MM-DD date"),
                )),
            }
        }
    }
    for part in split_list(cell("addresses")) {
        match parse_address(part) {
            Ok(a) => details.addresses.push(a),
            Err(reason) => reasons.push(reason),
        }
    }
    if let Some(&column) = cells.columns.get("internet_facing") {
        let facing: Vec<&str> = cells
            .cells
            .get(column)
            .map_or(Vec::new(), |c| split_list(c).collect());
        for a in &mut details.addresses {
            a.internet_facing = facing.contains(&a.address.as_str());
        }
        for listed in facing {
            if !details.addresses.iter().any(|a| a.address == listed) {
                reasons.push(Reason::new(
                    format!("internet_facing: {listed:?} không có trong cột addresses"),
                    format!("internet_facing: {listed:?} is not among the addresses"),
                ));
            }
        }
    }
    for part in split_list(cell("components")) {
        match parse_component(part) {
            Ok(c) => details.components.push(c),
            Err(reason) => reasons.push(reason),
        }
    }
    reasons.extend(check_details(&details));
    if reasons.is_empty() {
        Ok((agency.to_owned(), details))
    } else {
        Err(reasons)
    }
}

/// The `;`-separated items of a cell, blanks dropped.
fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|p| !p.is_empty())
}

/// The cells of one exported system, in the order of the export columns.
fn export_cells(system: &InformationSystem) -> Vec<String> {
    let d = &system.details;
    let list = |items: Vec<String>| items.join("; ");
    vec![
        system.agency.clone(),
        d.name.clone(),
        d.level.to_string(),
        d.dossier_status.to_string(),
        list(d.addresses.iter().map(|a| a.address.clone()).collect()),
        list(d.components.iter().map(component_text).collect()),
        d.purpose.clone().unwrap_or_default(),
        d.operator.clone().unwrap_or_default(),
        d.hosting.clone().unwrap_or_default(),
        d.regime.to_string(),
        d.decision_number.clone().unwrap_or_default(),
        d.decision_date.map(|x| x.to_string()).unwrap_or_default(),
        d.approving_authority.clone().unwrap_or_default(),
        d.review_date.map(|x| x.to_string()).unwrap_or_default(),
        d.users_served.clone().unwrap_or_default(),
        yes_no(d.personal_data),
        yes_no(d.state_secrets),
        list(
            d.addresses
                .iter()
                .filter(|a| a.internet_facing)
                .map(|a| a.address.clone())
                .collect(),
        ),
    ]
}

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

/// Writes `systems` to `path` as CSV.
pub fn write_csv(systems: &[InformationSystem], path: &Path) -> Result<(), SheetError> {
    let unwritable = |reason: String| SheetError::Unwritable {
        path: path.display().to_string(),
        reason,
    };
    let mut writer = csv::Writer::from_path(path).map_err(|e| unwritable(e.to_string()))?;
    writer
        .write_record(EXPORT_COLUMNS)
        .map_err(|e| unwritable(e.to_string()))?;
    for system in systems {
        // XLSX cells are written as strings and never run; CSV cells must be defused.
        let cells = export_cells(system);
        writer
            .write_record(cells.iter().map(|c| defuse_formula(c).into_owned()))
            .map_err(|e| unwritable(e.to_string()))?;
    }
    writer.flush().map_err(|e| unwritable(e.to_string()))
}

/// Writes `systems` to `path` as XLSX, one sheet, bold header.
pub fn write_xlsx(systems: &[InformationSystem], path: &Path) -> Result<(), SheetError> {
    let unwritable = |e: rust_xlsxwriter::XlsxError| SheetError::Unwritable {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("systems").map_err(unwritable)?;
    let bold = Format::new().set_bold();
    for (col, name) in EXPORT_COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *name, &bold)
            .map_err(unwritable)?;
    }
    for (row, system) in systems.iter().enumerate() {
        for (col, cell) in export_cells(system).iter().enumerate() {
            sheet
                .write_string(row as u32 + 1, col as u16, cell)
                .map_err(unwritable)?;
        }
    }
    workbook.save(path).map_err(unwritable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn columns_in_any_order_extra_columns_ignored_every_bad_row_listed() {
        let t = table(&[
            &[
                "note",
                "level",
                "system_name",
                "agency",
                "dossier_status",
                "addresses",
            ],
            &[
                "x",
                "3",
                "Cổng DVC",
                "Sở Y tế",
                "approved",
                "https://dvc.example.vn; 10.0.0.5",
            ],
            &["", "7", "Thư điện tử", "Sở Y tế", "draft", ""],
            &["", "", "", "", "", ""],
            &["", "2", "", "Sở Tư pháp", "archived", "10.0.0.999"],
        ]);
        let errors = parse_register(&t).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.row).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(errors[1].reasons.len(), 3, "{}", errors[1]);
        assert!(
            errors[0].to_string().starts_with("row 3: cấp độ 7"),
            "{}",
            errors[0]
        );
        let ok = parse_register(&t[..2]).unwrap();
        assert_eq!(ok[0].details.addresses.len(), 2);
        assert_eq!(ok[0].agency, "Sở Y tế");
    }

    #[test]
    fn flags_and_internet_facing_addresses_are_read() {
        let header: &[&str] = &[
            "agency",
            "system_name",
            "level",
            "dossier_status",
            "addresses",
            "personal_data",
            "state_secrets",
            "internet_facing",
        ];
        let good = parse_register(&table(&[
            header,
            &[
                "Sở A",
                "Một cửa",
                "3",
                "draft",
                "203.0.113.5; 10.0.0.1",
                "có",
                "no",
                "10.0.0.1",
            ],
        ]))
        .unwrap();
        let d = &good[0].details;
        assert!(d.personal_data && !d.state_secrets);
        let facing: Vec<bool> = d.addresses.iter().map(|a| a.internet_facing).collect();
        assert_eq!(
            facing,
            [false, true],
            "the column overrides what addresses suggest"
        );
        let bad = parse_register(&table(&[
            header,
            &[
                "Sở A",
                "Một cửa",
                "3",
                "draft",
                "10.0.0.1",
                "maybe",
                "",
                "10.9.9.9",
            ],
        ]))
        .unwrap_err();
        assert_eq!(bad[0].reasons.len(), 2, "{}", bad[0]);
    }

    #[test]
    fn missing_columns_are_reported_against_the_header() {
        let errors = parse_register(&table(&[&["agency", "level"]])).unwrap_err();
        assert_eq!(errors[0].row, 1);
        assert_eq!(errors[0].reasons.len(), 2);
    }

    #[test]
    fn csv_exports_defuse_formulas() {
        let mut system = InformationSystem {
            id: "s".into(),
            agency_id: "a".into(),
            agency: "=HYPERLINK(\"http://x\")".into(),
            details: SystemDetails::new("Cổng thông tin", 2),
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        system.details.purpose = Some("@SUM(1)".into());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_csv(&[system], &path).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.contains("'=HYPERLINK") && written.contains("'@SUM(1)"),
            "{written}"
        );
        assert!(written.contains(",Cổng thông tin,"), "{written}");
    }
}
