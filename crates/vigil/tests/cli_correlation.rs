//! End-to-end tests of the correlation rules of Vigil's pack in `vigil hunt`: a burst of
//! failed network logons raises the burst and password-spraying correlations (and not the
//! building-block rules they count), a success after it raises the chained one, and a
//! broken correlation of the user's costs only itself.

mod common;

use common::{run, texts, vigil, write_jsonl, Run};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

const ATTACKER: &str = "198.51.100.23";
/// "Many Failed Network or RDP Logons from One Source Address" (event_count).
const FAILED_LOGON_BURST: &str = "affdee58-1fb0-40f1-bc33-3963936ea92b";
/// "One Source Address Fails to Log On with Many Different Accounts" (value_count).
const MANY_ACCOUNTS: &str = "fb51518f-bb5a-41b1-ac00-fbb3f362430d";
/// "Successful Logon After a Burst of Failures from the Same Source" (temporal_ordered).
const SUCCESS_AFTER_BURST: &str = "f89491c5-b744-4974-937c-40ec402407a2";

fn logon(event_id: i64, second: i64, user: &str) -> Value {
    let at = chrono::DateTime::from_timestamp(1_767_232_800 + second, 0).expect("time");
    json!({
        "@timestamp": at.to_rfc3339(),
        "Channel": "Security",
        "Provider_Name": "Microsoft-Windows-Security-Auditing",
        "EventID": event_id,
        "EventRecordID": 5000 + second,
        "Computer": "VPUB-RDS01.minhson.local",
        "LogonType": if event_id == 4624 { 10 } else { 3 },
        "IpAddress": ATTACKER,
        "IpPort": "0",
        "TargetUserName": user,
        "TargetDomainName": "MINHSON",
        "Status": "0xc000006d",
        "SubStatus": "0xc000006a",
    })
}

/// Twelve failed network logons from one address, 20 s apart, each for another account.
fn failed_burst() -> Vec<Value> {
    (0..12)
        .map(|i| logon(4625, 20 * i, &format!("user{i:02}")))
        .collect()
}

fn hunt(events: &[Value], extra: &[&Path]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("logons.jsonl");
    write_jsonl(&path, events);
    let mut command = vigil();
    command
        .arg("hunt")
        .arg(&path)
        .args(["--format", "jsonl", "-q"]);
    if !extra.is_empty() {
        command.arg("--rules").args(extra);
    }
    let run: Run = run(&mut command);
    run.expect_code(0);
    run.jsonl()
}

fn of_rule<'a>(detections: &'a [Value], rule_id: &str) -> Vec<&'a Value> {
    detections
        .iter()
        .filter(|d| d["rule_id"] == rule_id)
        .collect()
}

/// Every detection is a correlation, and no rule a correlation counts alerts on its own.
fn assert_only_correlations(detections: &[Value]) {
    let counted: BTreeSet<&str> = detections
        .iter()
        .flat_map(|d| d["correlation"]["rules"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    for d in detections {
        assert!(d["correlation"].is_object(), "not a correlation: {d}");
        let id = d["rule_id"].as_str().expect("rule id");
        assert!(!counted.contains(id), "building block {id} alerted: {d}");
        assert!(!d["rule_title"]
            .as_str()
            .unwrap_or("")
            .contains("building block"));
    }
}

#[test]
fn failed_logon_burst_raises_the_burst_correlations() {
    let detections = hunt(&failed_burst(), &[]);
    assert_only_correlations(&detections);

    let burst = of_rule(&detections, FAILED_LOGON_BURST);
    assert_eq!(burst.len(), 1, "{detections:#?}");
    let correlation = &burst[0]["correlation"];
    assert_eq!(correlation["group"], json!({ "IpAddress": ATTACKER }));
    assert!(correlation["count"].as_f64() >= Some(10.0), "{correlation}");
    assert_eq!(burst[0]["level"], "high");
    // The detection points at the event that completed the burst.
    assert_eq!(burst[0]["event"]["IpAddress"], ATTACKER);
    assert_eq!(burst[0]["event"]["EventID"], 4625);

    let spraying = of_rule(&detections, MANY_ACCOUNTS);
    assert!(!spraying.is_empty(), "{detections:#?}");
    for d in &spraying {
        assert!(d["correlation"]["count"].as_f64() >= Some(5.0), "{d}");
        assert_eq!(d["correlation"]["group"]["IpAddress"], ATTACKER);
    }
    assert!(of_rule(&detections, SUCCESS_AFTER_BURST).is_empty());
}

#[test]
fn nine_failures_are_not_a_burst() {
    let mut events = failed_burst();
    events.truncate(9);
    let detections = hunt(&events, &[]);
    assert!(of_rule(&detections, FAILED_LOGON_BURST).is_empty());
    assert_only_correlations(&detections);
}

#[test]
fn success_after_the_burst_raises_the_chained_correlation() {
    let mut events = failed_burst();
    events.push(logon(4624, 600, "vanthu.lan"));
    let detections = hunt(&events, &[]);
    assert_only_correlations(&detections);
    let chained = of_rule(&detections, SUCCESS_AFTER_BURST);
    assert_eq!(chained.len(), 1, "{detections:#?}");
    assert_eq!(chained[0]["level"], "critical");
    assert_eq!(chained[0]["event"]["EventID"], 4624);
    assert_eq!(chained[0]["event"]["TargetUserName"], "vanthu.lan");
    assert_eq!(
        chained[0]["correlation"]["group"],
        json!({ "IpAddress": ATTACKER })
    );
}

#[test]
fn a_broken_user_correlation_leaves_the_built_in_ones_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("broken.yml"),
        "title: Refers to a Rule Nobody Wrote\nid: 5d0f4d1e-0c55-4a43-9d5e-9d7c1b1f7a01\n\
         correlation: {type: event_count, rules: [no_such_rule], group-by: [IpAddress], \
         timespan: 5m, condition: {gte: 2}}\nlevel: high\n",
    )
    .expect("writing the rule");
    let detections = hunt(&failed_burst(), &[dir.path()]);
    assert_only_correlations(&detections);
    assert_eq!(of_rule(&detections, FAILED_LOGON_BURST).len(), 1);

    // `rules check` names the broken correlation and only it.
    let check = run(vigil()
        .args(["rules", "check"])
        .arg(dir.path())
        .args(["--format", "json"]));
    assert_eq!(check.code, 1, "{}", check.stdout);
    let report = check.json();
    let rejected = report["unsupported"].as_array().expect("unsupported");
    assert_eq!(rejected.len(), 1, "{report}");
    assert!(rejected[0]["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("broken.yml")));
    assert!(rejected[0]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("no_such_rule")));
    assert_eq!(texts(rejected, "title"), ["Refers to a Rule Nobody Wrote"]);
}
