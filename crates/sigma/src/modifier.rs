//! Field modifiers (`Image|endswith`, `CommandLine|base64offset|contains`, ...): parsing
//! the key of a detection item, and the value transformations they ask for.

use crate::error::{Result, SigmaError};
use base64::Engine;
use std::collections::HashMap;

/// Where a string value must occur in the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Anchor {
    #[default]
    Whole,
    Contains,
    StartsWith,
    EndsWith,
}

/// A numeric comparison (`gt`, `gte`, `lt`, `lte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Compare {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Compare::Gt => left > right,
            Compare::Gte => left >= right,
            Compare::Lt => left < right,
            Compare::Lte => left <= right,
        }
    }
}

/// A part taken out of a date value (`minute`, `hour`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// A transformation of the rule's value, applied in the order written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    Windash,
    Utf16Le,
    Utf16Be,
    Utf16Bom,
    Base64,
    Base64Offset,
}

/// Regular-expression flags (`re|i`, `re|m`, `re|s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegexFlags {
    pub insensitive: bool,
    pub multiline: bool,
    pub dot_all: bool,
}

/// Everything the modifiers of one detection item say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modifiers {
    pub anchor: Anchor,
    pub all: bool,
    pub cased: bool,
    pub regex: Option<RegexFlags>,
    pub cidr: bool,
    pub exists: bool,
    pub fieldref: bool,
    pub expand: bool,
    pub neq: bool,
    pub compare: Option<Compare>,
    pub time_part: Option<TimePart>,
    pub transforms: Vec<Transform>,
}

/// A detection item's key split into field name and modifiers. A key that starts with
/// `|` (e.g. `'|all'`) has no field: it is a keyword search with modifiers.
pub fn parse_key(key: &str) -> Result<(Option<String>, Modifiers)> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default();
    let field = (!field.is_empty()).then(|| field.to_owned());
    let shown = field.clone().unwrap_or_default();
    let mut mods = Modifiers::default();
    let set_anchor = |mods: &mut Modifiers, anchor: Anchor| -> Result<()> {
        if mods.anchor != Anchor::Whole && mods.anchor != anchor {
            return Err(SigmaError::field(
                &shown,
                "more than one of contains/startswith/endswith",
            ));
        }
        mods.anchor = anchor;
        Ok(())
    };
    for name in parts {
        match name {
            "contains" => set_anchor(&mut mods, Anchor::Contains)?,
            "startswith" => set_anchor(&mut mods, Anchor::StartsWith)?,
            "endswith" => set_anchor(&mut mods, Anchor::EndsWith)?,
            "all" => mods.all = true,
            "cased" => mods.cased = true,
            "re" => mods.regex = Some(RegexFlags::default()),
            "i" | "m" | "s" => {
                let Some(flags) = mods.regex.as_mut() else {
                    return Err(SigmaError::field(
                        &shown,
                        format!("`{name}` is a sub-modifier of `re` and must follow it"),
                    ));
                };
                match name {
                    "i" => flags.insensitive = true,
                    "m" => flags.multiline = true,
                    _ => flags.dot_all = true,
                }
            }
            "cidr" => mods.cidr = true,
            "exists" => mods.exists = true,
            "fieldref" => mods.fieldref = true,
            "expand" => mods.expand = true,
            "neq" => mods.neq = true,
            "gt" => mods.compare = Some(Compare::Gt),
            "gte" => mods.compare = Some(Compare::Gte),
            "lt" => mods.compare = Some(Compare::Lt),
            "lte" => mods.compare = Some(Compare::Lte),
            "minute" => mods.time_part = Some(TimePart::Minute),
            "hour" => mods.time_part = Some(TimePart::Hour),
            "day" => mods.time_part = Some(TimePart::Day),
            "week" => mods.time_part = Some(TimePart::Week),
            "month" => mods.time_part = Some(TimePart::Month),
            "year" => mods.time_part = Some(TimePart::Year),
            "windash" => mods.transforms.push(Transform::Windash),
            "wide" | "utf16le" => mods.transforms.push(Transform::Utf16Le),
            "utf16be" => mods.transforms.push(Transform::Utf16Be),
            "utf16" => mods.transforms.push(Transform::Utf16Bom),
            "base64" => mods.transforms.push(Transform::Base64),
            "base64offset" => mods.transforms.push(Transform::Base64Offset),
            other => {
                return Err(SigmaError::UnknownModifier {
                    field: shown.clone(),
                    modifier: other.to_owned(),
                });
            }
        }
    }
    check_combination(&shown, &mods)?;
    Ok((field, mods))
}

