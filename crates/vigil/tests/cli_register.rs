//! `vigil register import|export` on a province-sized spreadsheet: a 500-row XLSX written
//! here with bad rows in it is refused whole (dry run or not) with every bad row listed,
//! the fixed file imports 500 systems, and an export imports back unchanged.

mod common;

use common::run_vigil;
use rust_xlsxwriter::Workbook;
use std::path::Path;
use vigil_store::db::{Db, DossierStatus, SystemFilter, Tenant};

const ROWS: usize = 500;

const AGENCIES: [&str; 12] = [
    "Sở Y tế",
    "Sở Tư pháp",
    "Sở Tài chính",
    "Sở Khoa học và Công nghệ",
    "Sở Giáo dục và Đào tạo",
    "Sở Nông nghiệp và Môi trường",
    "Văn phòng UBND tỉnh",
    "Công an tỉnh",
    "UBND xã Tân Phú",
    "UBND phường Hòa Bình",
    "Bệnh viện Đa khoa tỉnh",
    "Trung tâm Phục vụ hành chính công",
];

const SYSTEMS: [&str; 8] = [
    "Cổng thông tin điện tử",
    "Hệ thống quản lý văn bản và điều hành",
    "Thư điện tử công vụ",
    "Hệ thống thông tin giải quyết thủ tục hành chính",
    "Phần mềm kế toán",
    "Cơ sở dữ liệu chuyên ngành",
    "Hệ thống hội nghị truyền hình",
    "Mạng nội bộ (LAN)",
];

const STATUSES: [&str; 5] = ["draft", "submitted", "appraised", "approved", "returned"];

/// Data rows (0-based) made bad, and what is wrong with each.
const BAD: [(usize, &str); 5] = [
    (17, "level"),
    (123, "status"),
    (250, "ip"),
    (377, "name"),
    (499, "cpe"),
];

/// The cells of data row `i`: agency, system name, level, status, addresses, components,
/// and a note column the import must ignore.
fn row(i: usize, broken: Option<&str>) -> [String; 7] {
    let agency = AGENCIES[i % AGENCIES.len()];
    let mut name = format!("{} #{}", SYSTEMS[i % SYSTEMS.len()], i / SYSTEMS.len() + 1);
    let mut level = (1 + i % 5).to_string();
    let mut status = STATUSES[i % STATUSES.len()].to_owned();
    let octet = i % 250 + 1;
    let mut addresses = match i % 4 {
        0 => format!(
            "https://portal{i}.example.gov.vn/; 10.{}.{octet}.10",
            i % 200
        ),
        1 => format!("10.{}.0.0/24; srv-app{i}", i % 200),
        2 => format!("mail{i}.example.gov.vn; 203.0.113.{octet}"),
        _ => format!("192.168.{}.{octet}", i % 250),
    };
    let mut components = match i % 3 {
        0 => "nginx@1.24.0; PostgreSQL@15.4".to_owned(),
        1 => "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*".to_owned(),
        _ => {
            "Microsoft IIS@10.0; cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*".to_owned()
        }
    };
    match broken {
        Some("level") => level = "7".into(),
        Some("status") => status = "archived".into(),
        Some("ip") => addresses = "10.0.0.300".into(),
        Some("name") => name = String::new(),
        Some("cpe") => components = "cpe:2.3:a:apache".into(),
        _ => {}
    }
    let note = format!("ghi chú {i}");
    [
        note,
        level,
        name,
        agency.to_owned(),
        status,
        addresses,
        components,
    ]
}

/// Writes the 500-row workbook; columns in an unusual order with an extra one.
fn write_workbook(path: &Path, with_bad_rows: bool) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let header = [
        "ghi_chu",
        "level",
        "system_name",
        "agency",
        "dossier_status",
        "addresses",
        "components",
    ];
    for (col, name) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    for i in 0..ROWS {
        let broken = BAD
            .iter()
            .find(|(at, _)| with_bad_rows && *at == i)
            .map(|(_, what)| *what);
        for (col, cell) in row(i, broken).iter().enumerate() {
            let (r, c) = (i as u32 + 1, col as u16);
            // Levels are numbers in real sheets; write them as numbers.
            match cell.parse::<f64>() {
                Ok(n) if col == 1 => sheet.write_number(r, c, n).map(|_| ()),
                _ => sheet.write_string(r, c, cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    workbook.save(path).unwrap();
}

/// Stores `system` as it is now, as the API would.
fn update_in(data: &Path, system: &vigil_store::db::InformationSystem) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}", data.join("state.db").display());
    runtime.block_on(async {
        let db = Db::open(&url).await.unwrap();
        db.update_system(&system.id, &system.details, "test")
            .await
            .unwrap();
    });
}

fn systems_in(data: &Path) -> Vec<vigil_store::db::InformationSystem> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}", data.join("state.db").display());
    runtime.block_on(async {
        let db = Db::open(&url).await.unwrap();
        db.list_systems(&Tenant::All, &SystemFilter::default())
            .await
            .unwrap()
    })
}

