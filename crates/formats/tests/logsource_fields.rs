//! Real events from the corpus, classified and renamed, carry the fields SigmaHQ's
//! `tests/logsource.json` lists for their category.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use vigil_formats::{Collected, EvtxReader, LogsourceMap};

/// Categories whose logsource.json fields describe an ETW provider (Kernel-File) that
/// no event log carries; Vigil maps them from Security events, which carry the fields
/// the rules actually read.
const ETW_CATEGORIES: [(&str, &[&str]); 1] =
    [("file_access", &["Image", "FileName", "TargetFilename"])];

/// Per Windows category: how many events, and the fields seen in them.
type Seen = BTreeMap<String, (usize, BTreeSet<String>)>;

#[test]
fn classified_corpus_events_have_the_fields_sigma_expects() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let expected_text =
        std::fs::read_to_string(corpus.join("sigma/tests/logsource.json")).unwrap_or_default();
    let expected: serde_json::Value = serde_json::from_str(&expected_text).unwrap_or_default();
    let categories = &expected["legit"]["windows"]["category"];
    assert!(
        categories.is_object(),
        "logsource.json has no legit.windows.category"
    );

    let mut files = common::files_with_ext(&corpus.join("evtx/attack-samples"), "evtx");
    files.extend(common::files_with_ext(
        &corpus.join("evtx/hayabusa-samples"),
        "evtx",
    ));
    files.extend(common::files_with_ext(
        &corpus.join("sigma-regression"),
        "evtx",
    ));
    let map = LogsourceMap::embedded();
    let reader = EvtxReader::new();
    let partial: Vec<(Seen, Vec<String>)> = common::parallel(&files, |path| {
        let mut out = Collected::default();
        reader.read_path(path, &mut out);
        let mut seen = Seen::new();
        let mut problems = Vec::new();
        for mut event in out.events {
            let class = map.class(map.apply_renames(&mut event));
            let channel = event.get_str("Channel").unwrap_or_default().to_owned();
            if !channel.is_empty()
                && !class
                    .keys()
                    .iter()
                    .any(|k| k.product.as_deref() == Some("windows"))
            {
                problems.push(format!(
                    "{}: {channel} event without product windows",
                    path.display()
                ));
            }
            let sysmon = channel == "Microsoft-Windows-Sysmon/Operational";
            if sysmon && !class.keys().iter().any(|k| k.category.is_some()) {
                problems.push(format!(
                    "{}: Sysmon event {:?} without a category",
                    path.display(),
                    event.get("EventID")
                ));
            }
            for category in class.keys().iter().filter_map(|k| k.category.clone()) {
                let entry = seen.entry(category).or_default();
                entry.0 += 1;
                entry.1.extend(event.fields().map(|(n, _)| n.to_owned()));
            }
        }
        (seen, problems)
    });
    let mut seen = Seen::new();
    let mut problems = Vec::new();
    for (part, part_problems) in partial {
        problems.extend(part_problems);
        for (category, (count, fields)) in part {
            let entry = seen.entry(category).or_default();
            entry.0 += count;
            entry.1.extend(fields);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let mut short = Vec::new();
    for (category, (count, fields)) in &seen {
        let wanted: Vec<&str> = match ETW_CATEGORIES.iter().find(|(c, _)| c == category) {
            Some((_, used_by_rules)) => used_by_rules.to_vec(),
            None => match categories[category].as_array() {
                Some(wanted) => wanted.iter().filter_map(|f| f.as_str()).collect(),
                None => continue,
            },
        };
        let missing: Vec<&&str> = wanted.iter().filter(|f| !fields.contains(**f)).collect();
        println!(
            "{category:<22} {count:>5} events, {}/{} expected fields, missing {missing:?}",
            wanted.len() - missing.len(),
            wanted.len()
        );
        // Older Sysmon versions lack a field or two (ParentUser, the PE version fields).
        if missing.len() * 4 > wanted.len() {
            short.push(format!("{category}: missing {missing:?}"));
        }
    }
    for core in [
        "process_creation",
        "network_connection",
        "image_load",
        "registry_set",
        "file_event",
        "ps_script",
    ] {
        assert!(seen.contains_key(core), "no {core} events in the corpus");
    }
    assert!(
        short.is_empty(),
        "categories missing many expected fields:\n{}",
        short.join("\n")
    );
}
