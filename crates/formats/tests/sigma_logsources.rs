//! Every logsource the corpus's SigmaHQ rules ask for on Windows and Linux has an entry
//! in the embedded mapping, so no rule is silently out of reach.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use vigil_formats::{LogsourceKey, LogsourceMap};
use yaml_rust2::YamlLoader;

/// Categories no Windows event log carries (they come from ETW sessions or EDR agents),
/// with why they are not mapped.
const UNMAPPED_WINDOWS_CATEGORIES: [(&str, &str); 1] = [(
    "file_rename",
    "Microsoft-Windows-Kernel-File ETW only; no event log channel",
)];

/// The logsource of every rule file under the rule folders, with the files using it.
fn rule_logsources(sigma: &Path) -> BTreeMap<LogsourceKey, Vec<String>> {
    let mut found: BTreeMap<LogsourceKey, Vec<String>> = BTreeMap::new();
    for folder in [
        "rules",
        "rules-emerging-threats",
        "rules-threat-hunting",
        "rules-placeholder",
        "rules-compliance",
    ] {
        for path in common::files_with_ext(&sigma.join(folder), "yml") {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(docs) = YamlLoader::load_from_str(&text) else {
                continue;
            };
            for doc in docs {
                let ls = &doc["logsource"];
                if ls.is_badvalue() {
                    continue;
                }
                let key = LogsourceKey::new(
                    ls["product"].as_str(),
                    ls["category"].as_str(),
                    ls["service"].as_str(),
                );
                let shown = path
                    .strip_prefix(sigma)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                found.entry(key).or_default().push(shown);
            }
        }
    }
    found
}

fn mapped(
    map: &LogsourceMap,
    product: &str,
    category: Option<&str>,
    service: Option<&str>,
) -> bool {
    map.logsources().any(|k| {
        k.product.as_deref() == Some(product)
            && (category.is_none() || k.category.as_deref() == category)
            && (service.is_none() || k.service.as_deref() == service)
    })
}

#[test]
fn every_windows_and_linux_rule_logsource_is_mapped() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let used = rule_logsources(&corpus.join("sigma"));
    assert!(used.len() > 50, "found only {} logsources", used.len());
    let map = LogsourceMap::embedded();
    let mut missing = Vec::new();
    for (key, files) in &used {
        let Some(product @ ("windows" | "linux")) = key.product.as_deref() else {
            continue;
        };
        let category = key.category.as_deref();
        if product == "windows"
            && category.is_some_and(|c| UNMAPPED_WINDOWS_CATEGORIES.iter().any(|(u, _)| *u == c))
        {
            continue;
        }
        let service_ok =
            key.service.is_none() || mapped(&map, product, None, key.service.as_deref());
        let category_ok = category.is_none() || mapped(&map, product, category, None);
        if !service_ok || !category_ok {
            missing.push(format!("{key} ({} rules, e.g. {})", files.len(), files[0]));
        }
    }
    assert!(
        missing.is_empty(),
        "logsources used by rules but not mapped:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_windows_service_rule_has_a_channel() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let used = rule_logsources(&corpus.join("sigma"));
    let map = LogsourceMap::embedded();
    let services: Vec<&str> = used
        .keys()
        .filter(|k| k.product.as_deref() == Some("windows"))
        .filter_map(|k| k.service.as_deref())
        .collect();
    assert!(
        services.len() > 30,
        "found only {} Windows services",
        services.len()
    );
    let unmapped: Vec<&str> = services
        .into_iter()
        .filter(|s| !mapped(&map, "windows", None, Some(s)))
        .collect();
    assert!(
        unmapped.is_empty(),
        "Windows services without a mapping entry: {unmapped:?}"
    );
}
