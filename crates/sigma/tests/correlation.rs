//! Correlation rules: parsing (corpus examples and malformed documents) and the
//! streaming engine's window semantics.

use proptest::prelude::*;
use vigil_sigma::correlation::{
    Aggregate, CompareOp, CorrelationEngine, CorrelationHit, CorrelationRule, Timespan,
};
use vigil_sigma::{Document, Level, Scalar, SigmaError};
use yaml_rust2::YamlLoader;

const SEC: i64 = 1_000;
const MIN: i64 = 60 * SEC;

/// A test event: named text fields.
struct Fields(Vec<(String, String)>);

impl Document for Fields {
    fn visit_field(&self, name: &str, visit: &mut dyn FnMut(Scalar<'_>) -> bool) -> Option<bool> {
        let mut values = self.0.iter().filter(|(field, _)| field == name).peekable();
        values.peek()?;
        Some(values.any(|(_, value)| visit(Scalar::Str(value))))
    }

    fn visit_all(&self, visit: &mut dyn FnMut(&str, Scalar<'_>) -> bool) -> bool {
        self.0
            .iter()
            .any(|(field, value)| visit(field, Scalar::Str(value)))
    }
}

fn event(fields: &[(&str, &str)]) -> Fields {
    Fields(
        fields
            .iter()
            .map(|(f, v)| (f.to_string(), v.to_string()))
            .collect(),
    )
}

fn user(name: &str) -> Fields {
    event(&[("User", name)])
}

fn parse(yaml: &str) -> Result<CorrelationRule, SigmaError> {
    let docs = YamlLoader::load_from_str(yaml).expect("test YAML is well-formed");
    CorrelationRule::from_yaml(&docs[0])
}

fn rule(yaml: &str) -> CorrelationRule {
    parse(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// A correlation of `kind` over the given rule references, grouped by `User`, 10 minutes.
fn correlation(kind: &str, rules: &[&str], condition: &str) -> CorrelationRule {
    rule(&format!(
        "title: {kind} test\nid: corr-{kind}\nlevel: high\nauthor: tester\ncorrelation:\n  type: {kind}\n  rules: [{}]\n  \
         group-by: [User]\n  timespan: 10m\n{condition}",
        rules.join(", ")
    ))
}

/// The detection rules the engine tests refer to: id `r-x` named `x`.
const KNOWN: [(&str, Option<&str>); 6] = [
    ("r-a", Some("a")),
    ("r-b", Some("b")),
    ("r-c", Some("c")),
    ("r-failed", Some("failed_login")),
    ("r-success", Some("successful_login")),
    ("r-proc", None),
];

fn engine(correlations: Vec<CorrelationRule>) -> CorrelationEngine {
    CorrelationEngine::new(correlations, KNOWN).unwrap()
}

/// Feeds `(rule id, time, event)` in the given order, then finishes; returns all hits.
fn run(engine: &mut CorrelationEngine, matches: &[(&str, i64, &Fields)]) -> Vec<CorrelationHit> {
    let mut hits = Vec::new();
    for (i, (rule_id, ts, event)) in matches.iter().enumerate() {
        hits.extend(engine.observe(rule_id, None, *ts, i as u64, *event));
    }
    hits.extend(engine.finish());
    hits
}

#[test]
fn corpus_examples_parse() {
    let Some(corpus) = vigil_formats::corpus_dir() else {
        println!("skipped: corpus not found");
        return;
    };
    let dir = corpus.join("sigma-spec/tests/schema/correlation");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Each file is named after its type (`event_count_ecs.yml` too).
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            stem.starts_with(parsed.kind.as_str()),
            "{stem} parsed as {}",
            parsed.kind
        );
        assert!(!parsed.rules.is_empty() && parsed.timespan.millis() > 0);
        assert_eq!(
            parsed.condition.field.is_some(),
            parsed.kind.needs_field(),
            "{stem}"
        );
        seen += 1;
    }
    assert!(seen >= 7, "only {seen} examples in {}", dir.display());

    let value_count =
        parse(&std::fs::read_to_string(dir.join("value_count.yml")).unwrap()).unwrap();
    assert_eq!(value_count.group_by, ["ComputerName", "WorkstationName"]);
    assert_eq!(value_count.condition.field.as_deref(), Some("User"));
    assert_eq!(value_count.condition.bounds, [(CompareOp::Gte, 100.0)]);
    assert_eq!(value_count.timespan.millis(), 24 * 60 * MIN);
    let temporal = parse(&std::fs::read_to_string(dir.join("temporal.yml")).unwrap()).unwrap();
    assert_eq!(
        temporal.condition.bounds,
        [(CompareOp::Gte, 3.0)],
        "temporal defaults to all rules"
    );
    let ecs = parse(&std::fs::read_to_string(dir.join("event_count_ecs.yml")).unwrap()).unwrap();
    assert_eq!(ecs.taxonomy.as_deref(), Some("ecs"));
}

#[test]
fn metadata_and_defaults_are_read() {
    let parsed = rule(
        "title: Meta\nid: m-1\nname: meta\nstatus: test\ndescription: d\nauthor: me\nreferences: [https://x]\n\
         date: 2024-01-02\nmodified: 2024-02-03\ntags: [attack.t1110]\nfalsepositives: [admins]\nlevel: critical\n\
         correlation:\n  type: value_sum\n  rules: [a, b]\n  timespan: 1h\n  condition: {field: [bytes], gt: 10, lte: 20.5}\n  \
         aliases:\n    bytes: {a: sent, b: out}\n",
    );
    assert_eq!(parsed.meta.title, "Meta");
    assert_eq!(parsed.meta.name.as_deref(), Some("meta"));
    assert_eq!(parsed.meta.level, Level::Critical);
    assert_eq!(parsed.meta.tags, ["attack.t1110"]);
    assert!(!parsed.generate, "generate defaults to false");
    assert!(parsed.group_by.is_empty());
    assert_eq!(parsed.condition.field.as_deref(), Some("bytes"));
    assert_eq!(
        parsed.condition.bounds,
        [(CompareOp::Gt, 10.0), (CompareOp::Lte, 20.5)]
    );
    assert!(
        parsed.condition.holds(20.5)
            && !parsed.condition.holds(10.0)
            && !parsed.condition.holds(21.0)
    );
    assert_eq!(parsed.aliases["bytes"]["b"], "out");
    assert!(
        !parsed.decides_early(),
        "an upper bound waits for the window to close"
    );
    assert!(
        rule("title: g\ngenerate: true\ncorrelation: {type: temporal, rules: [a], timespan: 1s}")
            .generate
    );
}

#[test]
fn timespans() {
    let millis = |text: &str| Timespan::parse(text).map(|t| t.millis());
    assert_eq!(millis("30s"), Ok(30 * SEC));
    assert_eq!(millis("90m"), Ok(90 * MIN));
    assert_eq!(millis("2h"), Ok(120 * MIN));
    assert_eq!(millis("1d"), Ok(24 * 60 * MIN));
    assert_eq!(millis("1w"), Ok(7 * 24 * 60 * MIN));
    assert_eq!(Timespan::parse("90m").unwrap().to_string(), "90m");
    for bad in [
        "",
        "m",
        "5",
        "5x",
        "1.5h",
        "-5m",
        "+5m",
        " 5m",
        "0s",
        "3M",
        "1y",
        "99999999999999999w",
    ] {
        assert!(Timespan::parse(bad).is_err(), "`{bad}` was accepted");
    }
}

#[test]
fn malformed_correlations_are_rejected_precisely() {
    let cases: &[(&str, &str)] = &[
        ("title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1h}", "missing required attribute `correlation.condition`"),
        ("title: x\ncorrelation: {type: event_cnt, rules: [a], timespan: 1h, condition: {gte: 1}}", "unknown type `event_cnt`"),
        ("title: x\ncorrelation: {rules: [a], timespan: 1h, condition: {gte: 1}}", "`correlation.type`"),
        ("title: x\ncorrelation: {type: event_count, timespan: 1h, condition: {gte: 1}}", "`correlation.rules`"),
        ("title: x\ncorrelation: {type: event_count, rules: [a, a], timespan: 1h, condition: {gte: 1}}", "`a` is listed twice"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], group-by: [U, U], timespan: 1h, condition: {gte: 1}}", "`U` is listed twice"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], condition: {gte: 1}}", "`correlation.timespan`"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1hour, condition: {gte: 1}}", "`1hour` is not a number"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], timespan: 5, condition: {gte: 1}}", "must be text"),
        ("title: x\ncorrelation: {type: value_count, rules: [a], timespan: 1h, condition: {gte: 1}}", "`correlation.condition.field`"),
        ("title: x\ncorrelation: {type: value_avg, rules: [a], timespan: 1h, condition: {field: [f, g], gt: 1}}", "one field, not several"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1h, condition: {ge: 1}}", "unknown operator `ge`"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1h, condition: {gte: many}}", "`correlation.condition.gte`: must be a number"),
        ("title: x\ncorrelation: {type: value_sum, rules: [a], timespan: 1h, condition: {field: f}}", "has no comparison"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1h, condition: {field: f, gte: 1}}", "not event_count"),
        ("title: x\ncorrelation: {type: event_count, rules: [a], timespan: 1h, condition: 5}", "must be a map"),
        ("title: x\ncorrelation: {type: temporal, rules: [a], timespan: 1h, aliases: {ip: x}}", "each alias must map"),
        ("title: x\ncorrelation: {type: temporal, rules: [a], timespan: 1h, aliases: {ip: {a: [x]}}}", "`correlation.aliases.ip`"),
        ("title: x\ngenerate: yes please\ncorrelation: {type: temporal, rules: [a], timespan: 1h}", "`generate`"),
        ("title: x\ncorrelation: [event_count]", "`correlation`: must be a map"),
        ("title: x\ndetection: {}", "missing required attribute `correlation`"),
        ("correlation: {type: temporal, rules: [a], timespan: 1h}", "missing required attribute `title`"),
        ("- just a list", "must be a map"),
    ];
    for (yaml, expected) in cases {
        match parse(yaml) {
            Ok(_) => panic!("accepted: {yaml}"),
            Err(e) => assert!(
                e.to_string().contains(expected),
                "{yaml}\n  gave: {e}\n  want: {expected}"
            ),
        }
    }
}

