//! [`TantivyEventStore`]: the embedded event store, one tantivy index per UTC day.
//!
//! Days live in `<dir>/YYYY-MM-DD/` and are opened on first use. A search visits only the
//! days its time range overlaps, newest first, so paging stops reading old days as soon
//! as the page is full (their matches are still counted for the total). Retention deletes
//! whole day directories. At most [`TantivyStoreConfig::max_open_writers`] day writers
//! exist at once (each holds its indexing heap); the least recently used is committed and
//! closed when another day needs one.

use super::compile::{Compiler, TIMESTAMP};
use super::query::Query;
use super::schema::{self, Fields};
use super::{
    id_day, EventId, EventStore, Result, SearchResult, StoreError, StoredEvent, TimeRange,
    MAX_HISTOGRAM_BUCKETS,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::{Column, DynamicColumn, StrColumn};
use tantivy::index::IndexSettings;
use tantivy::query::Query as TQuery;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument,
};

/// Tuning of the embedded store.
#[derive(Debug, Clone)]
pub struct TantivyStoreConfig {
    /// Indexing heap of one day's writer, shared by its threads (at least 15 MB a thread).
    pub writer_heap_bytes: usize,
    /// Indexing threads of one day's writer.
    pub writer_threads: usize,
    /// Day writers kept open at once (today, and yesterday for late events).
    pub max_open_writers: usize,
}

impl Default for TantivyStoreConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        TantivyStoreConfig {
            writer_heap_bytes: 64 << 20,
            writer_threads: cores.clamp(1, 2),
            max_open_writers: 2,
        }
    }
}

/// Tantivy's smallest indexing heap per writer thread.
const MIN_HEAP_PER_THREAD: usize = 15_000_000;

/// The embedded [`EventStore`].
pub struct TantivyEventStore {
    root: PathBuf,
    config: TantivyStoreConfig,
    fields: Fields,
    days: RwLock<BTreeMap<NaiveDate, Arc<DaySlot>>>,
    writers: Mutex<Writers>,
}

/// A day known to exist on disk, opened on first use.
#[derive(Default)]
struct DaySlot {
    open: Mutex<Option<Arc<DayIndex>>>,
}

struct DayIndex {
    date: NaiveDate,
    index: Index,
    reader: IndexReader,
}

#[derive(Default)]
struct Writers {
    open: Vec<OpenWriter>,
    clock: u64,
}

struct OpenWriter {
    day: Arc<DayIndex>,
    writer: IndexWriter,
    dirty: bool,
    last_used: u64,
}

