//! The tantivy schema of one day's index, its analyzers, and the mapping between
//! [`StoredEvent`] and tantivy documents.
//!
//! | field | kind | why |
//! | --- | --- | --- |
//! | `id` | stored | the event's ULID, read back with the event |
//! | `id_low` | u64, fast | the id's low 64 bits: `get` and `id:` find an event by its time (the id's time part) and this column, without a term per event in the index |
//! | `timestamp` | date, indexed + fast (ms) | time ranges, newest-first order, histograms |
//! | `agency` | raw string, fast, stored | tenancy must-clause (exact, case-sensitive) |
//! | `system`, `host`, `source` | keyword (lowercased), fast (as written), stored | filters, counts |
//! | `fields` | JSON, keyword values (lowercased), dots expanded | `field:value` on any event field |
//! | `facets` | JSON, fast only (as written; strings cut to [`FACET_MAX_BYTES`]) | counts by field, `field:*` |
//! | `all` | text (words, lowercased, accents folded), positions | free text and phrases: the raw text, plus the field values when the raw text does not carry them |
//! | `doc` | stored JSON: fields in order, times | rebuilding the event exactly |
//! | `raw` | stored | the original text |
//!
//! Indexing is most of what ingest costs, so nothing is indexed twice: the words of
//! field values go to `all` only when the raw text lacks them (no raw text, a JSON
//! `\u` escape, a cut message), and the column store keeps short values whole but
//! only the first [`FACET_MAX_BYTES`] of long ones (command lines, script blocks), which
//! nobody counts by whole value.
//!
//! String values of event fields are indexed whole (one lowercased token per value), so
//! `Image:*\\cmd.exe` and `user:admin` compare whole values, case-insensitively, the way
//! Sigma does. Individual words of a value are found by free text through `all`.

use super::{Result, StoreError, StoredEvent};
use chrono::{DateTime, Utc};
use serde_json::json;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, JsonObjectOptions, OwnedValue,
    Schema, TextFieldIndexing, TextOptions, Value as _, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};
use vigil_event::{Event, Value};

/// Whole value, lowercased: keyword-like fields.
pub(crate) const KEYWORD: &str = "vigil_keyword";
/// Words, lowercased, accents folded (so `dang nhap` finds `đăng nhập`): free text.
pub(crate) const WORDS: &str = "vigil_words";
/// Whole value, lowercased and accents folded: normalises wildcard literals for `all`.
pub(crate) const FOLDED: &str = "vigil_folded";

/// Words longer than this (in bytes) are not indexed for free text.
const MAX_WORD_BYTES: usize = 100;

/// Longest string value kept whole in `facets`; longer ones are cut (at a character
/// boundary) and end in `…`.
pub const FACET_MAX_BYTES: usize = 120;

/// Handles to the fields of a day index.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub id_low: Field,
    pub timestamp: Field,
    pub agency: Field,
    pub system: Field,
    pub host: Field,
    pub source: Field,
    pub fields: Field,
    pub facets: Field,
    pub all: Field,
    pub doc: Field,
    pub raw: Field,
}

pub(crate) fn schema() -> Schema {
    let mut builder = Schema::builder();
    let keyword = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD)
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::Basic),
        )
        .set_fast(None)
        .set_stored();
    builder.add_text_field("id", STORED);
    builder.add_u64_field("id_low", FAST);
    builder.add_date_field(
        "timestamp",
        DateOptions::from(INDEXED | FAST).set_precision(DateTimePrecision::Milliseconds),
    );
    builder.add_text_field("agency", STRING | FAST | STORED);
    builder.add_text_field("system", keyword.clone());
    builder.add_text_field("host", keyword.clone());
    builder.add_text_field("source", keyword);
    builder.add_json_field(
        "fields",
        JsonObjectOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(KEYWORD)
                    .set_fieldnorms(false)
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_expand_dots_enabled(),
    );
    builder.add_json_field(
        "facets",
        JsonObjectOptions::default()
            .set_fast(None)
            .set_expand_dots_enabled(),
    );
    builder.add_text_field(
        "all",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORDS)
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    builder.add_text_field("doc", STORED);
    builder.add_text_field("raw", STORED);
    builder.build()
}

impl Fields {
    pub(crate) fn of(schema: &Schema) -> Result<Fields> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| StoreError::Corrupt(format!("index lacks the field {name}")))
        };
        Ok(Fields {
            id: get("id")?,
            id_low: get("id_low")?,
            timestamp: get("timestamp")?,
            agency: get("agency")?,
            system: get("system")?,
            host: get("host")?,
            source: get("source")?,
            fields: get("fields")?,
            facets: get("facets")?,
            all: get("all")?,
            doc: get("doc")?,
            raw: get("raw")?,
        })
    }
}

/// Registers the analyzers the schema names; needed on every index opened or created.
pub(crate) fn register_analyzers(index: &Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(KEYWORD, keyword_analyzer());
    tokenizers.register(WORDS, words_analyzer());
    tokenizers.register(FOLDED, folded_analyzer());
}

pub(crate) fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .build()
}

pub(crate) fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub(crate) fn folded_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The tokens `analyzer` makes of `text`.
pub(crate) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// `text` through a whole-value analyzer (one token, or none for an empty text).
pub(crate) fn normalise(analyzer: &mut TextAnalyzer, text: &str) -> String {
    tokens(analyzer, text).pop().unwrap_or_default()
}

