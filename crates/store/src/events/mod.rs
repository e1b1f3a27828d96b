//! The event store: where every ingested event lands and where analysts search it.
//!
//! [`EventStore`] is the seam between `vigil serve` and the storage engine. The embedded
//! implementation is [`TantivyEventStore`] (one tantivy index per UTC day under
//! `data/events/YYYY-MM-DD/`); a ClickHouse implementation can sit behind the same trait
//! and must pass the same test suite (`crates/store/tests/events_suite`).
//!
//! Searches are expressed in the analysts' [`query`] language and always carry the
//! caller's tenant: `Some(agency)` restricts every answer to that agency's events.
//!
//! ```
//! use vigil_event::Event;
//! use vigil_store::events::{EventStore, StoredEvent, TantivyEventStore, TimeRange};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = TantivyEventStore::open(dir.path()).unwrap();
//! let mut event = Event::default();
//! event.push("EventID", 4688i64);
//! event.push("Image", "C:\\Windows\\System32\\cmd.exe");
//! store.append(&[StoredEvent::new(event, "so-tttt", "portal", "syslog", "raw line")]).unwrap();
//! store.commit().unwrap();
//! let query = "Image:*\\\\CMD.EXE".parse().unwrap();
//! let found = store.search(&query, TimeRange::ALL, 10, 0, Some("so-tttt")).unwrap();
//! assert_eq!(found.total, 1);
//! ```

mod compile;
pub mod query;
mod schema;
mod tantivy_store;

pub use query::{ParseError, Query};
pub use schema::{FACET_MAX_BYTES, TRUNCATED_FLAG};
pub use tantivy_store::{TantivyEventStore, TantivyStoreConfig};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use ulid::Ulid;
use vigil_event::Event;

/// A stored event's identifier: a ULID whose time part is the event's time, so ids sort
/// by time and name the day that holds them.
pub type EventId = Ulid;

/// An event as the store keeps it: the parsed event plus where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: EventId,
    pub event: Event,
    /// The agency the event belongs to (the tenant).
    pub agency: String,
    /// The agency's information system the event was attributed to.
    pub system: String,
    /// The host the event is about, when known.
    pub host: Option<String>,
    /// How the event arrived (ingest path, e.g. `syslog`, `bulk`, `hec`, `import`).
    pub source: String,
    pub received_at: DateTime<Utc>,
    /// The original text as received.
    pub raw: String,
}

/// Field names that commonly hold the host an event is about, in order of preference.
const HOST_FIELDS: [&str; 5] = ["host.name", "host.hostname", "Computer", "hostname", "host"];

impl StoredEvent {
    /// Wraps an event received now; the id is drawn from the event's time and the host is
    /// taken from the usual host fields.
    pub fn new(
        event: Event,
        agency: impl Into<String>,
        system: impl Into<String>,
        source: impl Into<String>,
        raw: impl Into<String>,
    ) -> StoredEvent {
        StoredEvent::received_at(event, agency, system, source, raw, Utc::now())
    }

    /// Like [`StoredEvent::new`], with an explicit receipt time.
    pub fn received_at(
        event: Event,
        agency: impl Into<String>,
        system: impl Into<String>,
        source: impl Into<String>,
        raw: impl Into<String>,
        received_at: DateTime<Utc>,
    ) -> StoredEvent {
        let time = event.timestamp.unwrap_or(received_at);
        let host = HOST_FIELDS
            .iter()
            .find_map(|name| event.get_str(name))
            .map(str::to_owned);
        StoredEvent {
            id: id_for(time),
            event,
            agency: agency.into(),
            system: system.into(),
            host,
            source: source.into(),
            received_at,
            raw: raw.into(),
        }
    }

    /// The time the store files the event under: when it happened, or when it was
    /// received if the source did not say.
    pub fn time(&self) -> DateTime<Utc> {
        self.event.timestamp.unwrap_or(self.received_at)
    }

    /// The UTC day that holds the event.
    pub fn day(&self) -> NaiveDate {
        self.time().date_naive()
    }
}

/// A fresh id whose time part is `time` (clamped to what a ULID can hold).
pub fn id_for(time: DateTime<Utc>) -> EventId {
    let ms = time.timestamp_millis().clamp(0, (1 << 48) - 1) as u64;
    Ulid::from_parts(ms, Ulid::new().random())
}

