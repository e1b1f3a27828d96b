//! From log files to Vigil [`Event`](vigil_event::Event)s, and from events to the Sigma logsources they belong to.
//!
//! Readers never stop at a damaged record: they hand every event they can read to a
//! [`RecordSink`] and report every problem there as a [`ReadIssue`] (file, where, why).
//!
//! - [`EvtxReader`] reads Windows `.evtx` files through the `evtx` crate and flattens each
//!   record ([`windows::from_evtx_json`]) into the field names Sigma rules use.
//! - [`read_json`] reads JSON Lines, a JSON array, or concatenated JSON documents; objects
//!   in the EVTX layout are flattened the same way, others to dotted names
//!   ([`json_object::from_json_object`]).
//!   Winlogbeat / NXLog Windows events get the EVTX names ([`ecs_windows`]), Suricata EVE
//!   records ECS and generic aliases ([`suricata`]).
//! - [`read_text_path`] reads text logs line by line in the format [`detect_format`] finds:
//!   syslog ([`syslog`], auth programs decoded by [`auth`], Sysmon for Linux events by
//!   [`sysmon_linux`] with the EVTX reader's field names), web access and error logs,
//!   IIS W3C ([`web`]). [`syslog::FrameDecoder`] cuts TCP syslog streams into messages.
//! - [`LogsourceMap`] says which Sigma logsources (product / category / service) an event
//!   belongs to and which field aliases make it look as Sigma rules expect. Its mapping is
//!   data (`mappings/logsources.yml`), embedded, or loaded from a user file.
//!
//! ```no_run
//! use vigil_formats::{Collected, EvtxReader, LogsourceMap};
//!
//! let map = LogsourceMap::embedded();
//! let mut out = Collected::default();
//! EvtxReader::new().read_path("Security.evtx".as_ref(), &mut out);
//! for event in &mut out.events {
//!     let class = map.class(map.classify(event));
//!     class.apply_renames(event); // e.g. Image next to NewProcessName for 4688
//!     println!("{:?} {:?}", class.keys(), event.get("Image"));
//! }
//! for issue in &out.issues {
//!     eprintln!("{issue}");
//! }
//! ```

pub mod auth;
pub mod ecs_windows;
pub mod evtx_file;
pub mod evtx_json;
pub mod files;
pub mod issue;
pub mod json_file;
pub mod json_object;
pub mod logsource;
pub mod mapping;
pub mod suricata;
pub mod syslog;
pub mod sysmon_linux;
pub mod text;
pub mod timestamp;
pub mod web;
pub mod windows;

pub use evtx_file::EvtxReader;
pub use files::{is_evtx, is_json, read_events, read_path};
pub use issue::{Collected, Location, ReadIssue, ReadStats, RecordMeta, RecordSink};
pub use json_file::{read_json, read_json_path};
pub use logsource::{ClassId, LogsourceClass, LogsourceMap};
pub use mapping::{LogsourceKey, MappingError};
pub use text::{detect_format, read_text_path, LineFormat, LineParser, ParseOptions};

use std::path::PathBuf;

/// Where the shared test corpus is: `$VIGIL_CORPUS`, else `shared/corpus` beside the
/// checkout (`../../../shared/corpus` from this crate). `None` when neither exists, so
/// tests can print `skipped: corpus not found` and pass.
pub fn corpus_dir() -> Option<PathBuf> {
    let candidate = match std::env::var_os("VIGIL_CORPUS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    candidate.is_dir().then_some(candidate)
}