impl OpenWriter {
    fn commit(&mut self) -> Result<()> {
        if self.dirty {
            self.writer.commit()?;
            self.day.reader.reload()?;
            self.dirty = false;
        }
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

impl TantivyEventStore {
    /// Opens (or starts) the store in `dir`, usually `<data_dir>/events`.
    pub fn open(dir: impl AsRef<Path>) -> Result<TantivyEventStore> {
        TantivyEventStore::open_with(dir, TantivyStoreConfig::default())
    }

    pub fn open_with(
        dir: impl AsRef<Path>,
        config: TantivyStoreConfig,
    ) -> Result<TantivyEventStore> {
        let root = dir.as_ref().to_owned();
        std::fs::create_dir_all(&root).map_err(io_error(&root))?;
        let mut days = BTreeMap::new();
        for entry in std::fs::read_dir(&root).map_err(io_error(&root))? {
            let entry = entry.map_err(io_error(&root))?;
            let name = entry.file_name();
            let Some(date) = name
                .to_str()
                .and_then(|n| NaiveDate::parse_from_str(n, "%Y-%m-%d").ok())
            else {
                continue;
            };
            if entry.path().join("meta.json").exists() {
                days.insert(date, Arc::new(DaySlot::default()));
            }
        }
        Ok(TantivyEventStore {
            root,
            config,
            fields: Fields::of(&schema::schema())?,
            days: RwLock::new(days),
            writers: Mutex::new(Writers::default()),
        })
    }

    /// The days the store holds, oldest first.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.days
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect()
    }

    fn day_path(&self, date: NaiveDate) -> PathBuf {
        self.root.join(date.format("%Y-%m-%d").to_string())
    }

    /// The index of `date`, opening it if needed; created when `create` (else `None` if
    /// the day does not exist).
    fn day(&self, date: NaiveDate, create: bool) -> Result<Option<Arc<DayIndex>>> {
        let known = self
            .days
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&date)
            .cloned();
        let slot = match known {
            Some(slot) => slot,
            None if create => self
                .days
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(date)
                .or_default()
                .clone(),
            None => return Ok(None),
        };
        let mut open = lock(&slot.open);
        if let Some(day) = open.as_ref() {
            return Ok(Some(day.clone()));
        }
        let path = self.day_path(date);
        let index = if path.join("meta.json").exists() {
            Index::open_in_dir(&path)?
        } else {
            std::fs::create_dir_all(&path).map_err(io_error(&path))?;
            let settings = IndexSettings {
                docstore_compression: Compressor::Zstd(ZstdCompressor::default()),
                ..IndexSettings::default()
            };
            Index::builder()
                .schema(schema::schema())
                .settings(settings)
                .create_in_dir(&path)?
        };
        schema::register_analyzers(&index);
        Fields::of(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let day = Arc::new(DayIndex {
            date,
            index,
            reader,
        });
        *open = Some(day.clone());
        Ok(Some(day))
    }

    /// Days overlapping `range`, newest first, opened.
    fn days_in(&self, range: TimeRange) -> Result<Vec<Arc<DayIndex>>> {
        let dates: Vec<NaiveDate> = self
            .days()
            .into_iter()
            .rev()
            .filter(|d| range.overlaps_day(*d))
            .collect();
        let mut out = Vec::with_capacity(dates.len());
        for date in dates {
            if let Some(day) = self.day(date, false)? {
                out.push(day);
            }
        }
        Ok(out)
    }

    fn search_query(
        &self,
        query: &Query,
        range: TimeRange,
        tenant: Option<&str>,
    ) -> Result<Box<dyn TQuery>> {
        Compiler::new(self.fields).search_query(query, range, tenant)
    }

    /// The writer of `day` (opened if needed, closing the least recently used one).
    fn writer<'w>(
        &self,
        writers: &'w mut Writers,
        day: &Arc<DayIndex>,
    ) -> Result<&'w mut OpenWriter> {
        writers.clock += 1;
        let clock = writers.clock;
        if let Some(at) = writers.open.iter().position(|w| w.day.date == day.date) {
            writers.open[at].last_used = clock;
            return Ok(&mut writers.open[at]);
        }
        while writers.open.len() >= self.config.max_open_writers.max(1) {
            let oldest = (0..writers.open.len())
                .min_by_key(|&i| writers.open[i].last_used)
                .expect("non-empty");
            let mut evicted = writers.open.swap_remove(oldest);
            evicted.commit()?;
        }
        let threads = self.config.writer_threads.max(1);
        let heap = self
            .config
            .writer_heap_bytes
            .max(threads * MIN_HEAP_PER_THREAD);
        let writer: IndexWriter = day.index.writer_with_num_threads(threads, heap)?;
        writer.set_merge_policy(Box::new(merge_policy()));
        writers.open.push(OpenWriter {
            day: day.clone(),
            writer,
            dirty: false,
            last_used: clock,
        });
        Ok(writers.open.last_mut().expect("just pushed"))
    }

    fn read_doc(&self, day: &DayIndex, address: DocAddress) -> Result<StoredEvent> {
        let doc: TantivyDocument = day.reader.searcher().doc(address)?;
        schema::from_document(&self.fields, &doc)
    }

    /// The fast-field column name behind a `count_by` field.
    fn count_column(field: &str) -> Result<String> {
        match field {
            "agency" | "system" | "host" | "source" => Ok(field.to_owned()),
            TIMESTAMP | "id" => Err(StoreError::InvalidArgument(format!(
                "cannot count by {field}; use a histogram for time"
            ))),
            "" => Err(StoreError::InvalidArgument("empty field name".into())),
            _ => Ok(format!("facets.{field}")),
        }
    }
}

