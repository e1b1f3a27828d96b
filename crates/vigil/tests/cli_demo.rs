//! End-to-end tests of `vigil demo` and of hunting the demo day: the command writes the
//! day the generator promises, and hunting that day (with Vigil's pack or with SigmaHQ's
//! rules) finds every attack story and nothing in the benign background, checked against
//! the generator's ground-truth labels.

mod common;

use common::{corpus, run, texts, vigil, Run};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;
use vigil_demo::{attack_stories, expected_rule_ids, generate_labelled_day, DemoConfig};

/// `vigil demo`'s default `--seed`.
const DEMO_SEED: u64 = 2026;

fn demo_config() -> DemoConfig {
    DemoConfig {
        seed: DEMO_SEED,
        ..DemoConfig::default()
    }
}

/// The demo day with its labels, and an index of its events by `@timestamp`.
struct LabelledDay {
    events: Vec<(Option<&'static str>, Value)>,
    jsonl: Vec<u8>,
    by_time: HashMap<String, Vec<usize>>,
}

fn labelled_day() -> &'static LabelledDay {
    static DAY: OnceLock<LabelledDay> = OnceLock::new();
    DAY.get_or_init(|| {
        let events: Vec<(Option<&'static str>, Value)> = generate_labelled_day(&demo_config())
            .into_iter()
            .map(|e| (e.story, e.event))
            .collect();
        let plain: Vec<Value> = events.iter().map(|(_, e)| e.clone()).collect();
        let mut jsonl = Vec::new();
        vigil_demo::write_jsonl(&mut jsonl, &plain).expect("writing to memory");
        let mut by_time: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (_, event)) in events.iter().enumerate() {
            let at = event["@timestamp"]
                .as_str()
                .expect("every event has a time");
            by_time.entry(at.to_owned()).or_default().push(i);
        }
        LabelledDay {
            events,
            jsonl,
            by_time,
        }
    })
}

impl LabelledDay {
    /// The label of the generated event a detection's event is: every field of the
    /// generated event has the same value in the detection's (which may add aliases).
    fn story_of(&self, detection: &Value) -> Result<Option<&'static str>, String> {
        let event = &detection["event"];
        let at = event["@timestamp"].as_str().unwrap_or_default();
        let candidates = self.by_time.get(at).map(Vec::as_slice).unwrap_or_default();
        candidates
            .iter()
            .map(|&i| &self.events[i])
            .find(|(_, generated)| {
                generated
                    .as_object()
                    .expect("events are objects")
                    .iter()
                    .all(|(k, v)| &event[k] == v)
            })
            .map(|(story, _)| *story)
            .ok_or_else(|| format!("no generated event matches {event}"))
    }

    /// Hunts the day (written to a temp dir) with `args` and returns the detections.
    fn hunt(&self, args: &[&str], rules: &[PathBuf]) -> Vec<Value> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("demo-day.jsonl");
        std::fs::write(&path, &self.jsonl).expect("writing the day");
        let mut command = vigil();
        command
            .arg("hunt")
            .arg(&path)
            .args(["--format", "jsonl", "-q"])
            .args(args);
        if !rules.is_empty() {
            command.arg("--rules").args(rules);
        }
        run(&mut command).expect_code(0).jsonl()
    }

    /// Per story, the detections on its events; panics naming every detection of a
    /// background event (a false positive) or of no generated event.
    fn detections_by_story<'a>(
        &self,
        detections: &'a [Value],
    ) -> BTreeMap<&'static str, Vec<&'a Value>> {
        let mut by_story: BTreeMap<&'static str, Vec<&Value>> = BTreeMap::new();
        let mut wrong = Vec::new();
        for d in detections {
            match self.story_of(d) {
                Ok(Some(story)) => by_story.entry(story).or_default().push(d),
                Ok(None) => wrong.push(format!(
                    "false positive: `{}` ({}) on background event {}",
                    d["rule_title"], d["rule_id"], d["event"]
                )),
                Err(e) => wrong.push(format!("`{}`: {e}", d["rule_title"])),
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        by_story
    }
}

/// Vigil's pack over the demo day, hunted once for the tests that need it.
fn builtin_detections() -> &'static [Value] {
    static DETECTIONS: OnceLock<Vec<Value>> = OnceLock::new();
    DETECTIONS.get_or_init(|| labelled_day().hunt(&[], &[]))
}

