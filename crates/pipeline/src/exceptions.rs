//! Analysts' rule exceptions, compiled: "do not alert on rule R when field F matches P"
//! (optionally only for one agency). False-positive tuning is what analysts ask for most,
//! so every detection passes through [`Exceptions::suppresses`] before it becomes an alert.

use ipnet::IpNet;
use regex::Regex;
use std::collections::HashMap;
use std::net::IpAddr;
use vigil_event::Event;
use vigil_store::db::{MatchKind, RuleException};

/// Why an exception could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("exception {id}: {reason}")]
pub struct BadException {
    pub id: String,
    pub reason: String,
}

#[derive(Debug)]
enum Matcher {
    /// Lower-cased text compared case-insensitively.
    Equals(String),
    Pattern(Regex),
    Network(IpNet),
}

impl Matcher {
    fn compile(kind: MatchKind, pattern: &str) -> Result<Matcher, String> {
        Ok(match kind {
            MatchKind::Equals => Matcher::Equals(pattern.to_lowercase()),
            MatchKind::Wildcard => {
                Matcher::Pattern(Regex::new(&wildcard_regex(pattern)).map_err(|e| e.to_string())?)
            }
            MatchKind::Regex => Matcher::Pattern(Regex::new(pattern).map_err(|e| e.to_string())?),
            MatchKind::Cidr => Matcher::Network(parse_network(pattern)?),
        })
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Equals(text) => value.to_lowercase() == *text,
            Matcher::Pattern(re) => re.is_match(value),
            Matcher::Network(net) => value
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| net.contains(&ip)),
        }
    }
}

/// An IP network from `a.b.c.d/n`, or a single address.
fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is not an IP network (a.b.c.d/n)"))
}

/// A case-insensitive, anchored regex for a `*`/`?` wildcard pattern.
fn wildcard_regex(pattern: &str) -> String {
    let mut out = String::from("(?is)^");
    for c in pattern.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            other => out.push_str(&regex::escape(other.encode_utf8(&mut [0; 4]))),
        }
    }
    out.push('$');
    out
}

/// Checks that an exception would compile (the API validates before storing).
pub fn validate(kind: MatchKind, pattern: &str) -> Result<(), String> {
    Matcher::compile(kind, pattern).map(|_| ())
}

#[derive(Debug)]
struct Compiled {
    agency_id: Option<String>,
    field: String,
    matcher: Matcher,
}

/// Every exception, by rule id.
#[derive(Debug, Default)]
pub struct Exceptions {
    by_rule: HashMap<String, Vec<Compiled>>,
}

impl Exceptions {
    /// Compiles `list`; exceptions that do not compile are left out and returned.
    pub fn compile(list: &[RuleException]) -> (Exceptions, Vec<BadException>) {
        let mut by_rule: HashMap<String, Vec<Compiled>> = HashMap::new();
        let mut bad = Vec::new();
        for e in list {
            match Matcher::compile(e.match_kind, &e.pattern) {
                Ok(matcher) => by_rule
                    .entry(e.rule_id.clone())
                    .or_default()
                    .push(Compiled {
                        agency_id: e.agency_id.clone(),
                        field: e.field.clone(),
                        matcher,
                    }),
                Err(reason) => bad.push(BadException {
                    id: e.id.clone(),
                    reason,
                }),
            }
        }
        (Exceptions { by_rule }, bad)
    }

    /// Whether an exception of `rule_id` that applies to `agency_id` matches `event`.
    /// A list-valued field matches when any element does.
    pub fn suppresses(&self, rule_id: &str, agency_id: &str, event: &Event) -> bool {
        let Some(list) = self.by_rule.get(rule_id) else {
            return false;
        };
        list.iter()
            .filter(|e| e.agency_id.as_deref().is_none_or(|a| a == agency_id))
            .any(|e| {
                event.get(&e.field).is_some_and(|value| match value {
                    vigil_event::Value::List(items) => items
                        .iter()
                        .any(|item| e.matcher.matches(&item.to_string())),
                    one => e.matcher.matches(&one.to_string()),
                })
            })
    }

    pub fn is_empty(&self) -> bool {
        self.by_rule.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn exception(
        rule: &str,
        agency: Option<&str>,
        field: &str,
        kind: MatchKind,
        pattern: &str,
    ) -> RuleException {
        RuleException {
            id: format!("x-{pattern}"),
            rule_id: rule.into(),
            agency_id: agency.map(str::to_owned),
            field: field.into(),
            match_kind: kind,
            pattern: pattern.into(),
            comment: None,
            created_by: "analyst".into(),
            created_at: Utc::now(),
        }
    }

    fn event() -> Event {
        let mut e = Event::default();
        e.push("Image", "C:\\Program Files\\Backup\\agent.exe");
        e.push("IpAddress", "10.20.30.40");
        e.push("User", "SVC_BACKUP");
        e
    }

    #[test]
    fn each_kind_matches_and_agency_scope_applies() {
        let (ex, bad) = Exceptions::compile(&[
            exception(
                "r1",
                None,
                "Image",
                MatchKind::Wildcard,
                "c:\\program files\\backup\\*",
            ),
            exception(
                "r2",
                Some("agency-a"),
                "IpAddress",
                MatchKind::Cidr,
                "10.20.0.0/16",
            ),
            exception("r3", None, "User", MatchKind::Equals, "svc_backup"),
            exception("r4", None, "User", MatchKind::Regex, "^SVC_[A-Z]+$"),
        ]);
        assert!(bad.is_empty());
        let e = event();
        assert!(ex.suppresses("r1", "any", &e));
        assert!(ex.suppresses("r2", "agency-a", &e));
        assert!(!ex.suppresses("r2", "agency-b", &e), "scoped to agency a");
        assert!(ex.suppresses("r3", "any", &e));
        assert!(ex.suppresses("r4", "any", &e));
        assert!(!ex.suppresses("r5", "any", &e), "no exception for r5");
        let (ex, _) = Exceptions::compile(&[exception(
            "r1",
            None,
            "Image",
            MatchKind::Wildcard,
            "*\\temp\\*",
        )]);
        assert!(!ex.suppresses("r1", "any", &e));
    }

    #[test]
    fn broken_patterns_are_reported_not_applied() {
        let (ex, bad) = Exceptions::compile(&[
            exception("r1", None, "User", MatchKind::Regex, "(unclosed"),
            exception("r1", None, "IpAddress", MatchKind::Cidr, "not-a-net"),
        ]);
        assert_eq!(bad.len(), 2);
        assert!(!ex.suppresses("r1", "any", &event()));
        assert!(validate(MatchKind::Cidr, "192.168.1.0/24").is_ok());
        assert!(validate(MatchKind::Regex, "a(").is_err());
    }
}
