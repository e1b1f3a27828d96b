//! Compiles a [`Query`] AST into a tantivy query over one day's schema.
//!
//! Every value becomes a term (or a wildcard automaton anchored on its field), never query
//! text, so nothing an event contains can change what a query means.

use super::query::{Piece, Query, Scalar, Value};
use super::schema::{self, Fields};
use super::{EventId, Result, StoreError, TimeRange};
use chrono::{DateTime, TimeDelta};
use std::ops::Bound;
use std::sync::Arc;
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, ExistsQuery, Occur, PhraseQuery, Query as TQuery,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

/// The event-field names that address the store's own columns rather than event fields.
pub(crate) const TIMESTAMP: &str = "@timestamp";

/// Turns ASTs into tantivy queries; holds the analyzers that normalise values the same way
/// the index did.
pub(crate) struct Compiler {
    fields: Fields,
    keyword: TextAnalyzer,
    words: TextAnalyzer,
    folded: TextAnalyzer,
}

/// Where a field name points.
enum Target {
    Timestamp,
    /// The event id: found by the time it names and its `id_low` column.
    Id,
    /// A string column of the store (exact for `agency`, keyword otherwise),
    /// optionally also an event field of the same name.
    Column {
        field: Field,
        keyword: bool,
        also_event_field: bool,
    },
    EventField,
}

impl Compiler {
    pub(crate) fn new(fields: Fields) -> Compiler {
        Compiler {
            fields,
            keyword: schema::keyword_analyzer(),
            words: schema::words_analyzer(),
            folded: schema::folded_analyzer(),
        }
    }