/// The UTC day an id's time part names.
pub fn id_day(id: EventId) -> Option<NaiveDate> {
    DateTime::from_timestamp_millis(id.timestamp_ms() as i64).map(|t| t.date_naive())
}

/// A half-open time interval `[from, to)`; an absent end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// All of time.
    pub const ALL: TimeRange = TimeRange {
        from: None,
        to: None,
    };

    /// `[from, to)`.
    pub fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> TimeRange {
        TimeRange {
            from: Some(from),
            to: Some(to),
        }
    }

    /// From `from` on.
    pub fn since(from: DateTime<Utc>) -> TimeRange {
        TimeRange {
            from: Some(from),
            to: None,
        }
    }

    /// Whether any instant of the UTC day `day` falls in the range.
    pub fn overlaps_day(&self, day: NaiveDate) -> bool {
        let start = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
        let end = start + TimeDelta::days(1);
        self.from.is_none_or(|f| f < end) && self.to.is_none_or(|t| t > start)
    }

    /// Whether `time` falls in the range.
    pub fn contains(&self, time: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| time >= f) && self.to.is_none_or(|t| time < t)
    }
}

/// One page of a search, newest first, and how many events matched in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResult {
    pub events: Vec<StoredEvent>,
    pub total: u64,
}

/// What can go wrong in the event store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The query parsed but cannot run (e.g. a time range on a numeric field).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("stored event is unreadable: {0}")]
    Corrupt(String),
    #[error("i/o error on {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where events are kept and searched. Implementations are shared between ingest
/// (append/commit) and the API (search and aggregations), so every method takes `&self`.
pub trait EventStore: Send + Sync {
    /// Adds events. They become visible to searches, and durable, at the next
    /// [`commit`](EventStore::commit).
    fn append(&self, batch: &[StoredEvent]) -> Result<()>;

    /// Makes every appended event durable and searchable: once this returns, a crash
    /// (even `kill -9`) loses none of them.
    fn commit(&self) -> Result<()>;

    /// Events matching `query` in `range`, newest first, skipping `offset` and returning
    /// at most `limit`; `total` counts every match. `tenant` restricts to one agency.
    fn search(
        &self,
        query: &Query,
        range: TimeRange,
        limit: usize,
        offset: usize,
        tenant: Option<&str>,
    ) -> Result<SearchResult>;

    /// One event by id, if it exists and belongs to `tenant` (when given).
    fn get(&self, id: EventId, tenant: Option<&str>) -> Result<Option<StoredEvent>>;

    /// The `top` most frequent values of `field` among matching events, most frequent
    /// first (ties by value). `agency`, `system`, `host`, `source` name the store's own
    /// columns; any other name is an event field.
    fn count_by(
        &self,
        field: &str,
        query: &Query,
        range: TimeRange,
        tenant: Option<&str>,
        top: usize,
    ) -> Result<Vec<(String, u64)>>;

    /// Matching events per time bucket, oldest first. Buckets are aligned to multiples of
    /// `bucket` since the Unix epoch; empty buckets between the first and last (or within
    /// `range`, where it is bounded) are included with a count of zero.
    fn histogram(
        &self,
        query: &Query,
        range: TimeRange,
        bucket: TimeDelta,
        tenant: Option<&str>,
    ) -> Result<Vec<(DateTime<Utc>, u64)>>;

    /// Deletes every day before `cutoff` (UTC). Returns the days deleted.
    fn drop_days_before(&self, cutoff: NaiveDate) -> Result<Vec<NaiveDate>>;

    /// Keeps today and the `days - 1` days before it (UTC); deletes older days. A store
    /// may also keep an older day that was written to within the period (evidence
    /// imported today with old dates), as the embedded store does.
    fn retain_days(&self, days: u32) -> Result<Vec<NaiveDate>> {
        let today = Utc::now().date_naive();
        let keep = TimeDelta::days(i64::from(days.max(1)) - 1);
        self.drop_days_before(today - keep)
    }
}

/// The most buckets a histogram may have.
pub const MAX_HISTOGRAM_BUCKETS: usize = 100_000;