#[test]
fn references_are_resolved_or_reported() {
    let err = |correlations: Vec<CorrelationRule>| {
        CorrelationEngine::new(correlations, KNOWN)
            .unwrap_err()
            .to_string()
    };
    let unknown = err(vec![correlation("temporal", &["a", "nope", "r-zzz"], "")]);
    assert!(
        unknown.contains("`nope`") && unknown.contains("`r-zzz`") && !unknown.contains("`a`"),
        "{unknown}"
    );

    let ambiguous = CorrelationEngine::new(
        vec![correlation("temporal", &["x"], "")],
        [("1", Some("x")), ("2", Some("x"))],
    );
    assert!(ambiguous
        .unwrap_err()
        .to_string()
        .contains("name of both rule 1 and rule 2"));

    let cycle = err(vec![
        rule("title: One\nname: one\ncorrelation: {type: temporal, rules: [a, two], timespan: 1m}"),
        rule("title: Two\nname: two\ncorrelation: {type: temporal, rules: [one], timespan: 1m}"),
    ]);
    assert!(cycle.contains("cycle: `One` → `Two` → `One`"), "{cycle}");

    let stray_alias = err(vec![rule(
        "title: S\ncorrelation: {type: temporal, rules: [a], timespan: 1m, group-by: [ip], aliases: {ip: {zz: f}}}",
    )]);
    assert!(
        stray_alias.contains("alias `ip` names rule `zz`"),
        "{stray_alias}"
    );

    let twins = err(vec![
        rule("title: P\nname: same\ncorrelation: {type: temporal, rules: [a], timespan: 1m}"),
        rule("title: Q\nname: same\ncorrelation: {type: temporal, rules: [b], timespan: 1m}"),
    ]);
    assert!(
        twins.contains("`P` and `Q` are both called `same`"),
        "{twins}"
    );

    let twice = err(vec![correlation("temporal", &["a", "r-a"], "")]);
    assert!(
        twice.contains("references one rule twice, as `a` and `r-a`"),
        "{twice}"
    );

    // By id, by name, and a rule known without a name.
    CorrelationEngine::new(
        vec![correlation("temporal", &["r-a", "b", "r-proc"], "")],
        KNOWN,
    )
    .unwrap();
}