    /// The full query for a search: the analyst's query, the time range and the tenant.
    pub(crate) fn search_query(
        &mut self,
        query: &Query,
        range: TimeRange,
        tenant: Option<&str>,
    ) -> Result<Box<dyn TQuery>> {
        let mut clauses = vec![(Occur::Must, self.compile(query)?)];
        if range.from.is_some() || range.to.is_some() {
            let bound = |t: Option<_>, included: bool| match t {
                None => Bound::Unbounded,
                Some(t) => {
                    let term =
                        Term::from_field_date(self.fields.timestamp, schema::to_tantivy_time(t));
                    if included {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(range.from, true),
                    bound(range.to, false),
                )),
            ));
        }
        if let Some(agency) = tenant {
            clauses.push((Occur::Must, self.exact(self.fields.agency, agency)));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    pub(crate) fn compile(&mut self, query: &Query) -> Result<Box<dyn TQuery>> {
        Ok(match query {
            Query::All => Box::new(AllQuery),
            Query::Match { field: None, value } => self.free_text(value)?,
            Query::Match {
                field: Some(name),
                value,
            } => self.field_match(name, value)?,
            Query::Range {
                field,
                lower,
                upper,
            } => self.range(field, lower, upper)?,
            Query::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn TQuery>),
                (Occur::MustNot, self.compile(inner)?),
            ])),
            Query::And(parts) => {
                let mut clauses = Vec::with_capacity(parts.len());
                for part in parts {
                    clauses.push(match part {
                        Query::Not(inner) => (Occur::MustNot, self.compile(inner)?),
                        other => (Occur::Must, self.compile(other)?),
                    });
                }
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Or(parts) => {
                let mut clauses = Vec::with_capacity(parts.len());
                for part in parts {
                    clauses.push((Occur::Should, self.compile(part)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
        })
    }

    fn target(&self, name: &str) -> Target {
        let f = &self.fields;
        let column = |field, keyword, also_event_field| Target::Column {
            field,
            keyword,
            also_event_field,
        };
        match name {
            TIMESTAMP => Target::Timestamp,
            "id" => Target::Id,
            "agency" => column(f.agency, false, false),
            "system" => column(f.system, true, true),
            "host" => column(f.host, true, true),
            "source" => column(f.source, true, true),
            _ => Target::EventField,
        }
    }

    fn free_text(&mut self, value: &Value) -> Result<Box<dyn TQuery>> {
        let field = self.fields.all;
        Ok(match value {
            Value::Word(text) | Value::Phrase(text) => {
                let terms: Vec<Term> = schema::tokens(&mut self.words, text)
                    .iter()
                    .map(|t| Term::from_field_text(field, t))
                    .collect();
                match terms.len() {
                    0 => Box::new(EmptyQuery),
                    1 => Box::new(TermQuery::new(
                        terms.into_iter().next().unwrap(),
                        IndexRecordOption::Basic,
                    )),
                    _ => Box::new(PhraseQuery::new(terms)),
                }
            }
            Value::Pattern(pieces) => {
                let regex = glob_regex(pieces, &mut self.folded);
                self.regex_query(&regex, field)?
            }
        })
    }

    fn field_match(&mut self, name: &str, value: &Value) -> Result<Box<dyn TQuery>> {
        match self.target(name) {
            Target::Timestamp => Err(StoreError::InvalidQuery(format!(
                "{TIMESTAMP} takes a range, e.g. {TIMESTAMP}:>=2026-11-23T00:00:00Z"
            ))),
            Target::Id => match value {
                Value::Word(text) | Value::Phrase(text) => match text.trim().parse() {
                    Ok(id) => Ok(self.id_query(id)),
                    Err(_) => Ok(Box::new(EmptyQuery)),
                },
                Value::Pattern(pieces) if is_match_anything(pieces) => Ok(Box::new(AllQuery)),
                Value::Pattern(_) => Err(StoreError::InvalidQuery(
                    "id takes a whole event id, not a wildcard".into(),
                )),
            },
            Target::Column {
                field,
                keyword,
                also_event_field,
            } => {
                let column = match value {
                    Value::Word(text) | Value::Phrase(text) if keyword => {
                        let normalised = schema::normalise(&mut self.keyword, text);
                        self.exact(field, &normalised)
                    }
                    Value::Word(text) | Value::Phrase(text) => self.exact(field, text),
                    // Every event has an agency; the other columns are fast.
                    Value::Pattern(pieces) if is_match_anything(pieces) && !keyword => {
                        Box::new(AllQuery)
                    }
                    Value::Pattern(pieces) if is_match_anything(pieces) => {
                        Box::new(ExistsQuery::new(name.to_owned(), false))
                    }
                    Value::Pattern(pieces) => {
                        let regex = if keyword {
                            glob_regex(pieces, &mut self.keyword)
                        } else {
                            glob_regex_exact(pieces)
                        };
                        self.regex_query(&regex, field)?
                    }
                };
                if !also_event_field {
                    return Ok(column);
                }
                let event_field = self.event_field_match(name, value)?;
                Ok(Box::new(BooleanQuery::new(vec![
                    (Occur::Should, column),
                    (Occur::Should, event_field),
                ])))
            }
            Target::EventField => self.event_field_match(name, value),
        }
    }

    fn event_field_match(&mut self, path: &str, value: &Value) -> Result<Box<dyn TQuery>> {
        let field = self.fields.fields;
        match value {
            Value::Word(text) | Value::Phrase(text) => {
                let mut term = Term::from_field_json_path(field, path, true);
                term.append_type_and_str(&schema::normalise(&mut self.keyword, text));
                let mut alternatives = vec![term];
                // Numbers and booleans are indexed typed; a value that reads as one also
                // matches the typed term.
                let trimmed = text.trim();
                let typed = |push: &dyn Fn(&mut Term)| {
                    let mut t = Term::from_field_json_path(field, path, true);
                    push(&mut t);
                    t
                };
                if let Ok(i) = trimmed.parse::<i64>() {
                    alternatives.push(typed(&|t| t.append_type_and_fast_value(i)));
                    alternatives.push(typed(&|t| t.append_type_and_fast_value(i as f64)));
                } else if let Ok(x) = trimmed.parse::<f64>() {
                    if x.is_finite() {
                        alternatives.push(typed(&|t| t.append_type_and_fast_value(x)));
                        if x.fract() == 0.0 && x.abs() < 9.0e15 {
                            alternatives.push(typed(&|t| t.append_type_and_fast_value(x as i64)));
                        }
                    }
                } else if let Ok(b) = trimmed.to_ascii_lowercase().parse::<bool>() {
                    alternatives.push(typed(&|t| t.append_type_and_fast_value(b)));
                }
                Ok(any_term(alternatives))
            }
            Value::Pattern(pieces) if is_match_anything(pieces) => {
                Ok(Box::new(ExistsQuery::new(format!("facets.{path}"), false)))
            }
            Value::Pattern(pieces) => {
                let mut prefix = Term::from_field_json_path(field, path, true);
                prefix.append_type_and_str("");
                let mut regex = escape_bytes(prefix.serialized_value_bytes());
                regex.push_str(&glob_regex(pieces, &mut self.keyword));
                self.regex_query(&regex, field)
            }
        }
    }

    fn range(
        &mut self,
        name: &str,
        lower: &Bound<Scalar>,
        upper: &Bound<Scalar>,
    ) -> Result<Box<dyn TQuery>> {
        let is_time = |b: &Bound<Scalar>| {
            matches!(
                b,
                Bound::Included(Scalar::Time(_)) | Bound::Excluded(Scalar::Time(_))
            )
        };
        let any_time = is_time(lower) || is_time(upper);
        let both_open = matches!((lower, upper), (Bound::Unbounded, Bound::Unbounded));
        match self.target(name) {
            Target::Timestamp if both_open => Ok(Box::new(AllQuery)),
            Target::Timestamp if any_time => {
                let field = self.fields.timestamp;
                let term = |s: &Scalar| match s {
                    Scalar::Time(t) => Term::from_field_date(field, schema::to_tantivy_time(*t)),
                    _ => unreachable!("the parser keeps a range to one kind"),
                };
                Ok(Box::new(RangeQuery::new(
                    lower.as_ref().map(term),
                    upper.as_ref().map(term),
                )))
            }
            Target::Timestamp => Err(StoreError::InvalidQuery(format!(
                "{TIMESTAMP} ranges take RFC 3339 times"
            ))),
            _ if any_time => Err(StoreError::InvalidQuery(format!(
                "time ranges apply to {TIMESTAMP} only, not to {name}"
            ))),
            Target::Id | Target::Column { .. } => Err(StoreError::InvalidQuery(format!(
                "{name} holds text; numeric ranges apply to event fields"
            ))),
            Target::EventField if both_open => {
                Ok(Box::new(ExistsQuery::new(format!("facets.{name}"), false)))
            }
            Target::EventField => {
                // Numbers are kept whole in the column store, which answers ranges.
                let field = self.fields.facets;
                let integral = [lower, upper].iter().all(|b| {
                    matches!(
                        b,
                        Bound::Unbounded
                            | Bound::Included(Scalar::Int(_))
                            | Bound::Excluded(Scalar::Int(_))
                    )
                });
                let term = |s: &Scalar| {
                    let mut t = Term::from_field_json_path(field, name, true);
                    match s {
                        Scalar::Int(i) if integral => t.append_type_and_fast_value(*i),
                        Scalar::Int(i) => t.append_type_and_fast_value(*i as f64),
                        Scalar::Float(x) => t.append_type_and_fast_value(*x),
                        Scalar::Time(_) => unreachable!("checked above"),
                    }
                    t
                };
                Ok(Box::new(RangeQuery::new(
                    lower.as_ref().map(term),
                    upper.as_ref().map(term),
                )))
            }
        }
    }

    /// The event with this id: its time (the id's time part, at the index's millisecond
    /// precision) and its `id_low` column. An id whose time part was clamped (an event
    /// dated before 1970) is looked up by the column alone.
    pub(crate) fn id_query(&self, id: EventId) -> Box<dyn TQuery> {
        let low = Term::from_field_u64(self.fields.id_low, schema::id_low(id));
        let by_low: Box<dyn TQuery> = Box::new(RangeQuery::new(
            Bound::Included(low.clone()),
            Bound::Included(low),
        ));
        let ms = id.timestamp_ms() as i64;
        let Some(time) = DateTime::from_timestamp_millis(ms).filter(|_| ms > 0) else {
            return by_low;
        };
        let at = |t| Term::from_field_date(self.fields.timestamp, schema::to_tantivy_time(t));
        let by_time = Box::new(RangeQuery::new(
            Bound::Included(at(time)),
            Bound::Excluded(at(time + TimeDelta::milliseconds(1))),
        ));
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, by_time),
            (Occur::Must, by_low),
        ]))
    }

    fn exact(&self, field: Field, text: &str) -> Box<dyn TQuery> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::Basic,
        ))
    }

    fn regex_query(&self, regex: &str, field: Field) -> Result<Box<dyn TQuery>> {
        let compiled = tantivy_fst::Regex::new(regex)
            .map_err(|e| StoreError::InvalidQuery(format!("wildcard too complex: {e}")))?;
        Ok(Box::new(RegexQuery::from_regex(Arc::new(compiled), field)))
    }
}

