//! Matching CPE 2.3 names (NIST IR 7695/7696, formatted-string binding) and plain
//! product names against the software components of the register.
//!
//! A criterion such as NVD's `cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*` matches a
//! component attribute by attribute: `*` (ANY) matches every value, `-` (NA) only a value
//! that is itself `-` or absent, and a value with `*` or `?` inside (`http_*`, `2.4.?`)
//! is a pattern. Values compare case-insensitively with their `\` escapes removed. The
//! version attribute compares as a [`Version`](crate::version::Version) (`2.4` = `2.4.0`)
//! and a [`VersionRange`] further limits it.
//!
//! A component registered as `name@version` has no CPE; it matches a criterion whose
//! product is its name written the CPE way (lower case, spaces as `_`), whatever the
//! vendor, and a product name ([`product_key`]) likewise.

use serde::{Deserialize, Serialize};
use vigil_store::db::Component;

use crate::version::{Version, VersionRange};

/// The attributes of a CPE 2.3 formatted string after `cpe:2.3:`.
const ATTRIBUTES: usize = 11;
const PART: usize = 0;
const VENDOR: usize = 1;
const PRODUCT: usize = 2;
const VERSION: usize = 3;

/// A CPE 2.3 name, its attributes unescaped and in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    attributes: [String; ATTRIBUTES],
}

impl Cpe {
    /// Reads `cpe:2.3:part:vendor:product:version:…`; missing trailing attributes are ANY.
    pub fn parse(text: &str) -> Option<Cpe> {
        let mut values = vec![String::new()];
        let mut escaped = false;
        for c in text.trim().chars() {
            if escaped {
                values.last_mut()?.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == ':' {
                values.push(String::new());
            } else {
                values.last_mut()?.extend(c.to_lowercase());
            }
        }
        if values.len() < 5 || values[0] != "cpe" || values[1] != "2.3" {
            return None;
        }
        let mut attributes: [String; ATTRIBUTES] = Default::default();
        for (slot, value) in attributes.iter_mut().zip(values.into_iter().skip(2)) {
            *slot = if value.is_empty() { "*".into() } else { value };
        }
        for slot in attributes.iter_mut().filter(|a| a.is_empty()) {
            *slot = "*".into();
        }
        Some(Cpe { attributes })
    }

    pub fn part(&self) -> &str {
        &self.attributes[PART]
    }

    pub fn vendor(&self) -> &str {
        &self.attributes[VENDOR]
    }

    pub fn product(&self) -> &str {
        &self.attributes[PRODUCT]
    }

    pub fn version(&self) -> &str {
        &self.attributes[VERSION]
    }
}

/// Whether a criterion attribute value matches a component's.
fn attribute_matches(criterion: &str, value: &str) -> bool {
    match criterion {
        "*" => true,
        "-" => matches!(value, "-" | "*"),
        _ if criterion.contains(['*', '?']) => glob(criterion.as_bytes(), value.as_bytes()),
        _ => criterion == value,
    }
}

/// `*` any run, `?` one character, everything else literally.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], text) || (!text.is_empty() && glob(pattern, &text[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &text[1..]),
        (Some(p), Some(t)) if p == t => glob(&pattern[1..], &text[1..]),
        _ => false,
    }
}

/// A product or component name the way CPE writes it: lower case, runs of anything but
/// letters and digits as one `_`.
pub fn product_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') {
            key.push('_');
        }
    }
    key.trim_matches('_').to_owned()
}

/// What an advisory or a feed says is affected: a CPE criterion, or a product name, with
/// an optional version range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentCriterion {
    /// A CPE 2.3 name, wildcards allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    /// A product name, compared as [`product_key`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub range: VersionRange,
}

impl ComponentCriterion {
    /// Whether the criterion can be read: a valid CPE, or a non-empty name.
    pub fn is_valid(&self) -> bool {
        match (&self.cpe, &self.name) {
            (Some(cpe), _) => Cpe::parse(cpe).is_some(),
            (None, Some(name)) => !product_key(name).is_empty(),
            (None, None) => false,
        }
    }