#[test]
fn event_count_fires_at_its_threshold_not_below() {
    let gte3 = || {
        engine(vec![correlation(
            "event_count",
            &["failed_login"],
            "  condition: {gte: 3}",
        )])
    };
    let (e1, e2, e3) = (user("alice"), user("alice"), user("alice"));
    let two = [("r-failed", 0, &e1), ("r-failed", MIN, &e2)];
    assert!(run(&mut gte3(), &two).is_empty());
    let three = [two[0], two[1], ("r-failed", 2 * MIN, &e3)];
    let hits = run(&mut gte3(), &three);
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.aggregate, Aggregate::Events(3));
    assert_eq!(
        (hit.first_ms, hit.last_ms, hit.decided_ms),
        (0, 2 * MIN, 2 * MIN)
    );
    assert_eq!(
        (hit.id.as_deref(), hit.title.as_str()),
        (Some("corr-event_count"), "event_count test")
    );
    assert_eq!(
        (hit.level, hit.author.as_deref()),
        (Level::High, Some("tester"))
    );
    assert_eq!(hit.rules, ["r-failed"]);
    assert_eq!(hit.samples, [0, 1, 2]);
    assert_eq!(hit.correlation, 0);

    let gt3 = || {
        engine(vec![correlation(
            "event_count",
            &["failed_login"],
            "  condition: {gt: 3}",
        )])
    };
    assert!(
        run(&mut gt3(), &three).is_empty(),
        "gt 3 needs a fourth event"
    );
}

