//! A deterministic day of log traffic from a Vietnamese province, with attacks hidden in it.
//!
//! `vigil hunt` and `vigil demo` use this crate so that a newcomer sees real Sigma detections
//! within seconds, with no data of their own. [`generate_day`] builds one local day (UTC+7) of
//! flat JSON events for a handful of provincial agencies: Windows workstations and servers
//! (Sysmon, Security, System, PowerShell), Linux `auth.log` lines and web access records of
//! the agencies' sites and the online public services portal. Almost all of it is ordinary
//! work; a few [`attack_stories`] play out at plausible times, each a chain on one agency's
//! hosts, built to trigger the SigmaHQ rules listed by [`expected_rule_ids`].
//!
//! Field names are the ones Sigma rules use: Windows events are flat (`Channel`, integer
//! `EventID`, `Computer`, `Provider_Name`, `EventRecordID` and the event data fields), Linux
//! and web events name their log source in `logsource.product` / `logsource.category` /
//! `logsource.service`. Every event has `@timestamp` (RFC 3339, UTC), `host` and `agency`.
//!
//! The same configuration always gives the same bytes: all randomness comes from
//! [`DemoConfig::seed`], and each story and the background draw from their own stream.
//!
//! ```
//! use vigil_demo::{generate_day, write_jsonl, DemoConfig};
//!
//! let config = DemoConfig { events_target: 3_000, ..DemoConfig::default() };
//! let events = generate_day(&config);
//! assert!(events.len() >= 3_000);
//! assert_eq!(events, generate_day(&config));
//!
//! let mut jsonl = Vec::new();
//! write_jsonl(&mut jsonl, &events).unwrap();
//! assert_eq!(jsonl.iter().filter(|&&b| b == b'\n').count(), events.len());
//! ```

mod background;
mod clock;
mod content;
mod linux;
mod province;
mod stories;
mod timeline;
mod web;
mod windows;

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::io::{self, Write};

pub use province::{default_agencies, Agency};
pub use stories::{attack_stories, expected_rule_ids, Story};

/// What day to generate, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed of every random choice; the same seed gives byte-identical output.
    pub seed: u64,
    /// The local (UTC+7) calendar day to generate.
    pub date: NaiveDate,
    /// Roughly how many events to produce. The attack stories (a few hundred events) and the
    /// daily routine of every host always happen, so very small targets are exceeded.
    pub events_target: usize,
    /// The province's agencies; the first is the hub (domain controllers, remote desktop,
    /// online public services portal). Must not be empty.
    pub agencies: Vec<Agency>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 20_250_314,
            date: NaiveDate::from_ymd_opt(2025, 3, 14).expect("valid date"),
            events_target: 20_000,
            agencies: default_agencies(),
        }
    }
}

/// A generated event with the attack story it belongs to (`None` for background).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledEvent {
    /// The [`Story::id`] of the story that produced the event.
    pub story: Option<&'static str>,
    /// The flat JSON object.
    pub event: serde_json::Value,
}

/// One day of events, sorted by time, each with its ground-truth story label.
///
/// # Panics
///
/// If `config.agencies` is empty.
pub fn generate_labelled_day(config: &DemoConfig) -> Vec<LabelledEvent> {
    let inventory =
        province::Inventory::build(&config.agencies, &mut stream(config.seed, "inventory"));
    let day = clock::Day::new(config.date);
    let mut timeline = timeline::Timeline::default();
    stories::play_all(&mut timeline, &inventory, &day, config.seed);
    let background_target = config.events_target.saturating_sub(timeline.len());
    background::fill(
        &mut timeline,
        &inventory,
        config.date,
        stream(config.seed, "background"),
        background_target,
    );
    timeline.finish()
}

/// One day of events as flat JSON objects, sorted by time.
///
/// # Panics
///
/// If `config.agencies` is empty.
pub fn generate_day(config: &DemoConfig) -> Vec<serde_json::Value> {
    generate_labelled_day(config)
        .into_iter()
        .map(|labelled| labelled.event)
        .collect()
}

/// Writes events as JSON lines (one compact object and `\n` per event).
pub fn write_jsonl(mut writer: impl Write, events: &[serde_json::Value]) -> io::Result<()> {
    for event in events {
        serde_json::to_writer(&mut writer, event)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()
}

/// FNV-1a: a stable hash of a name, for values that must not depend on a random stream.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// An independent random stream for one part of the day, so that changing the volume of the
/// background never moves a story, and vice versa.
pub(crate) fn stream(seed: u64, part: &str) -> StdRng {
    StdRng::seed_from_u64(seed ^ fnv1a(part))
}
