//! The controls catalogue: which controls each security level requires, in groups
//! (management: policy, organisation, human resources, design and build, operations,
//! risk, decommissioning; technical: network, server, application, data).
//!
//! Vigil ships one (`data/controls.toml`, written from the domain notes in
//! `shared/domain`); admins replace it through the API. Every replacement is stored as a
//! new version and an assessment records the version it was made against, so old
//! assessments keep their meaning when the catalogue changes.
//!
//! ```
//! let catalogue = vigil_soc::Catalogue::builtin();
//! assert!(catalogue.controls_for(3).count() > catalogue.controls_for(1).count());
//! ```

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::reason::Reason;

/// The catalogue shipped with Vigil.
const BUILTIN: &str = include_str!("../data/controls.toml");

/// Management or technical requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    Management,
    Technical,
}

/// A group of controls (`network`, `policy`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlGroup {
    pub code: String,
    pub kind: ControlKind,
    pub vi: String,
    pub en: String,
}

/// One control and the levels that require it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: String,
    pub group: String,
    pub levels: Vec<u8>,
    pub vi: String,
    pub en: String,
}

/// A whole catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub title: String,
    pub groups: Vec<ControlGroup>,
    pub controls: Vec<Control>,
}

impl Catalogue {
    /// The catalogue shipped with Vigil.
    pub fn builtin() -> Catalogue {
        Catalogue::from_toml(BUILTIN).expect("the shipped catalogue is valid")
    }

    /// Reads a catalogue written in TOML (the shipped file's form) and checks it.
    pub fn from_toml(text: &str) -> Result<Catalogue, Vec<Reason>> {
        let catalogue: Catalogue = toml::from_str(text).map_err(|e| {
            vec![Reason::new(
                format!("danh mục không đọc được: {e}"),
                format!("catalogue cannot be read: {e}"),
            )]
        })?;
        catalogue.checked()
    }

    /// `self` when it is coherent; every problem otherwise.
    pub fn checked(self) -> Result<Catalogue, Vec<Reason>> {
        let mut reasons = Vec::new();
        if self.title.trim().is_empty() {
            reasons.push(Reason::new(
                "danh mục chưa có tên",
                "catalogue has no title",
            ));
        }
        let mut groups = HashSet::new();
        for g in &self.groups {
            if !groups.insert(g.code.as_str()) {
                reasons.push(Reason::new(
                    format!("nhóm {:?} bị trùng", g.code),
                    format!("group {:?} appears twice", g.code),
                ));
            }
        }
        let mut ids = HashSet::new();
        for c in &self.controls {
            if c.id.trim().is_empty() || !ids.insert(c.id.as_str()) {
                reasons.push(Reason::new(
                    format!("mã biện pháp {:?} trống hoặc bị trùng", c.id),
                    format!("control id {:?} is empty or appears twice", c.id),
                ));
            }
            if !groups.contains(c.group.as_str()) {
                reasons.push(Reason::new(
                    format!("biện pháp {} thuộc nhóm không có: {:?}", c.id, c.group),
                    format!("control {} names an unknown group {:?}", c.id, c.group),
                ));
            }
            if c.levels.is_empty() || c.levels.iter().any(|l| !(1..=5).contains(l)) {
                reasons.push(Reason::new(
                    format!("biện pháp {}: cấp độ phải thuộc 1–5", c.id),
                    format!("control {}: levels must be within 1–5", c.id),
                ));
            }
        }
        if reasons.is_empty() {
            Ok(self)
        } else {
            Err(reasons)
        }
    }

    /// The controls a system at `level` must have.
    pub fn controls_for(&self, level: u8) -> impl Iterator<Item = &Control> {
        self.controls
            .iter()
            .filter(move |c| c.levels.contains(&level))
    }

    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn group(&self, code: &str) -> Option<&ControlGroup> {
        self.groups.iter().find(|g| g.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_covers_every_level_and_both_kinds() {
        let c = Catalogue::builtin();
        for level in 1..=5 {
            assert!(c.controls_for(level).count() >= 20, "level {level}");
        }
        assert!(c.groups.iter().any(|g| g.kind == ControlKind::Technical));
        assert!(c.groups.iter().any(|g| g.kind == ControlKind::Management));
    }

    #[test]
    fn incoherent_catalogues_are_refused_with_every_reason() {
        let mut c = Catalogue::builtin();
        c.controls[1].id = c.controls[0].id.clone();
        c.controls[2].group = "physical".into();
        c.controls[3].levels = vec![6];
        assert_eq!(c.checked().unwrap_err().len(), 3);
    }
}