pub(crate) fn to_tantivy_time(t: DateTime<Utc>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_nanos(t.timestamp_nanos_opt().unwrap_or_else(|| {
        // Outside ±292 years of 1970: keep millisecond precision instead.
        t.timestamp_millis().saturating_mul(1_000_000)
    }))
}

fn to_owned_value(value: &Value) -> Option<OwnedValue> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => OwnedValue::Bool(*b),
        Value::Int(i) => OwnedValue::I64(*i),
        Value::Float(f) if f.is_finite() => OwnedValue::F64(*f),
        Value::Float(_) => return None,
        Value::Str(s) => OwnedValue::Str(s.clone()),
        Value::List(items) => OwnedValue::Array(items.iter().filter_map(to_owned_value).collect()),
    })
}

/// `value` as the column store keeps it: long strings cut to [`FACET_MAX_BYTES`].
fn to_facet_value(value: &Value) -> Option<OwnedValue> {
    match value {
        Value::Str(s) if s.len() > FACET_MAX_BYTES => {
            let mut end = FACET_MAX_BYTES;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            Some(OwnedValue::Str(format!("{}…", &s[..end])))
        }
        Value::List(items) => Some(OwnedValue::Array(
            items.iter().filter_map(to_facet_value).collect(),
        )),
        other => to_owned_value(other),
    }
}

/// The low 64 bits of an event id, the `id_low` column.
pub(crate) fn id_low(id: super::EventId) -> u64 {
    id.0 as u64
}

/// Whether `raw` holds the words of the event's field values, so `all` need not get
/// them again: not when it is empty, cut short, or escapes characters (`\uXXXX` in JSON)
/// that the word tokenizer would then not see.
fn raw_carries_values(e: &StoredEvent) -> bool {
    !e.raw.is_empty() && !e.raw.contains("\\u") && !e.event.contains(TRUNCATED_FLAG)
}

/// The field the pipeline sets (to `true`) on events whose message was cut to the size
/// limit.
pub const TRUNCATED_FLAG: &str = "vigil.truncated";

/// Pushes the text of every scalar in `value` to `out`.
fn texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Null => {}
        Value::Str(s) => out.push(s.clone()),
        Value::List(items) => items.iter().for_each(|v| texts(v, out)),
        other => out.push(other.to_string()),
    }
}

/// The tantivy document for a stored event.
pub(crate) fn to_document(f: &Fields, e: &StoredEvent) -> TantivyDocument {
    let mut doc = TantivyDocument::new();
    doc.add_text(f.id, e.id.to_string());
    doc.add_u64(f.id_low, id_low(e.id));
    doc.add_date(f.timestamp, to_tantivy_time(e.time()));
    doc.add_text(f.agency, &e.agency);
    doc.add_text(f.system, &e.system);
    if let Some(host) = &e.host {
        doc.add_text(f.host, host);
    }
    doc.add_text(f.source, &e.source);

    let words_from_fields = !raw_carries_values(e);
    let mut object = Vec::with_capacity(e.event.len());
    let mut facets = Vec::with_capacity(e.event.len());
    let mut words = Vec::new();
    let mut pairs = Vec::with_capacity(e.event.len());
    for (name, value) in e.event.fields() {
        if let Some(v) = to_owned_value(value) {
            object.push((name.to_owned(), v));
        }
        if let Some(v) = to_facet_value(value) {
            facets.push((name.to_owned(), v));
        }
        if words_from_fields {
            texts(value, &mut words);
        }
        pairs.push(json!([name, value.to_json()]));
    }
    doc.add_field_value(f.fields, &OwnedValue::Object(object));
    doc.add_field_value(f.facets, &OwnedValue::Object(facets));
    if !e.raw.is_empty() {
        doc.add_text(f.all, &e.raw);
    }
    for w in words {
        doc.add_text(f.all, w);
    }
    let stored = json!({
        "time": e.event.timestamp.map(|t| t.to_rfc3339()),
        "received_at": e.received_at.to_rfc3339(),
        "fields": pairs,
    });
    doc.add_text(f.doc, stored.to_string());
    doc.add_text(f.raw, &e.raw);
    doc
}

/// Rebuilds a stored event from its tantivy document.
pub(crate) fn from_document(f: &Fields, doc: &TantivyDocument) -> Result<StoredEvent> {
    let text = |field: Field| {
        doc.get_first(field)
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let corrupt = |what: &str| StoreError::Corrupt(what.to_owned());
    let id = text(f.id)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt("id"))?;
    let stored: serde_json::Value = text(f.doc)
        .and_then(|s| serde_json::from_str(&s).ok())
        .ok_or_else(|| corrupt("doc"))?;
    let time = |key: &str| {
        stored[key]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let pairs = stored["fields"]
        .as_array()
        .ok_or_else(|| corrupt("fields"))?;
    let mut event = Event::with_capacity(pairs.len());
    event.timestamp = time("time");
    for pair in pairs {
        let name = pair[0].as_str().ok_or_else(|| corrupt("field name"))?;
        event.push(name, Value::from_json(&pair[1]));
    }
    Ok(StoredEvent {
        id,
        event,
        agency: text(f.agency).unwrap_or_default(),
        system: text(f.system).unwrap_or_default(),
        host: text(f.host),
        source: text(f.source).unwrap_or_default(),
        received_at: time("received_at").ok_or_else(|| corrupt("received_at"))?,
        raw: text(f.raw).unwrap_or_default(),
    })
}
