//! `vigil user add` and the first admin of `vigil serve`: the binary prints a one-time
//! password (only it, on stdout, for `user add`; once, on stderr, at the first start),
//! and that password logs in to the state database the binary wrote.

mod common;

use common::server::{admin, free_port};
use common::{run_vigil, vigil};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;
use vigil_store::db::{Db, LoginOutcome, Role, Tenant};

/// Opens the state database of a data directory (as `vigil` lays it out).
fn open_db(data: &Path) -> (tokio::runtime::Runtime, Db) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = format!("sqlite://{}", data.join("state.db").display());
    let db = runtime.block_on(Db::open(&url)).unwrap();
    (runtime, db)
}

#[test]
fn user_add_prints_only_a_one_time_password_that_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let agency = admin(dir.path(), &["agency", "add", "So Y te"]);

    let run = run_vigil([
        "user",
        "add",
        "Lan.Nguyen",
        "--role",
        "agency_officer",
        "--agency",
        "So Y te",
        "--display-name",
        "Nguyễn Thị Lan",
        "--data-dir",
        data,
    ]);
    run.expect_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "{:?}", run.stdout);
    let password = run.stdout.trim_end_matches('\n');
    assert!(password.len() >= 16, "{password:?}");
    assert!(
        password.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{password:?}"
    );

    let analyst = admin(
        dir.path(),
        &["user", "add", "minh", "--role", "soc_analyst"],
    );
    assert_ne!(analyst, password);

    let (runtime, db) = open_db(dir.path());
    let user = match runtime
        .block_on(db.verify_login("lan.nguyen", password, None, None))
        .unwrap()
    {
        LoginOutcome::Ok(user) => user,
        other => panic!("{other:?}"),
    };
    assert_eq!(user.role, Role::AgencyOfficer);
    assert_eq!(user.display_name, "Nguyễn Thị Lan");
    assert_eq!(user.tenant(), Tenant::Agency(agency));
    assert!(user.must_change_password);
    let audit = runtime.block_on(db.audit_list(None, 10, 0)).unwrap();
    assert!(audit
        .iter()
        .any(|r| r.action == "user.create" && r.actor == "cli"));
    runtime.block_on(db.close());

    // Refusals say why on stderr and print nothing on stdout.
    for (args, reason) in [
        (
            vec!["user", "add", "hoa", "--role", "agency_officer"],
            "agency",
        ),
        (
            vec![
                "user", "add", "hoa", "--role", "leader", "--agency", "Nowhere",
            ],
            "Nowhere",
        ),
        (vec!["user", "add", "MINH", "--role", "leader"], "exists"),
        (
            vec!["user", "add", "bad login", "--role", "leader"],
            "login",
        ),
    ] {
        let run = run_vigil(args.iter().copied().chain(["--data-dir", data]));
        run.expect_code(1);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains(reason), "{args:?}: {}", run.stderr);
    }
    let run = run_vigil(["user", "add", "x", "--role", "root", "--data-dir", data]);
    run.expect_code(2);
    assert!(run.stderr.contains("soc_analyst"), "{}", run.stderr);
}

/// Starts `vigil serve` on `data`, collects its standard error until it says it is
/// running, stops it, and answers what it said.
fn serve_until_running(data: &Path) -> String {
    let mut child = vigil()
        .arg("serve")
        .arg("--data-dir")
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--syslog")
        .arg(format!("127.0.0.1:{}", free_port()))
        .arg("--no-builtin-rules")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting vigil serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let running = line.starts_with("Vigil is running");
            if tx.send(line).is_err() || running {
                return;
            }
        }
    });
    let mut said = String::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(120)) {
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("Vigil is running") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        said.contains("Vigil is running"),
        "serve did not start:\n{said}"
    );
    said
}

#[test]
fn serve_creates_the_first_admin_once_and_prints_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let first = serve_until_running(dir.path());
    let line = first
        .lines()
        .find(|l| l.contains("one-time password"))
        .unwrap_or_else(|| panic!("no one-time password printed:\n{first}"));
    let password = line.rsplit(": ").next().unwrap().trim().to_owned();
    assert!(password.len() >= 16, "{line}");
    assert!(first.contains("login: admin"), "{first}");
    assert!(first.contains("mật khẩu dùng một lần"), "{first}");

    let second = serve_until_running(dir.path());
    assert!(
        !second.contains("one-time password") && !second.contains(&password),
        "printed again:\n{second}"
    );

    let (runtime, db) = open_db(dir.path());
    match runtime
        .block_on(db.verify_login("admin", &password, None, None))
        .unwrap()
    {
        LoginOutcome::Ok(user) => {
            assert_eq!(user.role, Role::Admin);
            assert!(user.must_change_password);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(runtime.block_on(db.list_users()).unwrap().len(), 1);
    runtime.block_on(db.close());
}
