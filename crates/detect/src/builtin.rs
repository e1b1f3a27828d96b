//! Vigil's own rule pack (`rules/vigil` in the repository), embedded in the binary so an
//! air-gapped server detects the common attacks with nothing else installed.

use include_dir::{include_dir, Dir};

static BUILTIN_RULES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../rules/vigil");

/// The built-in rule files as (path, YAML text), sorted by path.
pub fn builtin_rule_files() -> Vec<(String, &'static str)> {
    let mut files = Vec::new();
    let mut dirs = vec![&BUILTIN_RULES];
    while let Some(dir) = dirs.pop() {
        dirs.extend(dir.dirs());
        for file in dir.files() {
            let is_yaml = file
                .path()
                .extension()
                .is_some_and(|e| e == "yml" || e == "yaml");
            if let (true, Some(text)) = (is_yaml, file.contents_utf8()) {
                files.push((format!("builtin:{}", file.path().display()), text));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}