#[test]
fn a_500_row_spreadsheet_with_bad_rows_imports_nothing_and_the_fixed_one_imports_all() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let bad_file = dir.path().join("he-thong-loi.xlsx");
    write_workbook(&bad_file, true);

    for dry_run in [true, false] {
        let mut args = vec!["register", "import", bad_file.to_str().unwrap()];
        args.extend(["--data-dir", data_arg]);
        if dry_run {
            args.push("--dry-run");
        }
        let run = run_vigil(&args);
        assert_ne!(run.code, 0, "{}", run.stdout);
        let listed: Vec<&str> = run.stdout.lines().collect();
        let expected_rows: Vec<String> = BAD
            .iter()
            .map(|(i, _)| format!("row {}: ", i + 2))
            .collect();
        assert_eq!(listed.len(), BAD.len(), "{}", run.stdout);
        for (line, prefix) in listed.iter().zip(&expected_rows) {
            assert!(
                line.starts_with(prefix.as_str()),
                "{line:?} should start {prefix:?}"
            );
        }
        assert!(
            listed[0].contains("cấp độ") && listed[0].contains("level"),
            "{}",
            listed[0]
        );
        assert!(listed[1].contains("archived"), "{}", listed[1]);
        assert!(listed[2].contains("10.0.0.300"), "{}", listed[2]);
        assert!(listed[3].contains("system name is empty"), "{}", listed[3]);
        assert!(listed[4].contains("CPE"), "{}", listed[4]);
        assert!(run.stderr.contains("5 bad rows"), "{}", run.stderr);
        if data.join("state.db").exists() {
            assert!(
                systems_in(&data).is_empty(),
                "a bad file imported something"
            );
        }
    }

    let good_file = dir.path().join("he-thong.xlsx");
    write_workbook(&good_file, false);
    let dry = run_vigil([
        "register",
        "import",
        good_file.to_str().unwrap(),
        "--dry-run",
        "--data-dir",
        data_arg,
    ]);
    dry.expect_code(0);
    assert!(
        dry.stdout.contains("500 systems of 12 agencies"),
        "{}",
        dry.stdout
    );
    if data.join("state.db").exists() {
        assert!(systems_in(&data).is_empty(), "a dry run imported something");
    }

    let import = run_vigil([
        "register",
        "import",
        good_file.to_str().unwrap(),
        "--data-dir",
        data_arg,
    ]);
    import.expect_code(0);
    assert!(
        import
            .stdout
            .contains("500 systems created, 0 updated, 12 agencies created"),
        "{}",
        import.stdout
    );
    let systems = systems_in(&data);
    assert_eq!(systems.len(), ROWS);
    let portal = systems
        .iter()
        .find(|s| s.details.name == "Cổng thông tin điện tử #1" && s.agency == "Sở Y tế")
        .expect("row 2's system");
    assert_eq!(portal.details.level, 1);
    assert_eq!(portal.details.dossier_status, DossierStatus::Draft);
    assert_eq!(portal.details.addresses.len(), 2);
    assert_eq!(portal.details.components.len(), 2);

    // Fields the import contract does not name survive the round trip too.
    let mut secret = systems
        .iter()
        .find(|s| s.details.level == 3)
        .unwrap()
        .clone();
    secret.details.state_secrets = true;
    secret.details.personal_data = true;
    secret.details.users_served = Some("Cán bộ, công chức tỉnh".into());
    secret.details.addresses[0].internet_facing = !secret.details.addresses[0].internet_facing;
    update_in(&data, &secret);
    let systems = systems_in(&data);

    // Export, then import the export: every system is found again, none is new.
    for format in ["xlsx", "csv"] {
        let out = dir.path().join(format!("export.{format}"));
        run_vigil([
            "register",
            "export",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            "--data-dir",
            data_arg,
        ])
        .expect_code(0);
        let again = run_vigil([
            "register",
            "import",
            out.to_str().unwrap(),
            "--data-dir",
            data_arg,
        ]);
        again.expect_code(0);
        assert!(
            again
                .stdout
                .contains("0 systems created, 500 updated, 0 agencies created"),
            "{format}: {}",
            again.stdout
        );
    }
    let after = systems_in(&data);
    let details = |list: &[vigil_store::db::InformationSystem]| {
        let mut d: Vec<_> = list
            .iter()
            .map(|s| (s.agency.clone(), s.details.clone()))
            .collect();
        d.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
        d
    };
    let (after, before) = (details(&after), details(&systems));
    assert_eq!(after.len(), before.len());
    for (again, was) in after.iter().zip(&before) {
        assert_eq!(again, was, "export and import changed a system");
    }
}
