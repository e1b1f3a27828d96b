//! End-to-end test of `vigil bench` on the corpus attack recordings: a well-formed report
//! whose phases read the same events and whose hunt agrees with `vigil hunt`. No timing is
//! asserted beyond being positive.

mod common;

use common::{corpus, run, sigma_rule_dirs, vigil};
use serde_json::Value;

#[test]
fn bench_reports_every_phase_over_the_same_events() {
    let Some(corpus) = corpus() else { return };
    let samples = corpus.join("evtx/attack-samples");
    let rules = sigma_rule_dirs(&corpus);
    let report = run(vigil()
        .arg("bench")
        .arg(&samples)
        .arg("--rules")
        .args(&rules)
        .args(["--no-builtin-rules", "--rounds", "1", "--format", "json"]))
    .expect_code(0)
    .json();

    let phases = report["phases"].as_array().expect("phases");
    let names: Vec<&str> = phases.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["parse", "hunt-no-rules", "hunt"]);
    let events = &phases[0]["events"];
    assert!(events.as_u64() >= Some(3800), "{report}");
    for phase in phases {
        assert_eq!(&phase["events"], events, "{phase}");
        assert!(phase["seconds_median"].as_f64() > Some(0.0), "{phase}");
        assert!(phase["events_per_second"].as_f64() > Some(0.0), "{phase}");
    }
    for ratio in ["hunt_over_parse", "hunt_over_empty_hunt"] {
        let value = report[ratio].as_f64().unwrap_or(f64::NAN);
        assert!(value.is_finite() && value > 0.0, "{ratio} = {value}");
    }
    assert!(report["rules"].as_u64() >= Some(3700), "{report}");
    assert_eq!(phases[0]["detections"], 0);
    assert_eq!(phases[1]["detections"], 0);

    // The measured hunt finds what `vigil hunt` finds with the same rules.
    let hunted = run(vigil()
        .arg("hunt")
        .arg(&samples)
        .arg("--rules")
        .args(&rules)
        .args(["--no-builtin-rules", "--format", "jsonl", "-q"]))
    .expect_code(0)
    .jsonl();
    let single_event = hunted
        .iter()
        .filter(|d| d.get("correlation").is_none())
        .count();
    assert_eq!(phases[2]["detections"], Value::from(single_event));
}

#[test]
fn bench_without_inputs_is_an_error() {
    let empty = tempfile::tempdir().expect("tempdir");
    let run = run(vigil().arg("bench").arg(empty.path()));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no .evtx"), "{}", run.stderr);
}