impl EventStore for TantivyEventStore {
    fn append(&self, batch: &[StoredEvent]) -> Result<()> {
        let mut by_day: BTreeMap<NaiveDate, Vec<&StoredEvent>> = BTreeMap::new();
        for event in batch {
            by_day.entry(event.day()).or_default().push(event);
        }
        let mut writers = lock(&self.writers);
        for (date, events) in by_day {
            let day = self.day(date, true)?.expect("created");
            let open = self.writer(&mut writers, &day)?;
            for event in events {
                open.writer
                    .add_document(schema::to_document(&self.fields, event))?;
            }
            open.dirty = true;
        }
        Ok(())
    }

    fn commit(&self) -> Result<()> {
        let mut writers = lock(&self.writers);
        for open in writers.open.iter_mut() {
            open.commit()?;
        }
        Ok(())
    }

    fn search(
        &self,
        query: &Query,
        range: TimeRange,
        limit: usize,
        offset: usize,
        tenant: Option<&str>,
    ) -> Result<SearchResult> {
        if limit > MAX_PAGE {
            return Err(StoreError::InvalidArgument(format!(
                "at most {MAX_PAGE} events a page"
            )));
        }
        let compiled = self.search_query(query, range, tenant)?;
        let mut skip = offset;
        let mut result = SearchResult::default();
        for day in self.days_in(narrowed(range, query))? {
            let searcher = day.reader.searcher();
            let wanted = limit - result.events.len();
            if wanted == 0 {
                result.total += searcher.search(compiled.as_ref(), &Count)? as u64;
                continue;
            }
            let top = TopDocs::with_limit(wanted)
                .and_offset(skip)
                .order_by_fast_field::<tantivy::DateTime>("timestamp", Order::Desc);
            let (count, hits) = searcher.search(compiled.as_ref(), &(Count, top))?;
            result.total += count as u64;
            skip = skip.saturating_sub(count);
            for (_, address) in hits {
                result.events.push(self.read_doc(&day, address)?);
            }
        }
        Ok(result)
    }

    fn get(&self, id: EventId, tenant: Option<&str>) -> Result<Option<StoredEvent>> {
        let mut dates = self.days();
        // The id names its day; look there first, then anywhere (ids made elsewhere).
        if let Some(home) = id_day(id).filter(|d| dates.contains(d)) {
            dates.retain(|d| *d != home);
            dates.insert(0, home);
        }
        let query = Compiler::new(self.fields).id_query(id);
        for date in dates {
            let Some(day) = self.day(date, false)? else {
                continue;
            };
            let hits = day
                .reader
                .searcher()
                .search(query.as_ref(), &TopDocs::with_limit(1))?;
            if let Some((_, address)) = hits.first() {
                let event = self.read_doc(&day, *address)?;
                if event.id == id {
                    return Ok(tenant.is_none_or(|t| t == event.agency).then_some(event));
                }
            }
        }
        Ok(None)
    }

    fn count_by(
        &self,
        field: &str,
        query: &Query,
        range: TimeRange,
        tenant: Option<&str>,
        top: usize,
    ) -> Result<Vec<(String, u64)>> {
        let collector = ValueCounts {
            column: Self::count_column(field)?,
        };
        let compiled = self.search_query(query, range, tenant)?;
        let mut totals: HashMap<String, u64> = HashMap::new();
        for day in self.days_in(narrowed(range, query))? {
            for (value, n) in day
                .reader
                .searcher()
                .search(compiled.as_ref(), &collector)?
            {
                *totals.entry(value).or_default() += n;
            }
        }
        let mut counts: Vec<(String, u64)> = totals.into_iter().collect();
        counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts.truncate(top);
        Ok(counts)
    }

