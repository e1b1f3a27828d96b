//! Software versions as registers and vulnerability feeds write them, compared the way
//! their vendors mean them, and the version ranges of NVD and of advisories.
//!
//! A version is a dotted numeric **release** (`2.4.58`, `10.0.17763`; missing parts count
//! as 0, so `1.2` = `1.2.0`) followed by an optional **suffix**, read after any `-`, `_`,
//! `+` or `.` separator:
//!
//! - a pre-release (`dev`, `alpha`/`a`, `beta`/`b`, `pre`, `rc`, `m`, each optionally
//!   numbered) sorts **before** the plain release, in that order: `8.0.0-rc1` < `8.0.0`;
//! - any other suffix is a later build or patch and sorts **after** it, compared text by
//!   text and number by number: `1.1.1` < `1.1.1k` < `1.1.1w`, `9.8p1` < `9.8p2`.
//!
//! A version that starts with no digit is compared as text (case-insensitive); `*`, `-`
//! and the empty text are not versions.
//!
//! ```
//! use vigil_soc::version::Version;
//! let v = |t: &str| Version::parse(t).unwrap();
//! assert!(v("2.4.9") < v("2.4.58"));
//! assert!(v("8.0.0-rc1") < v("8.0.0") && v("8.0.0") == v("8.0"));
//! assert!(v("1.1.1") < v("1.1.1k"));
//! ```

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// Pre-release words, from earliest to latest.
const PRE_RELEASES: [&str; 8] = ["dev", "a", "alpha", "b", "beta", "m", "pre", "rc"];

/// A parsed version; see the module documentation for the order.
#[derive(Debug, Clone)]
pub struct Version {
    release: Vec<u64>,
    suffix: Suffix,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    /// Rank in [`PRE_RELEASES`], then the rest.
    Pre(usize, Vec<Piece>),
    Release,
    Post(Vec<Piece>),
}

/// A run of digits or of other characters inside a suffix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Piece {
    Number(u64),
    Text(String),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        let digit = c.is_ascii_digit();
        let mut run = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() != digit {
                break;
            }
            run.push(c.to_ascii_lowercase());
            chars.next();
        }
        let run = run.trim_matches(['.', '-', '_', '+']).to_owned();
        match run.parse::<u64>() {
            Ok(n) if digit => out.push(Piece::Number(n)),
            _ if run.is_empty() => {}
            _ => out.push(Piece::Text(run)),
        }
    }
    out
}

impl Version {
    /// Reads a version; `None` for `*`, `-` or empty text (any / not applicable).
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        if matches!(text, "" | "*" | "-") {
            return None;
        }
        let release_end = text
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_digit()
                    || c == '.' && text[i + 1..].starts_with(|n: char| n.is_ascii_digit()))
            })
            .map_or(text.len(), |(i, _)| i);
        let release: Vec<u64> = text[..release_end]
            .split('.')
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(u64::MAX))
            .collect();
        let rest = text[release_end..].trim_start_matches(['-', '_', '+', '.']);
        let suffix = if rest.is_empty() {
            Suffix::Release
        } else {
            let parts = pieces(rest);
            let pre = match parts.first() {
                Some(Piece::Text(word)) => PRE_RELEASES.iter().position(|p| p == word),
                _ => None,
            };
            match pre {
                Some(rank) if !release.is_empty() => Suffix::Pre(rank, parts[1..].to_vec()),
                _ => Suffix::Post(parts),
            }
        };
        Some(Version { release, suffix })
    }

    /// The release numbers with trailing zeros dropped, so `1.2` and `1.2.0` compare equal.
    fn significant_release(&self) -> &[u64] {
        let end = self
            .release
            .iter()
            .rposition(|&n| n != 0)
            .map_or(0, |i| i + 1);
        &self.release[..end]
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.significant_release()
            .cmp(other.significant_release())
            .then_with(|| self.suffix.cmp(&other.suffix))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// Bounds on a version, as NVD writes them (`versionStartIncluding` …); an absent bound
/// does not limit. No bound at all means every version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_excluding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_including: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_excluding: Option<String>,
}

impl VersionRange {
    /// Whether no bound is set.
    pub fn is_unbounded(&self) -> bool {
        self == &VersionRange::default()
    }

    /// Whether `version` is inside every bound. An unreadable version is inside only an
    /// unbounded range.
    pub fn contains(&self, version: Option<&str>) -> bool {
        if self.is_unbounded() {
            return true;
        }
        let Some(version) = version.and_then(Version::parse) else {
            return false;
        };
        let bound = |text: &Option<String>, keep: fn(Ordering) -> bool| {
            text.as_deref()
                .and_then(Version::parse)
                .is_none_or(|b| keep(version.cmp(&b)))
        };
        bound(&self.version_start_including, |o| o != Ordering::Less)
            && bound(&self.version_start_excluding, |o| o == Ordering::Greater)
            && bound(&self.version_end_including, |o| o != Ordering::Greater)
            && bound(&self.version_end_excluding, |o| o == Ordering::Less)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn numeric_parts_compare_as_numbers_and_suffixes_by_kind() {
        assert!(v("2.4.9") < v("2.4.58"));
        assert!(v("10.0") > v("9.9.9"));
        assert_eq!(v("1.2"), v("1.2.0"));
        assert!(v("8.0.0-rc1") < v("8.0.0"));
        assert!(v("8.0.0-alpha2") < v("8.0.0-beta1"));
        assert!(v("8.0.0-rc1") < v("8.0.0-rc2"));
        assert!(v("8.0.0") < v("8.0.0-1"));
        assert!(v("1.1.1") < v("1.1.1k") && v("1.1.1k") < v("1.1.1w"));
        assert!(v("9.8p1") < v("9.8p2") && v("9.8p2") < v("9.9p1"));
        assert!(v("7.4.33") < v("8.0.0-rc1"));
        assert!(Version::parse("*").is_none() && Version::parse("-").is_none());
    }

    #[test]
    fn ranges_honour_each_bound() {
        let range = VersionRange {
            version_start_including: Some("2.4.0".into()),
            version_end_excluding: Some("2.4.59".into()),
            ..VersionRange::default()
        };
        assert!(range.contains(Some("2.4.0")));
        assert!(range.contains(Some("2.4.58")));
        assert!(!range.contains(Some("2.4.59")));
        assert!(!range.contains(Some("2.2.34")));
        assert!(!range.contains(None));
        let upto = VersionRange {
            version_start_excluding: Some("1.0".into()),
            version_end_including: Some("1.24.0".into()),
            ..VersionRange::default()
        };
        assert!(upto.contains(Some("1.24")) && !upto.contains(Some("1.0.0")));
        assert!(VersionRange::default().contains(None));
    }
}