#[test]
fn early_conditions_fire_on_the_deciding_event_without_lateness() {
    let mut engine = engine(vec![correlation(
        "event_count",
        &["failed_login"],
        "  condition: {gte: 2}",
    )])
    .with_lateness(0);
    assert!(engine
        .observe("r-failed", None, 0, 1, &user("alice"))
        .is_empty());
    let hits = engine.observe("r-failed", None, SEC, 2, &user("alice"));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].samples, [1, 2]);
    // Found by name when the id is not one the engine knows.
    assert!(engine
        .observe("unknown-id", Some("failed_login"), 2 * SEC, 3, &user("bob"))
        .is_empty());
    assert_eq!(
        engine
            .observe("other", Some("failed_login"), 3 * SEC, 4, &user("bob"))
            .len(),
        1
    );
}

#[test]
fn a_burst_is_consumed_by_its_hit() {
    let mut engine = engine(vec![correlation(
        "event_count",
        &["failed_login"],
        "  condition: {gte: 3}",
    )]);
    let alice = user("alice");
    let burst: Vec<(&str, i64, &Fields)> = (0..8).map(|i| ("r-failed", i * SEC, &alice)).collect();
    let hits = run(&mut engine, &burst);
    // Events 0-2 and 3-5 each make one hit; 6 and 7 are left over.
    let spans: Vec<(i64, i64)> = hits.iter().map(|h| (h.first_ms, h.last_ms)).collect();
    assert_eq!(spans, [(0, 2 * SEC), (3 * SEC, 5 * SEC)]);
}

#[test]
fn events_further_apart_than_the_timespan_do_not_combine() {
    let pair = |gap: i64| {
        let mut engine = engine(vec![correlation(
            "event_count",
            &["failed_login"],
            "  condition: {gte: 2}",
        )]);
        let alice = user("alice");
        run(
            &mut engine,
            &[("r-failed", 0, &alice), ("r-failed", gap, &alice)],
        )
        .len()
    };
    assert_eq!(pair(10 * MIN - 1), 1);
    assert_eq!(
        pair(10 * MIN),
        0,
        "a window [t, t + 10m) ends before t + 10m"
    );
    assert_eq!(pair(11 * MIN), 0);
}

#[test]
fn groups_are_separate_and_a_missing_field_groups_as_empty() {
    let mut engine = engine(vec![correlation(
        "event_count",
        &["failed_login"],
        "  condition: {gte: 2}",
    )]);
    let (alice, bob, nobody) = (user("alice"), user("bob"), event(&[("Host", "h1")]));
    let hits = run(
        &mut engine,
        &[
            ("r-failed", 0, &alice),
            ("r-failed", 1, &bob),
            ("r-failed", 2, &nobody),
            ("r-failed", 3, &alice),
            ("r-failed", 4, &nobody),
        ],
    );
    let groups: Vec<&str> = hits.iter().map(|h| h.group[0].1.as_str()).collect();
    assert_eq!(groups, ["alice", ""]);
    assert_eq!(hits[0].group, [("User".to_string(), "alice".to_string())]);
}

#[test]
fn value_count_counts_distinct_values() {
    let condition = "  condition: {field: Target, gte: 3}";
    let mut engine = engine(vec![correlation(
        "value_count",
        &["failed_login"],
        condition,
    )]);
    let target = |t: &str| event(&[("User", "alice"), ("Target", t)]);
    let (x, y, z, untargeted) = (target("x"), target("y"), target("z"), user("alice"));
    let hits = run(
        &mut engine,
        &[
            ("r-failed", 0, &x),
            ("r-failed", 1, &x),
            ("r-failed", 2, &y),
            ("r-failed", 3, &untargeted),
            ("r-failed", 4, &y),
        ],
    );
    assert!(hits.is_empty(), "two distinct values, not three");
    let hits = run(
        &mut engine,
        &[
            ("r-failed", 0, &x),
            ("r-failed", 1, &y),
            ("r-failed", 2, &x),
            ("r-failed", 3, &z),
        ],
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].aggregate, Aggregate::DistinctValues(3));
}