/// Rejects modifier combinations whose meaning is undefined.
fn check_combination(field: &str, mods: &Modifiers) -> Result<()> {
    let kinds = [
        mods.regex.is_some(),
        mods.cidr,
        mods.exists,
        mods.fieldref,
        mods.compare.is_some() && mods.time_part.is_none(),
        mods.time_part.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() > 1 {
        return Err(SigmaError::field(
            field,
            "re, cidr, exists, fieldref, gt/gte/lt/lte and time modifiers cannot be combined",
        ));
    }
    let special = mods.regex.is_some()
        || mods.cidr
        || mods.exists
        || mods.compare.is_some()
        || mods.time_part.is_some();
    if special && mods.anchor != Anchor::Whole {
        return Err(SigmaError::field(field, "contains/startswith/endswith cannot be combined with re, cidr, exists or numeric modifiers"));
    }
    if special && !mods.transforms.is_empty() {
        return Err(SigmaError::field(
            field,
            "encoding modifiers cannot be combined with re, cidr, exists or numeric modifiers",
        ));
    }
    Ok(())
}

/// Characters `windash` treats as interchangeable option prefixes.
const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// Upper bound on variants one value may expand to (windash on a long command line).
const MAX_VARIANTS: usize = 4096;

/// Expands `%name%` placeholders from `values`; a placeholder with no configured values
/// makes the value unmatchable, reported through `unresolved`.
pub fn expand_placeholders(
    text: &str,
    values: &HashMap<String, Vec<String>>,
    unresolved: &mut Vec<String>,
) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        let Some(len) = rest[start + 1..].find('%') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        let prefix = &rest[..start];
        for partial in &mut out {
            partial.push_str(prefix);
        }
        match values.get(name).filter(|v| !v.is_empty()) {
            Some(choices) => {
                out = out
                    .iter()
                    .flat_map(|partial| choices.iter().map(move |c| format!("{partial}{c}")))
                    .take(MAX_VARIANTS)
                    .collect();
            }
            None => {
                unresolved.push(name.to_owned());
                return Vec::new();
            }
        }
        rest = &rest[start + 2 + len..];
    }
    for partial in &mut out {
        partial.push_str(rest);
    }
    out
}

/// All variants of `text` with each option-like dash (a dash or slash that starts a word
/// after a non-word character) replaced by every dash character.
pub fn windash_variants(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| {
            DASHES.contains(&chars[i])
                && (i == 0 || !is_word(chars[i - 1]))
                && chars.get(i + 1).is_some_and(|&c| is_word(c))
        })
        .collect();
    let mut out = vec![chars];
    for &pos in &positions {
        if out.len() * DASHES.len() > MAX_VARIANTS {
            break;
        }
        out = out
            .into_iter()
            .flat_map(|variant| {
                DASHES.iter().map(move |&d| {
                    let mut v = variant.clone();
                    v[pos] = d;
                    v
                })
            })
            .collect();
    }
    out.into_iter().map(|v| v.into_iter().collect()).collect()
}

/// Applies an encoding transformation to raw bytes, giving one or more byte strings.
pub fn encode(transform: Transform, value: &[u8]) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    match transform {
        Transform::Utf16Le | Transform::Utf16Be | Transform::Utf16Bom => {
            let text = latin1_or_utf8(value);
            let mut out = Vec::with_capacity(text.len() * 2 + 2);
            if transform == Transform::Utf16Bom {
                out.extend_from_slice(&[0xFF, 0xFE]);
            }
            for unit in text.encode_utf16() {
                let bytes = if transform == Transform::Utf16Be {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                };
                out.extend_from_slice(&bytes);
            }
            vec![out]
        }
        Transform::Base64 => vec![b64.encode(value).into_bytes()],
        Transform::Base64Offset => {
            // The value may start at any of three byte offsets inside a longer base64
            // text; drop the leading and trailing characters that depend on neighbours.
            const START: [usize; 3] = [0, 2, 3];
            const END_TRIM: [usize; 3] = [0, 3, 2];
            (0..3)
                .map(|shift| {
                    let mut padded = vec![b' '; shift];
                    padded.extend_from_slice(value);
                    let encoded = b64.encode(&padded).into_bytes();
                    let end = encoded.len() - END_TRIM[(value.len() + shift) % 3];
                    encoded[START[shift].min(end)..end].to_vec()
                })
                .collect()
        }
        Transform::Windash => vec![value.to_vec()],
    }
}