fn story_ids() -> BTreeSet<&'static str> {
    attack_stories().iter().map(|s| s.id).collect()
}

#[test]
fn demo_writes_the_generated_day_and_hunts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run: Run = run(vigil()
        .args(["demo", "--offline", "--out-dir"])
        .arg(dir.path()));
    run.expect_code(0);
    let written = std::fs::read(dir.path().join("demo-day.jsonl")).expect("demo-day.jsonl");
    assert!(
        written == labelled_day().jsonl,
        "demo-day.jsonl differs from the generator's day for seed {DEMO_SEED}"
    );
    assert!(run.stdout.starts_with("TIMESTAMP"), "{}", run.stdout);
    assert!(run.stdout.lines().count() > 50, "{}", run.stdout);
    assert!(run.stderr.contains("Hunt summary"), "{}", run.stderr);
}

#[test]
fn builtin_rules_find_every_story_and_no_background_event() {
    let detections = builtin_detections();
    let by_story = labelled_day().detections_by_story(detections);
    let found: BTreeSet<&str> = by_story.keys().copied().collect();
    assert_eq!(found, story_ids(), "stories without a detection");

    let serious: BTreeSet<&str> = detections
        .iter()
        .filter(|d| d["level"] == "high" || d["level"] == "critical")
        .filter_map(|d| d["rule_id"].as_str())
        .collect();
    assert!(serious.len() >= 6, "high/critical rules: {serious:?}");

    let agencies: BTreeSet<&str> = detections
        .iter()
        .filter_map(|d| d["event"]["agency"].as_str())
        .collect();
    assert!(agencies.len() >= 5, "agencies: {agencies:?}");
    println!(
        "demo day, built-in rules: {} detections, {} high/critical rules, {} agencies, {} stories",
        detections.len(),
        serious.len(),
        agencies.len(),
        found.len()
    );
}

#[test]
fn min_level_high_keeps_the_high_correlations_only() {
    let high = labelled_day().hunt(&["--min-level", "high"], &[]);
    let levels: BTreeSet<&str> = texts(&high, "level").into_iter().collect();
    assert!(
        levels.iter().all(|l| ["high", "critical"].contains(l)),
        "{levels:?}"
    );
    // Chains whose building blocks have no level of their own still fire.
    assert!(
        high.iter()
            .any(|d| d["correlation"].is_object() && d["level"] == "critical"),
        "no critical correlation"
    );
    let key = |d: &Value| format!("{} {}", d["rule_id"], d["event"]);
    let mut expected: Vec<String> = builtin_detections()
        .iter()
        .filter(|d| d["level"] == "high" || d["level"] == "critical")
        .map(key)
        .collect();
    let mut got: Vec<String> = high.iter().map(key).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn sigmahq_rules_find_exactly_the_rules_each_story_was_built_for() {
    let Some(corpus) = corpus() else { return };
    let day = labelled_day();
    let detections = day.hunt(&["--no-builtin-rules"], &[corpus.join("sigma/rules")]);
    let by_story = day.detections_by_story(&detections);

    let fired: BTreeSet<&str> = texts(&detections, "rule_id").into_iter().collect();
    let expected: BTreeSet<&str> = expected_rule_ids().into_iter().collect();
    let missing: Vec<&&str> = expected.difference(&fired).collect();
    let unexpected: Vec<&&str> = fired.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing {missing:?}, unexpected {unexpected:?}"
    );
    for story in attack_stories() {
        let on_story: BTreeSet<&str> = by_story
            .get(story.id)
            .map(|ds| ds.iter().filter_map(|d| d["rule_id"].as_str()).collect())
            .unwrap_or_default();
        let wanted: BTreeSet<&str> = story.rule_ids.iter().copied().collect();
        assert_eq!(on_story, wanted, "story {}", story.id);
    }
}