#[test]
fn value_sum_parses_numbers_and_ignores_the_rest() {
    let condition = "  condition: {field: bytes, gt: 1000}";
    let mut engine = engine(vec![correlation("value_sum", &["a"], condition)]);
    let sent = |b: &str| event(&[("User", "u"), ("bytes", b)]);
    let (e1, e2, junk, e3) = (sent("600"), sent(" 400.0 "), sent("lots"), sent("1"));
    assert!(
        run(
            &mut engine,
            &[("r-a", 0, &e1), ("r-a", 1, &e2), ("r-a", 2, &junk)]
        )
        .is_empty(),
        "1000 is not > 1000"
    );
    let hits = run(
        &mut engine,
        &[
            ("r-a", 0, &e1),
            ("r-a", 1, &e2),
            ("r-a", 2, &junk),
            ("r-a", 3, &e3),
        ],
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].aggregate, Aggregate::Sum(1001.0));
}

#[test]
fn value_avg_is_decided_when_the_window_closes() {
    let condition = "  condition: {field: bytes, gt: 500}";
    let mut engine = engine(vec![correlation("value_avg", &["a"], condition)]).with_lateness(0);
    let sent = |b: &str| event(&[("User", "u"), ("bytes", b)]);
    let (big, small) = (sent("900"), sent("200"));
    // The first event alone averages 900, but the window is judged as a whole.
    assert!(engine.observe("r-a", None, 0, 0, &big).is_empty());
    assert!(engine.observe("r-a", None, MIN, 1, &small).is_empty());
    assert!(engine.advance(10 * MIN - 1).is_empty());
    let hits = engine.advance(10 * MIN);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].aggregate, Aggregate::Average(550.0));
    assert_eq!(hits[0].decided_ms, 10 * MIN);

    let mut engine = engine_with(correlation("value_avg", &["a"], condition));
    let (low_a, low_b) = (sent("200"), sent("700"));
    assert!(run(
        &mut engine,
        &[("r-a", 0, &low_a), ("r-a", 1, &low_b), ("r-a", 2, &low_a)]
    )
    .is_empty());
}

#[test]
fn value_percentile_finds_rare_values() {
    let condition = "  condition: {field: Image, lte: 1}";
    let rare_share = |rare: usize| {
        let mut engine = engine(vec![correlation(
            "value_percentile",
            &["r-proc"],
            condition,
        )]);
        let (common, odd) = (
            event(&[("User", "h"), ("Image", "svchost.exe")]),
            event(&[("User", "h"), ("Image", "evil.exe")]),
        );
        let mut matches: Vec<(&str, i64, &Fields)> =
            (0..99).map(|i| ("r-proc", i, &common)).collect();
        matches.extend((0..rare).map(|i| ("r-proc", 100 + i as i64, &odd)));
        run(&mut engine, &matches)
    };
    let hits = rare_share(1);
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].aggregate,
        Aggregate::Share {
            value: "evil.exe".into(),
            percent: 1.0
        }
    );
    assert!(rare_share(2).is_empty(), "2 of 101 is more than 1%");
}

#[test]
fn temporal_needs_every_rule_in_any_order() {
    let mut engine = engine(vec![correlation("temporal", &["a", "b", "c"], "")]);
    let alice = user("alice");
    assert!(run(
        &mut engine,
        &[("r-a", 0, &alice), ("r-b", 1, &alice), ("r-a", 2, &alice)]
    )
    .is_empty());
    let hits = run(
        &mut engine,
        &[("r-c", 0, &alice), ("r-a", 1, &alice), ("r-b", 2, &alice)],
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].aggregate, Aggregate::Rules(3));
    assert_eq!(hits[0].rules, ["r-a", "r-b", "r-c"]);

    let mut two_of_three = engine_with(correlation(
        "temporal",
        &["a", "b", "c"],
        "  condition: {gte: 2}",
    ));
    assert_eq!(
        run(&mut two_of_three, &[("r-c", 0, &alice), ("r-a", 1, &alice)]).len(),
        1
    );
}

#[test]
fn samples_keep_a_place_for_every_rule() {
    let mut engine = engine_with(correlation("temporal", &["a", "b", "c"], "")).with_max_samples(4);
    let alice = user("alice");
    let matches: Vec<(&str, i64, &Fields)> = ["r-a", "r-a", "r-a", "r-a", "r-b", "r-a", "r-c"]
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as i64, &alice))
        .collect();
    let hits = run(&mut engine, &matches);
    assert_eq!(hits[0].samples, [0, 1, 4, 6]);
}

fn engine_with(rule: CorrelationRule) -> CorrelationEngine {
    engine(vec![rule])
}

