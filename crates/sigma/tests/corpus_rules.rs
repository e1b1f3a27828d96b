//! Conformance over the SigmaHQ rule sets in the shared corpus: every rule compiles,
//! and the few that cannot carry a reason.

use vigil_sigma::RuleSet;

#[test]
fn sigmahq_rule_sets_compile() {
    let Some(corpus) = vigil_formats::corpus_dir() else {
        println!("skipped: corpus not found");
        return;
    };
    let mut builder = RuleSet::builder();
    for set in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-placeholder",
        "rules-compliance",
    ] {
        builder.add_path(&corpus.join("sigma").join(set)).unwrap();
    }
    let rules = builder.build();
    for u in &rules.unsupported {
        println!("unsupported: {} — {}", u.origin, u.reason);
    }
    println!(
        "documents {} compiled {} unsupported {} unfiltered-by-prefilter {}",
        rules.documents(),
        rules.rules().len(),
        rules.unsupported.len(),
        rules.unfiltered_rules()
    );
    assert!(rules.documents() > 3700);
    assert!(
        rules.unsupported.is_empty(),
        "{} rules did not compile",
        rules.unsupported.len()
    );
}

#[test]
fn unsupported_folder_fails_with_reasons() {
    let Some(corpus) = vigil_formats::corpus_dir() else {
        println!("skipped: corpus not found");
        return;
    };
    let mut builder = RuleSet::builder();
    builder.add_path(&corpus.join("sigma/unsupported")).unwrap();
    let rules = builder.build();
    let aggregations = rules
        .unsupported
        .iter()
        .filter(|u| u.reason.contains("correlation rule"))
        .count();
    println!(
        "unsupported folder: {} compiled, {} rejected ({aggregations} aggregations)",
        rules.rules().len(),
        rules.unsupported.len()
    );
    assert!(
        aggregations > 10,
        "old aggregation syntax must be rejected with a pointer to correlations"
    );
    assert!(rules.unsupported.iter().all(|u| !u.reason.is_empty()));
}
