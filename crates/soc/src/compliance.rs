//! Compliance scores.
//!
//! **Definition.** Each control a system's level requires (in the catalogue version its
//! latest self-assessment used) scores *met* = 1, *partly met* = 0.5, *not met* = 0; a
//! control marked *not applicable* is left out of both the points and the count; a
//! required control the assessment did not answer counts as *not met*, so skipping a
//! question never raises a score. A score is points ÷ counted controls, shown as a
//! percentage.
//!
//! Scores of an agency, of a level and of a control group pool the controls of every
//! assessed system in it (points summed, counts summed), so a system with more required
//! controls weighs more, as it has more to fix. Systems without any self-assessment have
//! no score and are counted separately as unassessed.

use std::collections::{BTreeMap, HashMap};

use serde::{Serialize, Serializer};
use vigil_store::db::{ControlAssessment, ControlResult};

use crate::catalogue::Catalogue;

/// Points and counted controls, kept in half points so sums stay exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    half_points: u32,
    controls: u32,
}

impl Tally {
    /// Counts one answer (`None`: unanswered).
    pub fn count(&mut self, result: Option<ControlResult>) {
        let half_points = match result {
            Some(ControlResult::NotApplicable) => return,
            Some(ControlResult::Met) => 2,
            Some(ControlResult::Partly) => 1,
            Some(ControlResult::NotMet) | None => 0,
        };
        self.half_points += half_points;
        self.controls += 1;
    }

    pub fn add(&mut self, other: Tally) {
        self.half_points += other.half_points;
        self.controls += other.controls;
    }

    pub fn points(&self) -> f64 {
        f64::from(self.half_points) / 2.0
    }

    pub fn controls(&self) -> u32 {
        self.controls
    }

    /// The score in percent (0–100), `None` when no control counts.
    pub fn percent(&self) -> Option<f64> {
        (self.controls > 0).then(|| {
            let exact = f64::from(self.half_points) * 50.0 / f64::from(self.controls);
            (exact * 10.0).round() / 10.0
        })
    }
}

/// `{"points": 7.5, "controls": 10, "percent": 75.0}`.
impl Serialize for Tally {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Tally", 3)?;
        s.serialize_field("points", &self.points())?;
        s.serialize_field("controls", &self.controls)?;
        s.serialize_field("percent", &self.percent())?;
        s.end()
    }
}

/// One system's score, in total and per control group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SystemScore {
    pub total: Tally,
    pub by_group: BTreeMap<String, Tally>,
}

/// Scores a self-assessment of a system at `level` against the catalogue it used.
pub fn score_system(
    catalogue: &Catalogue,
    level: u8,
    results: &[ControlAssessment],
) -> SystemScore {
    let answers: HashMap<&str, ControlResult> = results
        .iter()
        .map(|r| (r.control_id.as_str(), r.result))
        .collect();
    let mut score = SystemScore::default();
    for control in catalogue.controls_for(level) {
        let answer = answers.get(control.id.as_str()).copied();
        score.total.count(answer);
        score
            .by_group
            .entry(control.group.clone())
            .or_default()
            .count(answer);
    }
    score
}

/// What a score is gathered under.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rollup {
    pub by_agency: BTreeMap<String, Tally>,
    pub by_level: BTreeMap<u8, Tally>,
    pub by_group: BTreeMap<String, Tally>,
    pub overall: Tally,
}

impl Rollup {
    /// Adds one system's score under its agency (name) and level.
    pub fn add(&mut self, agency: &str, level: u8, score: &SystemScore) {
        self.by_agency
            .entry(agency.to_owned())
            .or_default()
            .add(score.total);
        self.by_level.entry(level).or_default().add(score.total);
        for (group, tally) in &score.by_group {
            self.by_group.entry(group.clone()).or_default().add(*tally);
        }
        self.overall.add(score.total);
    }
}