#[test]
fn temporal_ordered_rejects_the_wrong_order() {
    let ordered = || engine_with(correlation("temporal_ordered", &["a", "b", "c"], ""));
    let alice = user("alice");
    let in_order = run(
        &mut ordered(),
        &[
            ("r-b", 0, &alice),
            ("r-a", 1, &alice),
            ("r-b", 2, &alice),
            ("r-c", 3, &alice),
        ],
    );
    assert_eq!(in_order.len(), 1);
    assert_eq!(in_order[0].aggregate, Aggregate::Rules(3));
    assert_eq!(
        in_order[0].first_ms, 1,
        "the hit starts with the chain, not the stray b"
    );
    assert!(run(
        &mut ordered(),
        &[("r-a", 0, &alice), ("r-c", 1, &alice), ("r-b", 2, &alice)]
    )
    .is_empty());
    assert!(run(
        &mut ordered(),
        &[("r-c", 0, &alice), ("r-b", 1, &alice), ("r-a", 2, &alice)]
    )
    .is_empty());
    // In order, but not within ten minutes.
    assert!(run(
        &mut ordered(),
        &[
            ("r-a", 0, &alice),
            ("r-b", MIN, &alice),
            ("r-c", 10 * MIN, &alice)
        ]
    )
    .is_empty());
}

#[test]
fn aliases_read_different_fields_per_rule() {
    let correlation = rule(
        "title: Error then connection\ncorrelation:\n  type: temporal\n  rules: [a, r-b]\n  group-by: [inside, outside]\n  \
         timespan: 10s\n  aliases:\n    inside: {a: dst, b: src}\n    outside: {a: src, b: dst}\n",
    );
    let error = event(&[("src", "1.1.1.1"), ("dst", "10.0.0.1")]);
    let connection = event(&[("src", "10.0.0.1"), ("dst", "1.1.1.1")]);
    let unrelated = event(&[("src", "10.0.0.2"), ("dst", "1.1.1.1")]);
    let mut engine = engine_with(correlation);
    assert!(run(&mut engine, &[("r-a", 0, &error), ("r-b", SEC, &unrelated)]).is_empty());
    let hits = run(
        &mut engine,
        &[("r-a", 0, &error), ("r-b", SEC, &connection)],
    );
    assert_eq!(hits.len(), 1);
    let group = [
        ("inside".to_string(), "10.0.0.1".to_string()),
        ("outside".to_string(), "1.1.1.1".to_string()),
    ];
    assert_eq!(hits[0].group, group);
}

#[test]
fn out_of_order_arrival_within_the_horizon_gives_the_sorted_result() {
    let (alice, bob) = (user("alice"), user("bob"));
    let sorted: Vec<(&str, i64, &Fields)> = vec![
        ("r-failed", 0, &alice),
        ("r-failed", 4 * MIN, &bob),
        ("r-failed", 9 * MIN, &alice),
        ("r-failed", 12 * MIN, &alice),
        ("r-failed", 13 * MIN, &bob),
        ("r-failed", 15 * MIN, &alice),
    ];
    let shuffled = [
        sorted[2], sorted[0], sorted[4], sorted[1], sorted[5], sorted[3],
    ];
    let hits_of = |matches: &[(&str, i64, &Fields)]| {
        let mut engine = engine_with(correlation(
            "event_count",
            &["failed_login"],
            "  condition: {gte: 2}",
        ));
        run(&mut engine, matches)
            .into_iter()
            .map(|h| (h.group[0].1.clone(), h.first_ms, h.last_ms))
            .collect::<Vec<_>>()
    };
    let expected = [
        ("alice".to_string(), 0, 9 * MIN),
        ("bob".to_string(), 4 * MIN, 13 * MIN),
        ("alice".to_string(), 12 * MIN, 15 * MIN),
    ];
    assert_eq!(hits_of(&sorted), expected);
    assert_eq!(
        hits_of(&shuffled),
        expected,
        "0 and 9 pair up even though 9 arrived first"
    );
}

#[test]
fn matches_later_than_the_horizon_are_counted_and_ignored() {
    let mut engine = engine_with(correlation(
        "event_count",
        &["failed_login"],
        "  condition: {gte: 2}",
    ))
    .with_lateness(MIN);
    let alice = user("alice");
    assert!(engine
        .observe("r-failed", None, 30 * MIN, 0, &alice)
        .is_empty());
    // Within a minute of the newest time: still placed.
    assert!(engine
        .observe("r-failed", None, 29 * MIN + 1, 1, &alice)
        .is_empty());
    assert!(engine.observe("r-failed", None, 45 * MIN, 2, &alice).len() == 1);
    assert_eq!(engine.stats().late, 0);
    // Matches up to 30 minutes have been placed: an older one comes too late.
    assert!(engine
        .observe("r-failed", None, 29 * MIN, 3, &alice)
        .is_empty());
    assert_eq!(engine.stats().late, 1);
    // A rule no correlation references is never late.
    engine.observe("r-zzz", None, 0, 4, &alice);
    assert_eq!(engine.stats().late, 1);
}

