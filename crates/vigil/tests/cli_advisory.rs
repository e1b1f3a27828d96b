//! `vigil advisory import-kev|import-nvd` against a register imported with
//! `vigil register import`: each CVE that affects registered components is printed with
//! exactly the systems (and agencies) it affects — by vendor and product for KEV, by CPE
//! and version range for NVD — and drafted once as an advisory; CVEs that affect nothing
//! registered are not printed.

mod common;

use common::run_vigil;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use vigil_store::db::{CaseKind, Db, Tenant};

/// The register: agency, system, level, components.
const REGISTER: [(&str, &str, u8, &str); 6] = [
    (
        "Sở Y tế",
        "Cổng thông tin điện tử",
        3,
        "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*",
    ),
    ("UBND xã Tân Phú", "Trang thông tin xã", 2, "nginx@1.24.0"),
    (
        "Sở Tư pháp",
        "Hệ thống một cửa điện tử",
        3,
        "nginx@1.26.1; PostgreSQL@15.4",
    ),
    (
        "Sở Tài chính",
        "Phần mềm kế toán",
        2,
        "Microsoft IIS@10.0; cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*",
    ),
    (
        "Sở Tài chính",
        "Cổng thanh toán",
        3,
        "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*",
    ),
    (
        "Văn phòng UBND tỉnh",
        "Thư điện tử công vụ",
        2,
        "Zimbra Collaboration Suite@8.8.15",
    ),
];

fn write_register(path: &Path) {
    let mut csv = String::from("agency,system_name,level,dossier_status,components\n");
    for (agency, system, level, components) in REGISTER {
        csv.push_str(&format!(
            "{agency},{system},{level},draft,\"{components}\"\n"
        ));
    }
    std::fs::write(path, csv).unwrap();
}

fn kev() -> serde_json::Value {
    let entry = |cve: &str, vendor: &str, product: &str, name: &str, ransomware: &str| {
        json!({
            "cveID": cve, "vendorProject": vendor, "product": product,
            "vulnerabilityName": name, "dateAdded": "2026-10-01",
            "shortDescription": format!("{name} allows remote attackers to run code."),
            "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
            "dueDate": "2026-10-22", "knownRansomwareCampaignUse": ransomware,
            "notes": "https://example.org/advisory ; ", "cwes": ["CWE-787"]
        })
    };
    json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.11.20", "dateReleased": "2026-11-20T15:00:00.000Z", "count": 4,
        "vulnerabilities": [
            entry("CVE-2026-10001", "Apache", "HTTP Server", "Apache HTTP Server Path Traversal", "Unknown"),
            entry("CVE-2026-10002", "Microsoft", "Exchange Server", "Microsoft Exchange Server RCE", "Known"),
            entry("CVE-2026-10003", "F5", "NGINX", "F5 NGINX Memory Corruption", "Unknown"),
            entry("CVE-2026-10004", "Synacor", "Zimbra Collaboration Suite", "Zimbra XSS", "Unknown"),
        ]
    })
}

fn nvd() -> serde_json::Value {
    let cve = |id: &str, severity: &str, matches: serde_json::Value| {
        json!({ "cve": {
            "id": id, "sourceIdentifier": "cve@mitre.org", "published": "2026-09-01T10:15:00.000",
            "lastModified": "2026-09-05T12:00:00.000", "vulnStatus": "Analyzed",
            "descriptions": [{"lang": "en", "value": format!("{id} lets a remote attacker crash the service. Details follow.")}],
            "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary",
                "cvssData": {"version": "3.1", "baseScore": 7.5, "baseSeverity": severity}}]},
            "configurations": [{"nodes": [{"operator": "OR", "negate": false, "cpeMatch": matches}]}],
            "references": [{"url": format!("https://nvd.example/{id}")}]
        }})
    };
    json!({
        "resultsPerPage": 4, "startIndex": 0, "totalResults": 4,
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-11-20T00:00:00.000",
        "vulnerabilities": [
            // nginx 1.20.0 ≤ v < 1.25.3: the commune's 1.24.0 and the payment portal's
            // 1.22.1, not the justice department's 1.26.1.
            cve("CVE-2026-20001", "HIGH", json!([{
                "vulnerable": true, "criteria": "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*",
                "versionStartIncluding": "1.20.0", "versionEndExcluding": "1.25.3",
                "matchCriteriaId": "A1"
            }])),
            // httpd up to 2.4.57: the registered 2.4.58 is fixed.
            cve("CVE-2026-20002", "CRITICAL", json!([{
                "vulnerable": true, "criteria": "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*",
                "versionEndIncluding": "2.4.57", "matchCriteriaId": "B1"
            }])),
            // Windows Server 2019, any build (NA version in the register).
            cve("CVE-2026-20003", "MEDIUM", json!([{
                "vulnerable": true, "criteria": "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*",
                "matchCriteriaId": "C1"
            }])),
            // PostgreSQL 15.0 ≤ v ≤ 15.4 only as a platform (not vulnerable itself).
            cve("CVE-2026-20004", "LOW", json!([{
                "vulnerable": false, "criteria": "cpe:2.3:a:postgresql:postgresql:*:*:*:*:*:*:*:*",
                "versionStartIncluding": "15.0", "versionEndIncluding": "15.4", "matchCriteriaId": "D1"
            }])),
        ]
    })
}

