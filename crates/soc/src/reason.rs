//! Why a value is refused, in Vietnamese and in English: the people who fix a spreadsheet
//! or a dossier read Vietnamese, scripts and the SOC's logs often English.

use std::fmt;

use serde::Serialize;

/// One problem, said in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub vi: String,
    pub en: String,
}

impl Reason {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

/// `tiếng Việt (English)`.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.vi, self.en)
    }
}

/// Reasons joined with `; `, the form one line of a report takes.
pub fn joined(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(Reason::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