#[test]
fn upper_bounds_are_decided_at_finish() {
    let few = || engine_with(correlation("event_count", &["a"], "  condition: {lt: 3}"));
    let alice = user("alice");
    let mut engine = few();
    assert!(engine.observe("r-a", None, 0, 0, &alice).is_empty());
    assert!(engine.observe("r-a", None, MIN, 1, &alice).is_empty());
    let hits = engine.finish();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].aggregate, Aggregate::Events(2));
    assert_eq!(hits[0].decided_ms, 10 * MIN);
    assert!(run(
        &mut few(),
        &[("r-a", 0, &alice), ("r-a", 1, &alice), ("r-a", 2, &alice)]
    )
    .is_empty());

    let exactly = || engine_with(correlation("event_count", &["a"], "  condition: {eq: 2}"));
    assert_eq!(
        run(&mut exactly(), &[("r-a", 0, &alice), ("r-a", 1, &alice)]).len(),
        1
    );
    assert!(run(
        &mut exactly(),
        &[("r-a", 0, &alice), ("r-a", 1, &alice), ("r-a", 2, &alice)]
    )
    .is_empty());
}

#[test]
fn correlations_chain() {
    // Three failed logins within 10 minutes, then a successful login of the same user.
    let failures = rule(
        "title: Many failures\nid: c-failures\nname: many_failures\nlevel: low\ncorrelation:\n  type: event_count\n  \
         rules: [failed_login]\n  group-by: [User]\n  timespan: 10m\n  condition: {gte: 3}\n",
    );
    let takeover = rule(
        "title: Brute force success\nlevel: critical\ncorrelation:\n  type: temporal_ordered\n  \
         rules: [many_failures, successful_login]\n  group-by: [User]\n  timespan: 10m\n",
    );
    let chain = || engine(vec![takeover.clone(), failures.clone()]);
    let (alice, bob) = (user("alice"), user("bob"));

    let hits = run(
        &mut chain(),
        &[
            ("r-failed", 0, &alice),
            ("r-failed", MIN, &bob),
            ("r-failed", 2 * MIN, &alice),
            ("r-failed", 3 * MIN, &alice),
            ("r-success", 4 * MIN, &bob),
            ("r-success", 5 * MIN, &alice),
        ],
    );
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert_eq!(titles, ["Many failures", "Brute force success"]);
    let (inner, outer) = (&hits[0], &hits[1]);
    assert!(!inner.stands_alone, "only the outer correlation alerts");
    assert!(outer.stands_alone);
    assert_eq!(outer.level, Level::Critical);
    assert_eq!(outer.group, [("User".to_string(), "alice".to_string())]);
    assert_eq!(outer.rules, ["c-failures", "r-success"]);
    assert_eq!((outer.first_ms, outer.last_ms), (3 * MIN, 5 * MIN));
    assert_eq!(
        outer.samples,
        [0, 2, 3, 5],
        "the failures' samples, then the success"
    );

    // The success comes before the failures: no takeover.
    let hits = run(
        &mut chain(),
        &[
            ("r-success", 0, &alice),
            ("r-failed", MIN, &alice),
            ("r-failed", 2 * MIN, &alice),
            ("r-failed", 3 * MIN, &alice),
        ],
    );
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "Many failures");
}

#[test]
fn generate_decides_whether_referenced_rules_alert() {
    let quiet = correlation("temporal", &["a", "b"], "");
    let mut loud = correlation("temporal", &["b", "c"], "");
    loud.meta.id = Some("corr-loud".into());
    loud.generate = true;
    let engine = engine(vec![quiet, loud]);
    assert!(
        !engine.stands_alone("r-a"),
        "only referenced with generate: false"
    );
    assert!(
        engine.stands_alone("r-b"),
        "one referencing correlation generates it"
    );
    assert!(engine.stands_alone("r-c"));
    assert!(engine.stands_alone("r-proc"), "not referenced at all");
    assert_eq!(engine.rule(1).map(|r| r.generate), Some(true));
}