/// CVE → (first line fields, affected "agency / system" lines) from the command's output.
fn parse(stdout: &str) -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    let mut out: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut current = None;
    for line in stdout.lines() {
        if let Some(system) = line.strip_prefix("  ") {
            let fields: Vec<&str> = system.split('\t').collect();
            let cve: &String = current.as_ref().expect("a system line follows a CVE line");
            out.get_mut(cve)
                .unwrap()
                .1
                .push(format!("{} / {} / {}", fields[0], fields[1], fields[2]));
        } else {
            let fields: Vec<String> = line.split('\t').map(str::to_owned).collect();
            current = Some(fields[0].clone());
            out.insert(fields[0].clone(), (fields, Vec::new()));
        }
    }
    out
}

fn drafts(data: &Path) -> Vec<(String, String)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", data.join("state.db").display());
        let db = Db::open(&url).await.unwrap();
        let mut out: Vec<(String, String)> = db
            .list_case_records(CaseKind::Advisory, &Tenant::All)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.body["cves"][0].as_str().unwrap().to_owned(), r.status))
            .collect();
        out.sort();
        out
    })
}

#[test]
fn kev_and_nvd_files_print_exactly_the_affected_systems_and_draft_advisories() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let register = dir.path().join("register.csv");
    write_register(&register);
    run_vigil([
        "register",
        "import",
        register.to_str().unwrap(),
        "--data-dir",
        data_arg,
    ])
    .expect_code(0);

    let kev_file = dir.path().join("known_exploited_vulnerabilities.json");
    std::fs::write(&kev_file, kev().to_string()).unwrap();
    let run = run_vigil([
        "advisory",
        "import-kev",
        kev_file.to_str().unwrap(),
        "--data-dir",
        data_arg,
    ]);
    run.expect_code(0);
    let kev_out = parse(&run.stdout);
    assert_eq!(
        kev_out.keys().collect::<Vec<_>>(),
        ["CVE-2026-10001", "CVE-2026-10003", "CVE-2026-10004"],
        "{}",
        run.stdout
    );
    assert_eq!(
        kev_out["CVE-2026-10001"].1,
        ["Sở Y tế / Cổng thông tin điện tử / level 3"]
    );
    // KEV names no versions: every registered nginx, whatever its version.
    assert_eq!(
        kev_out["CVE-2026-10003"].1,
        [
            "Sở Tài chính / Cổng thanh toán / level 3",
            "Sở Tư pháp / Hệ thống một cửa điện tử / level 3",
            "UBND xã Tân Phú / Trang thông tin xã / level 2",
        ]
    );
    assert_eq!(
        kev_out["CVE-2026-10004"].1,
        ["Văn phòng UBND tỉnh / Thư điện tử công vụ / level 2"]
    );
    assert_eq!(kev_out["CVE-2026-10001"].0[1], "high");
    assert!(kev_out.values().all(|(head, _)| head[4] == "new"));
    assert!(run.stderr.contains("3/4 CVE"), "{}", run.stderr);

    let nvd_file = dir.path().join("nvdcve-2.0-modified.json");
    std::fs::write(&nvd_file, nvd().to_string()).unwrap();
    let run = run_vigil([
        "advisory",
        "import-nvd",
        nvd_file.to_str().unwrap(),
        "--data-dir",
        data_arg,
    ]);
    run.expect_code(0);
    let nvd_out = parse(&run.stdout);
    assert_eq!(
        nvd_out.keys().collect::<Vec<_>>(),
        ["CVE-2026-20001", "CVE-2026-20003"],
        "{}",
        run.stdout
    );
    assert_eq!(
        nvd_out["CVE-2026-20001"].1,
        [
            "Sở Tài chính / Cổng thanh toán / level 3",
            "UBND xã Tân Phú / Trang thông tin xã / level 2",
        ]
    );
    assert_eq!(
        nvd_out["CVE-2026-20003"].1,
        ["Sở Tài chính / Phần mềm kế toán / level 2"]
    );
    assert_eq!(nvd_out["CVE-2026-20001"].0[1], "high");
    assert_eq!(nvd_out["CVE-2026-20003"].0[1], "medium");

    // Importing the same catalogue again drafts nothing new.
    let again = run_vigil([
        "advisory",
        "import-kev",
        kev_file.to_str().unwrap(),
        "--data-dir",
        data_arg,
    ]);
    again.expect_code(0);
    assert!(parse(&again.stdout)
        .values()
        .all(|(head, _)| head[4] == "existing"));
    let stored = drafts(&data);
    assert_eq!(
        stored,
        [
            ("CVE-2026-10001".to_owned(), "draft".to_owned()),
            ("CVE-2026-10003".to_owned(), "draft".to_owned()),
            ("CVE-2026-10004".to_owned(), "draft".to_owned()),
            ("CVE-2026-20001".to_owned(), "draft".to_owned()),
            ("CVE-2026-20003".to_owned(), "draft".to_owned()),
        ]
    );
}

#[test]
fn a_file_that_is_not_the_feed_fails_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrong.json");
    std::fs::write(&file, r#"{"vulnerabilities": {"oops": 1}}"#).unwrap();
    let run = run_vigil([
        "advisory",
        "import-nvd",
        file.to_str().unwrap(),
        "--data-dir",
        dir.path().join("data").to_str().unwrap(),
    ]);
    run.expect_code(1);
    assert!(run.stderr.contains("NVD file"), "{}", run.stderr);
}
