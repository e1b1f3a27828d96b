//! Gathering what detection needs: rules (built-in pack and directories, filtered by
//! level and status), placeholder values for `expand`, and the logsource mapping.

use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use vigil_formats::LogsourceMap;
use vigil_sigma::{CompileOptions, Level, RuleSet};

/// Statuses left out unless asked for.
const DEFAULT_EXCLUDED_STATUSES: [&str; 2] = ["deprecated", "unsupported"];

/// What to load. Build it, adjust the public fields, then call [`RuleLoad::load`].
#[derive(Debug, Clone)]
pub struct RuleLoad {
    /// Rule files or directories.
    pub paths: Vec<PathBuf>,
    /// Whether to include Vigil's built-in rule pack.
    pub builtin: bool,
    /// Lowest level kept.
    pub min_level: Level,
    /// Statuses kept; empty keeps all but deprecated and unsupported.
    pub statuses: Vec<String>,
    /// YAML file mapping placeholder names to lists of values.
    pub placeholders: Option<PathBuf>,
    /// Logsource mapping file replacing the built-in one.
    pub mapping: Option<PathBuf>,
}

/// The result of loading: compiled rules and the logsource mapping.
#[derive(Debug)]
pub struct Loaded {
    pub rules: RuleSet,
    pub logsources: LogsourceMap,
}

impl RuleLoad {
    /// Loads `paths` only (no built-in pack), every level and the default statuses.
    pub fn new(paths: Vec<PathBuf>) -> RuleLoad {
        RuleLoad {
            paths,
            builtin: false,
            min_level: Level::Informational,
            statuses: Vec::new(),
            placeholders: None,
            mapping: None,
        }
    }

    /// Reads and compiles everything.
    pub fn load(&self) -> Result<Loaded> {
        let mut builder = RuleSet::builder();
        builder.options(CompileOptions {
            placeholders: self.read_placeholders()?,
        });
        if self.builtin {
            for (origin, text) in crate::builtin_rule_files() {
                builder.add_source(text, &origin);
            }
        }
        for path in &self.paths {
            anyhow::ensure!(path.exists(), "rule path {} does not exist", path.display());
            builder
                .add_path(path)
                .with_context(|| format!("reading rules from {}", path.display()))?;
        }
        let min_level = self.min_level;
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        builder.retain(|meta| {
            let status = meta.status.as_deref().unwrap_or("").to_ascii_lowercase();
            let status_ok = if statuses.is_empty() {
                !DEFAULT_EXCLUDED_STATUSES.contains(&status.as_str())
            } else {
                statuses.contains(&status)
            };
            meta.level >= min_level && status_ok
        });
        let rules = builder.build();
        let logsources = match &self.mapping {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                LogsourceMap::from_yaml(&text)
                    .with_context(|| format!("logsource mapping {}", path.display()))?
            }
            None => LogsourceMap::embedded(),
        };
        Ok(Loaded { rules, logsources })
    }

    fn read_placeholders(&self) -> Result<HashMap<String, Vec<String>>> {
        let Some(path) = &self.placeholders else {
            return Ok(HashMap::new());
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let docs = yaml_rust2::YamlLoader::load_from_str(&text)
            .with_context(|| format!("parsing {}", path.display()))?;
        let mut out = HashMap::new();
        if let Some(map) = docs.first().and_then(|d| d.as_hash()) {
            for (name, values) in map {
                let Some(name) = name.as_str() else { continue };
                let list = match values {
                    yaml_rust2::Yaml::Array(items) => items.iter().filter_map(yaml_text).collect(),
                    one => yaml_text(one).into_iter().collect(),
                };
                out.insert(name.to_owned(), list);
            }
        }
        Ok(out)
    }
}

fn yaml_text(y: &yaml_rust2::Yaml) -> Option<String> {
    match y {
        yaml_rust2::Yaml::String(s) | yaml_rust2::Yaml::Real(s) => Some(s.clone()),
        yaml_rust2::Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}