#[test]
fn state_stays_bounded_on_long_streams() {
    let mut engine = engine_with(correlation(
        "value_count",
        &["a"],
        "  condition: {field: Target, gte: 1000}",
    ));
    let events: Vec<Fields> = (0..50)
        .map(|i| event(&[("User", &format!("u{}", i % 5)), ("Target", &i.to_string())]))
        .collect();
    let mut most_held = 0;
    for i in 0..20_000i64 {
        // One match every 10 seconds: 60 within a window, 60 more within the lateness.
        let hits = engine.observe(
            "r-a",
            None,
            i * 10 * SEC,
            i as u64,
            &events[i as usize % 50],
        );
        assert!(hits.is_empty());
        most_held = most_held.max(engine.stats().held);
    }
    assert!(most_held <= 125, "held {most_held} matches");
    assert!(engine.finish().is_empty());
    assert_eq!(engine.stats().groups, 0);
    assert_eq!(engine.stats().held, 0);
}

#[test]
fn a_hit_reads_as_a_document_of_its_group() {
    let mut engine = engine_with(correlation("event_count", &["a"], "  condition: {gte: 1}"));
    let hit = run(&mut engine, &[("r-a", 0, &user("alice"))]).remove(0);
    assert_eq!(hit.field_text("User").as_deref(), Some("alice"));
    assert_eq!(hit.field_text("Host"), None);
}

/// The event_count semantics written out plainly, for sorted input: per group, keep the
/// events of the last `span`, and take them all when there are `threshold`.
fn sliding_count(
    sorted: &[(u8, i64)],
    span: i64,
    threshold: usize,
) -> Vec<(String, i64, i64, u64)> {
    let mut windows: std::collections::HashMap<u8, Vec<i64>> = Default::default();
    let mut hits = Vec::new();
    for &(group, ts) in sorted {
        let window = windows.entry(group).or_default();
        window.retain(|&t| t + span > ts);
        window.push(ts);
        if window.len() >= threshold {
            hits.push((format!("g{group}"), window[0], ts, window.len() as u64));
            window.clear();
        }
    }
    hits.sort();
    hits
}

fn count_hits(matches: &[(u8, i64)], lateness: Option<i64>) -> Vec<(String, i64, i64, u64)> {
    let mut engine = engine_with(correlation("event_count", &["a"], "  condition: {gte: 3}"));
    if let Some(lateness) = lateness {
        engine = engine.with_lateness(lateness);
    }
    let groups: Vec<Fields> = (0..3).map(|g| user(&format!("g{g}"))).collect();
    let feed: Vec<(&str, i64, &Fields)> = matches
        .iter()
        .map(|&(g, ts)| ("r-a", ts, &groups[g as usize]))
        .collect();
    let mut hits: Vec<_> = run(&mut engine, &feed)
        .into_iter()
        .map(|h| {
            let Aggregate::Events(n) = h.aggregate else {
                panic!("{:?}", h.aggregate)
            };
            (h.group[0].1.clone(), h.first_ms, h.last_ms, n)
        })
        .collect();
    hits.sort();
    hits
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any arrival order gives the hits of sorted input when the lateness covers it, and
    /// those are the plain sliding-window hits.
    #[test]
    fn event_count_is_independent_of_arrival_order(
        (matches, order) in prop::collection::vec((0u8..3, 0i64..40 * MIN), 0..40)
            .prop_flat_map(|m| { let n = m.len(); (Just(m), Just((0..n).collect::<Vec<_>>()).prop_shuffle()) })
    ) {
        let mut sorted = matches.clone();
        sorted.sort_by_key(|&(_, ts)| ts);
        let shuffled: Vec<(u8, i64)> = order.iter().map(|&i| matches[i]).collect();
        let expected = sliding_count(&sorted, 10 * MIN, 3);
        prop_assert_eq!(count_hits(&sorted, None), expected.clone());
        prop_assert_eq!(count_hits(&shuffled, Some(40 * MIN)), expected);
    }

    /// With the default lateness (the timespan), arrival may lag the newest match by up
    /// to a timespan.
    #[test]
    fn event_count_tolerates_disorder_up_to_the_timespan(
        matches in prop::collection::vec((0u8..3, 0i64..40 * MIN, 0i64..=10 * MIN), 0..40)
    ) {
        let mut sorted: Vec<(u8, i64)> = matches.iter().map(|&(g, ts, _)| (g, ts)).collect();
        sorted.sort_by_key(|&(_, ts)| ts);
        let mut jittered = matches.clone();
        jittered.sort_by_key(|&(_, ts, delay)| ts + delay);
        let arrivals: Vec<(u8, i64)> = jittered.iter().map(|&(g, ts, _)| (g, ts)).collect();
        prop_assert_eq!(count_hits(&arrivals, None), sliding_count(&sorted, 10 * MIN, 3));
    }
}
