//! Reading Sigma YAML files: multi-document collections (including the Sigma 1
//! `action: global | reset | repeat` form) split into rule, filter and correlation
//! documents.

use crate::error::{Result, SigmaError};
use yaml_rust2::{Yaml, YamlLoader};

/// What a YAML document of a Sigma file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Rule,
    Filter,
    Correlation,
}

/// Classifies a document by the section it carries.
pub fn kind_of(doc: &Yaml) -> Result<DocKind> {
    let has = |key: &str| !matches!(doc[key], Yaml::BadValue);
    if has("correlation") {
        Ok(DocKind::Correlation)
    } else if has("filter") && !has("detection") {
        Ok(DocKind::Filter)
    } else if has("detection") {
        Ok(DocKind::Rule)
    } else {
        Err(SigmaError::invalid("document", "not a Sigma rule, filter or correlation: it has no detection, filter or correlation section"))
    }
}

/// Splits a file's text into its Sigma documents, resolving collection actions.
pub fn documents(text: &str) -> Result<Vec<Yaml>> {
    let raw = YamlLoader::load_from_str(text).map_err(|e| SigmaError::Yaml(e.to_string()))?;
    let mut out: Vec<Yaml> = Vec::new();
    let mut global: Option<Yaml> = None;
    for doc in raw {
        if matches!(doc, Yaml::Null) {
            continue; // empty document, e.g. a trailing `---`
        }
        match doc["action"].as_str() {
            Some("global") => global = Some(without_action(&doc)),
            Some("reset") => global = None,
            Some("repeat") => {
                let previous = out.last().ok_or_else(|| {
                    SigmaError::invalid("action", "`repeat` with no document before it")
                })?;
                out.push(merge(previous, &without_action(&doc)));
            }
            Some(other) => {
                return Err(SigmaError::invalid(
                    "action",
                    format!("unknown collection action `{other}`"),
                ))
            }
            None => out.push(match &global {
                Some(g) => merge(g, &doc),
                None => doc,
            }),
        }
    }
    Ok(out)
}

fn without_action(doc: &Yaml) -> Yaml {
    match doc {
        Yaml::Hash(map) => {
            let mut map = map.clone();
            map.remove(&Yaml::String("action".into()));
            Yaml::Hash(map)
        }
        other => other.clone(),
    }
}

/// Deep-merges `top` over `base`: maps merge key by key, anything else is replaced.
fn merge(base: &Yaml, top: &Yaml) -> Yaml {
    match (base, top) {
        (Yaml::Hash(b), Yaml::Hash(t)) => {
            let mut out = b.clone();
            for (key, value) in t {
                let merged = match out.get(key) {
                    Some(existing) => merge(existing, value),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Yaml::Hash(out)
        }
        (_, top) => top.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_merge_global_and_repeat() {
        let docs = documents(
            "action: global\ntitle: t\nlogsource: {product: windows}\ndetection: {condition: s}\n---\ndetection: {s: {a: 1}}\n---\naction: repeat\ndetection: {s: {a: 2}}\n---\naction: reset\n---\ntitle: plain\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0]["logsource"]["product"].as_str(), Some("windows"));
        assert_eq!(docs[0]["detection"]["condition"].as_str(), Some("s"));
        assert_eq!(docs[1]["detection"]["s"]["a"].as_i64(), Some(2));
        assert_eq!(docs[1]["title"].as_str(), Some("t"));
        assert!(matches!(docs[2]["logsource"], Yaml::BadValue));
    }

    #[test]
    fn kinds_and_errors() {
        let docs = documents("title: a\ncorrelation: {type: temporal}\n---\ntitle: b\nfilter: {rules: [x]}\n---\ntitle: c\ndetection: {}\n---\ntitle: d\n").unwrap();
        let kinds: Vec<_> = docs.iter().map(|d| kind_of(d).ok()).collect();
        assert_eq!(
            kinds,
            vec![
                Some(DocKind::Correlation),
                Some(DocKind::Filter),
                Some(DocKind::Rule),
                None
            ]
        );
        assert!(documents("a: [").is_err());
        assert!(documents("action: explode\n").is_err());
    }
}