    fn histogram(
        &self,
        query: &Query,
        range: TimeRange,
        bucket: TimeDelta,
        tenant: Option<&str>,
    ) -> Result<Vec<(DateTime<Utc>, u64)>> {
        let bucket_ms = bucket.num_milliseconds();
        if bucket_ms < 1 {
            return Err(StoreError::InvalidArgument(
                "histogram buckets must be at least a millisecond".into(),
            ));
        }
        let collector = TimeBuckets { bucket_ms };
        let compiled = self.search_query(query, range, tenant)?;
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        for day in self.days_in(narrowed(range, query))? {
            for (key, n) in day
                .reader
                .searcher()
                .search(compiled.as_ref(), &collector)?
            {
                *counts.entry(key).or_default() += n;
            }
        }
        let key_of = |t: DateTime<Utc>| t.timestamp_millis().div_euclid(bucket_ms);
        let first = range.from.map(key_of).or(counts.keys().next().copied());
        let last = range
            .to
            .map(|t| key_of(t - TimeDelta::milliseconds(1)))
            .or(counts.keys().next_back().copied());
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(Vec::new());
        };
        if last < first {
            return Ok(Vec::new());
        }
        if (last - first) as u64 >= MAX_HISTOGRAM_BUCKETS as u64 {
            return Err(StoreError::InvalidArgument(format!(
                "more than {MAX_HISTOGRAM_BUCKETS} buckets; choose a wider bucket"
            )));
        }
        Ok((first..=last)
            .filter_map(|key| {
                let start = DateTime::from_timestamp_millis(key.checked_mul(bucket_ms)?)?;
                Some((start, counts.get(&key).copied().unwrap_or(0)))
            })
            .collect())
    }

    fn drop_days_before(&self, cutoff: NaiveDate) -> Result<Vec<NaiveDate>> {
        let old = self.days_before(cutoff);
        self.drop_days(&old)
    }

    /// Keeps today and the `days - 1` days before it, and also any older day written to
    /// within the retention period: evidence imported today with last year's dates stays
    /// for the retention period after its import, not deleted at once.
    fn retain_days(&self, days: u32) -> Result<Vec<NaiveDate>> {
        let keep = TimeDelta::days(i64::from(days.max(1)) - 1);
        let cutoff = Utc::now().date_naive() - keep;
        let written_before = std::time::SystemTime::now()
            - std::time::Duration::from_secs(u64::from(days.max(1)) * 86_400);
        let mut old = self.days_before(cutoff);
        old.retain(|d| {
            std::fs::metadata(self.day_path(*d).join("meta.json"))
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < written_before)
        });
        self.drop_days(&old)
    }
}

impl TantivyEventStore {
    /// The days the store holds before `cutoff`, oldest first.
    fn days_before(&self, cutoff: NaiveDate) -> Vec<NaiveDate> {
        self.days
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .range(..cutoff)
            .map(|(d, _)| *d)
            .collect()
    }

    /// Deletes the given days (their writers first).
    fn drop_days(&self, dropped: &[NaiveDate]) -> Result<Vec<NaiveDate>> {
        let mut writers = lock(&self.writers);
        writers.open.retain(|w| !dropped.contains(&w.day.date));
        {
            let mut days = self.days.write().unwrap_or_else(|p| p.into_inner());
            for date in dropped {
                days.remove(date);
            }
        }
        for date in dropped {
            let path = self.day_path(*date);
            match std::fs::remove_dir_all(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io_error(&path)(e));
                }
                _ => {}
            }
        }
        Ok(dropped.to_vec())
    }
}