fn any_term(terms: Vec<Term>) -> Box<dyn TQuery> {
    if terms.len() == 1 {
        let term = terms.into_iter().next().unwrap();
        return Box::new(TermQuery::new(term, IndexRecordOption::Basic));
    }
    Box::new(BooleanQuery::new(
        terms
            .into_iter()
            .map(|t| {
                let q: Box<dyn TQuery> = Box::new(TermQuery::new(t, IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .collect(),
    ))
}

fn is_match_anything(pieces: &[Piece]) -> bool {
    pieces.iter().all(|p| *p == Piece::Any)
}

/// The regex of a wildcard pattern, literals normalised by `analyzer`.
fn glob_regex(pieces: &[Piece], analyzer: &mut TextAnalyzer) -> String {
    let mut regex = String::from("(?s)");
    for piece in pieces {
        match piece {
            Piece::Any => regex.push_str(".*"),
            Piece::One => regex.push('.'),
            Piece::Literal(s) => regex.push_str(&regex::escape(&schema::normalise(analyzer, s))),
        }
    }
    regex
}

/// The regex of a wildcard pattern, literals as written (case-sensitive columns).
fn glob_regex_exact(pieces: &[Piece]) -> String {
    let mut regex = String::from("(?s)");
    for piece in pieces {
        match piece {
            Piece::Any => regex.push_str(".*"),
            Piece::One => regex.push('.'),
            Piece::Literal(s) => regex.push_str(&regex::escape(s)),
        }
    }
    regex
}

/// A regex matching exactly `bytes` (a JSON term prefix: path, separators, type code).
fn escape_bytes(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{{{:x}}}", c as u32));
        } else {
            out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_normalises_literals_and_escapes_regex_syntax() {
        let mut analyzer = schema::keyword_analyzer();
        let pieces = [Piece::Any, Piece::Literal(r"\CMD.exe".into()), Piece::One];
        assert_eq!(glob_regex(&pieces, &mut analyzer), r"(?s).*\\cmd\.exe.");
        assert_eq!(glob_regex_exact(&pieces), r"(?s).*\\CMD\.exe.");
        assert_eq!(escape_bytes(b"a.b\x01c\x00s"), r"a\.b\x{1}c\x{0}s");
    }
}
