//! End-to-end tests of `vigil rules check` and `vigil rules test` on the SigmaHQ rule sets
//! and regression samples of the corpus, and on Vigil's own rule pack.

mod common;

use common::{corpus, run, sigma_rule_dirs, vigil, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn rules_check(dirs: &[PathBuf]) -> Run {
    run(vigil()
        .args(["rules", "check"])
        .args(dirs)
        .args(["--format", "json"]))
}

fn unsupported(report: &Value) -> &Vec<Value> {
    report["unsupported"]
        .as_array()
        .expect("`unsupported` is a list")
}

#[test]
fn every_sigmahq_rule_compiles() {
    let Some(corpus) = corpus() else { return };
    let run = rules_check(&sigma_rule_dirs(&corpus));
    let report = run.expect_code(0).json();
    let total = report["total"].as_u64().expect("total");
    assert!(total >= 3700, "only {total} documents found");
    assert_eq!(report["compiled"], total, "{report}");
    assert_eq!(unsupported(&report), &Vec::<Value>::new());
}

#[test]
fn vigil_rule_pack_compiles_with_its_correlations() {
    let pack = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/vigil");
    let report = rules_check(&[pack]).expect_code(0).json();
    assert_eq!(unsupported(&report), &Vec::<Value>::new());
    assert!(report["correlations"].as_u64() >= Some(9), "{report}");
    assert_eq!(report["compiled"], report["total"]);
}

/// Whether the rule file at `path` uses a Sigma 1 aggregation (`| count() ...`,
/// `| near ...`) in its condition.
fn uses_pipe_aggregation(path: &str) -> bool {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap_or_default();
    docs.iter().any(|doc| {
        let condition = &doc["detection"]["condition"];
        let conditions = match condition.as_vec() {
            Some(list) => list.iter().filter_map(|c| c.as_str()).collect(),
            None => condition.as_str().into_iter().collect::<Vec<_>>(),
        };
        conditions.iter().any(|c| c.contains('|'))
    })
}

#[test]
fn unsupported_sigmahq_rules_are_rejected_with_reasons() {
    let Some(corpus) = corpus() else { return };
    let run = rules_check(&[corpus.join("sigma/unsupported")]);
    assert_ne!(run.code, 0, "unsupported rules must fail the check");
    let report = run.json();
    let rejected = unsupported(&report);
    assert!(!rejected.is_empty());
    assert_eq!(
        report["compiled"].as_u64().unwrap() + rejected.len() as u64,
        report["total"].as_u64().unwrap()
    );
    let mut aggregations = 0;
    for entry in rejected {
        let path = entry["path"].as_str().expect("path");
        let reason = entry["reason"].as_str().expect("reason");
        assert!(!reason.trim().is_empty(), "{path}: empty reason");
        if uses_pipe_aggregation(path) {
            aggregations += 1;
            assert!(
                reason.contains("correlation"),
                "{path}: the reason for an aggregation should point to correlation rules: {reason}"
            );
        }
    }
    assert!(aggregations >= 40, "only {aggregations} aggregation rules");
}

#[test]
fn every_regression_sample_triggers_its_rule() {
    let Some(corpus) = corpus() else { return };
    let run = run(vigil()
        .args(["rules", "test", "--rules"])
        .args(sigma_rule_dirs(&corpus))
        .arg("--regression")
        .arg(corpus.join("sigma-regression"))
        .args(["--format", "json"]));
    let report = run.expect_code(0).json();
    assert_eq!(report["total"], 202, "{report}");
    assert_eq!(report["passed"], 202, "{report}");
    assert_eq!(report["failed"], Value::Array(Vec::new()));
}

#[test]
fn a_regression_sample_whose_rule_is_missing_fails() {
    let Some(corpus) = corpus() else { return };
    // Only the compliance rules: the samples' rules are not among them.
    let run = run(vigil()
        .args(["rules", "test", "--rules"])
        .arg(corpus.join("sigma/rules-compliance"))
        .arg("--regression")
        .arg(corpus.join("sigma-regression"))
        .args(["--format", "json"]));
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    let report = run.json();
    assert_eq!(report["passed"], 0);
    let failed = report["failed"].as_array().expect("failed");
    assert_eq!(failed.len(), 202);
    assert!(failed.iter().all(|f| f["reason"]
        .as_str()
        .is_some_and(|r| r.contains("not found"))));
}