/// How a day's segments are merged. A live day commits every second or so, each commit
/// adding a small segment per indexing thread; merging them eight at a time (tantivy's
/// default) rewrites every event several times while the day is written. Waiting for
/// more segments of a size before merging them halves that rewriting, for a few more
/// segments to visit per search.
fn merge_policy() -> tantivy::merge_policy::LogMergePolicy {
    let mut policy = tantivy::merge_policy::LogMergePolicy::default();
    policy.set_min_num_segments(16);
    policy.set_min_layer_size(50_000);
    policy
}

/// The most events one search returns.
pub const MAX_PAGE: usize = 10_000;

/// `range` narrowed by `@timestamp` ranges the query requires (at its top level), for
/// choosing which days to open. Bounds are widened to whole milliseconds, so this only
/// ever prunes days that cannot match.
fn narrowed(range: TimeRange, query: &Query) -> TimeRange {
    use super::query::Scalar;
    use std::ops::Bound;
    let mut out = range;
    let mut apply = |q: &Query| {
        let Query::Range {
            field,
            lower,
            upper,
        } = q
        else {
            return;
        };
        if field != TIMESTAMP {
            return;
        }
        if let Bound::Included(Scalar::Time(t)) | Bound::Excluded(Scalar::Time(t)) = lower {
            out.from = Some(out.from.map_or(*t, |f| f.max(*t)));
        }
        if let Bound::Included(Scalar::Time(t)) | Bound::Excluded(Scalar::Time(t)) = upper {
            let end = *t + TimeDelta::milliseconds(1);
            out.to = Some(out.to.map_or(end, |e| e.min(end)));
        }
    };
    match query {
        Query::And(parts) => parts.iter().for_each(&mut apply),
        other => apply(other),
    }
    out
}

/// Counts the values of one fast-field column (store column or event-field path).
struct ValueCounts {
    column: String,
}

enum ColumnCounter {
    Str(StrColumn, Vec<u64>),
    I64(Column<i64>, HashMap<i64, u64>),
    U64(Column<u64>, HashMap<u64, u64>),
    F64(Column<f64>, HashMap<u64, u64>),
    Bool(Column<bool>, [u64; 2]),
    Date(Column<tantivy::DateTime>, HashMap<i64, u64>),
}

struct SegmentValueCounts(Vec<ColumnCounter>);