    /// Whether `component` is affected.
    pub fn matches(&self, component: &Component) -> bool {
        let registered = component.cpe.as_deref().and_then(Cpe::parse);
        let version = component
            .version
            .clone()
            .or_else(|| registered.as_ref().map(|c| c.version().to_owned()))
            .filter(|v| Version::parse(v).is_some());
        match (&self.cpe, &self.name) {
            (Some(text), _) => {
                let Some(criterion) = Cpe::parse(text) else {
                    return false;
                };
                let same_product = match &registered {
                    Some(cpe) => (0..ATTRIBUTES)
                        .filter(|&i| i != VERSION)
                        .all(|i| attribute_matches(&criterion.attributes[i], &cpe.attributes[i])),
                    None => attribute_matches(criterion.product(), &product_key(&component.name)),
                };
                same_product && self.version_matches(criterion.version(), version.as_deref())
            }
            (None, Some(name)) => {
                let key = product_key(name);
                (key == product_key(&component.name)
                    || registered.as_ref().is_some_and(|c| c.product() == key))
                    && self.range.contains(version.as_deref())
            }
            (None, None) => false,
        }
    }

    /// The criterion's own version attribute, then its range.
    fn version_matches(&self, criterion: &str, version: Option<&str>) -> bool {
        let exact = match criterion {
            "*" => true,
            "-" => version.is_none(),
            _ if criterion.contains(['*', '?']) => {
                version.is_some_and(|v| glob(criterion.as_bytes(), v.to_lowercase().as_bytes()))
            }
            _ => match (Version::parse(criterion), version.and_then(Version::parse)) {
                (Some(c), Some(v)) => c == v,
                _ => false,
            },
        };
        exact && self.range.contains(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(name: &str, version: Option<&str>, cpe: Option<&str>) -> Component {
        Component {
            name: name.into(),
            version: version.map(str::to_owned),
            cpe: cpe.map(str::to_owned),
        }
    }

    fn cpe(text: &str) -> ComponentCriterion {
        ComponentCriterion {
            cpe: Some(text.into()),
            name: None,
            range: VersionRange::default(),
        }
    }

    #[test]
    fn wildcards_na_and_patterns() {
        let httpd = component(
            "http_server",
            Some("2.4.58"),
            Some("cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"),
        );
        assert!(cpe("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*").matches(&httpd));
        assert!(cpe("cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*").matches(&httpd));
        assert!(cpe("cpe:2.3:a:APACHE:http_*:2.4.5?:*:*:*:*:*:*:*").matches(&httpd));
        assert!(!cpe("cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*").matches(&httpd));
        assert!(!cpe("cpe:2.3:a:apache:tomcat:*:*:*:*:*:*:*:*").matches(&httpd));
        assert!(!cpe("cpe:2.3:o:apache:http_server:*:*:*:*:*:*:*:*").matches(&httpd));
        assert!(cpe("cpe:2.3:a:apache:http_server").matches(&httpd));
        let windows = component(
            "windows_server_2019",
            None,
            Some("cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*"),
        );
        assert!(cpe("cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*").matches(&windows));
        assert!(
            !cpe("cpe:2.3:o:microsoft:windows_server_2019:1809:*:*:*:*:*:*:*").matches(&windows)
        );
        // NA in the criterion's update attribute, a value in the component's.
        let sp = component("x", None, Some("cpe:2.3:a:v:x:1.0:sp1:*:*:*:*:*:*"));
        assert!(!cpe("cpe:2.3:a:v:x:*:-:*:*:*:*:*:*").matches(&sp));
    }

    #[test]
    fn names_without_cpe_match_by_product_and_range() {
        let nginx = component("nginx", Some("1.24.0"), None);
        let mut below = cpe("cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*");
        below.range.version_end_excluding = Some("1.25.3".into());
        assert!(below.matches(&nginx));
        below.range.version_end_excluding = Some("1.24.0".into());
        assert!(!below.matches(&nginx));
        let by_name = ComponentCriterion {
            cpe: None,
            name: Some("Microsoft IIS".into()),
            range: VersionRange::default(),
        };
        assert!(by_name.matches(&component("microsoft-iis", Some("10.0"), None)));
        assert!(!by_name.matches(&nginx));
        assert_eq!(product_key(" HTTP Server (Apache) "), "http_server_apache");
    }
}