/// Bytes as text: UTF-8 when valid, otherwise one character per byte (Latin-1), which
/// is how encoded values (UTF-16 with NULs, a BOM) are compared with event text.
pub fn latin1_or_utf8(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_into_field_and_modifiers() {
        let (field, mods) = parse_key("CommandLine|base64offset|contains").unwrap();
        assert_eq!(field.as_deref(), Some("CommandLine"));
        assert_eq!(mods.anchor, Anchor::Contains);
        assert_eq!(mods.transforms, vec![Transform::Base64Offset]);
        let (field, mods) = parse_key("|all").unwrap();
        assert_eq!(field, None);
        assert!(mods.all);
        let (_, mods) = parse_key("x|re|i|s").unwrap();
        assert_eq!(
            mods.regex,
            Some(RegexFlags {
                insensitive: true,
                multiline: false,
                dot_all: true
            })
        );
    }

    #[test]
    fn bad_keys_are_rejected_with_reasons() {
        assert!(matches!(
            parse_key("a|bogus"),
            Err(SigmaError::UnknownModifier { .. })
        ));
        assert!(parse_key("a|i").is_err());
        assert!(parse_key("a|contains|startswith").is_err());
        assert!(parse_key("a|re|contains").is_err());
        assert!(parse_key("a|cidr|gt").is_err());
    }

    #[test]
    fn base64offset_matches_reference_values() {
        // "/c" style check with a value whose three encodings are well known.
        let variants: Vec<String> = encode(Transform::Base64Offset, b"http://")
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect();
        assert_eq!(variants, vec!["aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"]);
        let b64 = base64::engine::general_purpose::STANDARD;
        for prefix in ["", "a", "ab", "abc"] {
            let whole = b64.encode(format!("{prefix}http://x"));
            assert!(
                variants.iter().any(|v| whole.contains(v.as_str())),
                "{prefix}"
            );
        }
    }

    #[test]
    fn utf16_encodings() {
        assert_eq!(
            encode(Transform::Utf16Le, b"cmd"),
            vec![vec![0x63, 0, 0x6d, 0, 0x64, 0]]
        );
        assert_eq!(
            encode(Transform::Utf16Be, b"cmd"),
            vec![vec![0, 0x63, 0, 0x6d, 0, 0x64]]
        );
        assert_eq!(encode(Transform::Utf16Bom, b"cmd")[0][..2], [0xFF, 0xFE]);
        let wide_b64 = encode(Transform::Base64, &encode(Transform::Utf16Le, b"ping")[0]);
        assert_eq!(wide_b64, vec![b"cABpAG4AZwA=".to_vec()]);
    }

    #[test]
    fn windash_replaces_option_dashes_only() {
        let v = windash_variants(" -enc x-y");
        assert_eq!(v.len(), 5);
        assert!(v.contains(&" /enc x-y".to_string()));
        assert!(v.contains(&" \u{2015}enc x-y".to_string()));
        assert_eq!(windash_variants("-a -b").len(), 25);
        assert_eq!(windash_variants("no dash").len(), 1);
    }

    #[test]
    fn placeholders_expand_or_report() {
        let mut values = HashMap::new();
        values.insert(
            "Admins".to_string(),
            vec!["adm1".to_string(), "adm2".to_string()],
        );
        let mut unresolved = Vec::new();
        assert_eq!(
            expand_placeholders("x%Admins%y", &values, &mut unresolved),
            vec!["xadm1y", "xadm2y"]
        );
        assert!(expand_placeholders("%Other%", &values, &mut unresolved).is_empty());
        assert_eq!(unresolved, vec!["Other"]);
        assert_eq!(
            expand_placeholders("100%", &values, &mut unresolved),
            vec!["100%"]
        );
    }
}