impl Collector for ValueCounts {
    type Fruit = HashMap<String, u64>;
    type Child = SegmentValueCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let mut counters = Vec::new();
        for handle in segment.fast_fields().dynamic_column_handles(&self.column)? {
            counters.push(match handle.open()? {
                DynamicColumn::Str(c) => {
                    let n = c.num_terms();
                    ColumnCounter::Str(c, vec![0; n])
                }
                DynamicColumn::I64(c) => ColumnCounter::I64(c, HashMap::new()),
                DynamicColumn::U64(c) => ColumnCounter::U64(c, HashMap::new()),
                DynamicColumn::F64(c) => ColumnCounter::F64(c, HashMap::new()),
                DynamicColumn::Bool(c) => ColumnCounter::Bool(c, [0; 2]),
                DynamicColumn::DateTime(c) => ColumnCounter::Date(c, HashMap::new()),
                DynamicColumn::IpAddr(_) | DynamicColumn::Bytes(_) => continue,
            });
        }
        Ok(SegmentValueCounts(counters))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<String, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut total = HashMap::new();
        for fruit in fruits {
            for (value, n) in fruit {
                *total.entry(value).or_default() += n;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentValueCounts {
    type Fruit = HashMap<String, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for counter in &mut self.0 {
            match counter {
                ColumnCounter::Str(c, counts) => {
                    for ord in c.ords().values_for_doc(doc) {
                        counts[ord as usize] += 1;
                    }
                }
                ColumnCounter::I64(c, counts) => c
                    .values_for_doc(doc)
                    .for_each(|v| *counts.entry(v).or_default() += 1),
                ColumnCounter::U64(c, counts) => c
                    .values_for_doc(doc)
                    .for_each(|v| *counts.entry(v).or_default() += 1),
                ColumnCounter::F64(c, counts) => c
                    .values_for_doc(doc)
                    .for_each(|v| *counts.entry(v.to_bits()).or_default() += 1),
                ColumnCounter::Bool(c, counts) => c
                    .values_for_doc(doc)
                    .for_each(|v| counts[usize::from(v)] += 1),
                ColumnCounter::Date(c, counts) => c
                    .values_for_doc(doc)
                    .for_each(|v| *counts.entry(v.into_timestamp_nanos()).or_default() += 1),
            }
        }
    }

    fn harvest(self) -> HashMap<String, u64> {
        let mut out = HashMap::new();
        let mut add = |key: String, n: u64| {
            if n > 0 {
                *out.entry(key).or_default() += n;
            }
        };
        for counter in self.0 {
            match counter {
                ColumnCounter::Str(c, counts) => {
                    let mut text = String::new();
                    for (ord, n) in counts.into_iter().enumerate() {
                        if n > 0 && c.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
                            add(text.clone(), n);
                        }
                    }
                }
                ColumnCounter::I64(_, counts) => {
                    counts.into_iter().for_each(|(v, n)| add(v.to_string(), n))
                }
                ColumnCounter::U64(_, counts) => {
                    counts.into_iter().for_each(|(v, n)| add(v.to_string(), n))
                }
                ColumnCounter::F64(_, counts) => counts
                    .into_iter()
                    .for_each(|(v, n)| add(f64::from_bits(v).to_string(), n)),
                ColumnCounter::Bool(_, counts) => {
                    add("false".into(), counts[0]);
                    add("true".into(), counts[1]);
                }
                ColumnCounter::Date(_, counts) => counts
                    .into_iter()
                    .for_each(|(v, n)| add(DateTime::from_timestamp_nanos(v).to_rfc3339(), n)),
            }
        }
        out
    }
}

/// Counts matching events per time bucket (keyed by bucket number since the epoch).
struct TimeBuckets {
    bucket_ms: i64,
}

struct SegmentTimeBuckets {
    column: Column<tantivy::DateTime>,
    bucket_ms: i64,
    counts: HashMap<i64, u64>,
}

impl Collector for TimeBuckets {
    type Fruit = HashMap<i64, u64>;
    type Child = SegmentTimeBuckets;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(SegmentTimeBuckets {
            column: segment.fast_fields().date("timestamp")?,
            bucket_ms: self.bucket_ms,
            counts: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<i64, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut total = HashMap::new();
        for fruit in fruits {
            for (key, n) in fruit {
                *total.entry(key).or_default() += n;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentTimeBuckets {
    type Fruit = HashMap<i64, u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(t) = self.column.first(doc) {
            let ms = t.into_timestamp_millis();
            *self
                .counts
                .entry(ms.div_euclid(self.bucket_ms))
                .or_default() += 1;
        }
    }

    fn harvest(self) -> HashMap<i64, u64> {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn query_time_bounds_narrow_the_days_searched() {
        let q: Query = "@timestamp:[2026-11-22T10:00:00Z TO 2026-11-23T00:00:00Z} EventID:1"
            .parse()
            .unwrap();
        let range = narrowed(TimeRange::since(at("2026-11-01T00:00:00Z")), &q);
        assert_eq!(range.from, Some(at("2026-11-22T10:00:00Z")));
        assert_eq!(range.to, Some(at("2026-11-23T00:00:00.001Z")));
        assert!(range.overlaps_day(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()));
        assert!(!range.overlaps_day(NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()));
        // Under OR or NOT a time range says nothing about which days can match.
        let q: Query = "@timestamp:>=2026-11-22T10:00:00Z OR EventID:1"
            .parse()
            .unwrap();
        assert_eq!(narrowed(TimeRange::ALL, &q), TimeRange::ALL);
        let q: Query = "NOT @timestamp:>=2026-11-22T10:00:00Z".parse().unwrap();
        assert_eq!(narrowed(TimeRange::ALL, &q), TimeRange::ALL);
    }
}
