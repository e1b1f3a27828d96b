//! The analysts' query language: text → [`Query`] AST, and back with [`Display`].
//!
//! The grammar is documented with examples in `crates/store/QUERY.md`. The AST is built
//! only from the analyst's query string; event text never passes through this parser, so
//! log content can never become query syntax. Values stay values all the way down to the
//! store, which turns them into terms.
//!
//! ```
//! use vigil_store::events::query::{Query, Value};
//! let q: Query = r#"EventID:4688 AND Image:*\\cmd.exe NOT user:"NT AUTHORITY\\SYSTEM""#.parse().unwrap();
//! let Query::And(parts) = &q else { panic!() };
//! assert_eq!(parts.len(), 3);
//! assert_eq!(q.to_string().parse::<Query>().unwrap(), q);
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;
use std::ops::Bound;
use std::str::FromStr;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Matches every event (an empty query, or a bare `*`).
    All,
    /// `field:value`, or a bare value (free text) when `field` is `None`.
    Match {
        field: Option<String>,
        value: Value,
    },
    /// `field:[a TO b]`, `field:>=a`, …; both bounds of one kind (numbers or times).
    Range {
        field: String,
        lower: Bound<Scalar>,
        upper: Bound<Scalar>,
    },
    Not(Box<Query>),
    /// All of (at least two).
    And(Vec<Query>),
    /// Any of (at least two).
    Or(Vec<Query>),
}

/// The value side of a match.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A bare word (escapes removed).
    Word(String),
    /// A quoted phrase.
    Phrase(String),
    /// A word with unescaped `*` or `?`.
    Pattern(Vec<Piece>),
}

/// One part of a wildcard pattern. Adjacent literals are always merged.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Literal(String),
    /// `*`: any run of characters, possibly empty.
    Any,
    /// `?`: exactly one character.
    One,
}

/// A range bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Int(i64),
    Float(f64),
    Time(DateTime<Utc>),
}

/// A parse error: what was wrong and where (0-based character offset into the query).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query error at column {}: {message}", .position + 1)]
pub struct ParseError {
    pub position: usize,
    pub message: String,
}

impl FromStr for Query {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Query, ParseError> {
        parse(s)
    }
}

/// Longest accepted query, in characters.
pub const MAX_QUERY_CHARS: usize = 16 * 1024;
/// Deepest accepted nesting of parentheses and `NOT`s.
const MAX_DEPTH: usize = 64;

/// Parses an analyst's query.
pub fn parse(text: &str) -> Result<Query, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_QUERY_CHARS {
        return Err(ParseError {
            position: MAX_QUERY_CHARS,
            message: format!("query longer than {MAX_QUERY_CHARS} characters"),
        });
    }
    let mut parser = Parser {
        chars,
        at: 0,
        depth: 0,
    };
    parser.skip_space();
    if parser.at_end() {
        return Ok(Query::All);
    }
    let query = parser.or_expr()?;
    parser.skip_space();
    if !parser.at_end() {
        let message = if parser.peek() == Some(')') {
            "unmatched ')'".to_owned()
        } else {
            "unexpected input".to_owned()
        };
        return Err(parser.error(message));
    }
    Ok(query)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    depth: usize,
}

/// A word as written: its text without escapes, which characters were wildcards, and
/// whether it ended in an unescaped `:` (then it is a field name).
struct RawWord {
    start: usize,
    pieces: Vec<Piece>,
    /// The text if no piece is a wildcard.
    plain: Option<String>,
    /// The word was written with at least one escape (so it is never a keyword).
    escaped: bool,
}

impl Parser {
    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.at, message)
    }

    fn error_at(&self, position: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            position,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn at_end(&self) -> bool {
        self.at >= self.chars.len()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Whether the upcoming input is the keyword `kw` standing alone.
    fn at_keyword(&self, kw: &str) -> bool {
        let n = kw.chars().count();
        let matches = self.chars[self.at..].iter().take(n).copied().eq(kw.chars());
        matches && self.chars.get(self.at + n).is_none_or(|c| ends_word(*c))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Query, ParseError> {
        let mut parts = vec![self.and_expr()?];
        loop {
            self.skip_space();
            if self.at_keyword("OR") {
                self.at += 2;
                self.skip_space();
                parts.push(self.and_expr()?);
            } else {
                break;
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            Query::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Query, ParseError> {
        let mut parts = vec![self.unary()?];
        loop {
            self.skip_space();
            if self.at_keyword("AND") {
                self.at += 3;
                self.skip_space();
                parts.push(self.unary()?);
            } else if self.at_end() || self.peek() == Some(')') || self.at_keyword("OR") {
                break;
            } else {
                parts.push(self.unary()?);
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            Query::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Query, ParseError> {
        self.skip_space();
        if self.at_keyword("NOT") {
            self.at += 3;
            return self.negated();
        }
        if self.peek() == Some('-') {
            self.at += 1;
            if self.peek().is_none_or(char::is_whitespace) {
                return Err(self.error("'-' must be followed by what it excludes"));
            }
            return self.negated();
        }
        self.primary()
    }

    fn negated(&mut self) -> Result<Query, ParseError> {
        self.enter()?;
        let inner = self.unary()?;
        self.depth -= 1;
        Ok(Query::Not(Box::new(inner)))
    }

    fn primary(&mut self) -> Result<Query, ParseError> {
        self.skip_space();
        let start = self.at;
        match self.peek() {
            None => Err(self.error("expected a term, a field:value or '('")),
            Some('(') => {
                self.at += 1;
                self.enter()?;
                self.skip_space();
                if self.peek() == Some(')') {
                    return Err(self.error("empty parentheses"));
                }
                let inner = self.or_expr()?;
                self.skip_space();
                if self.peek() != Some(')') {
                    return Err(self.error_at(start, "'(' is never closed"));
                }
                self.at += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(')') => Err(self.error("unmatched ')'")),
            Some('"') => Ok(Query::Match {
                field: None,
                value: Value::Phrase(self.phrase()?),
            }),
            Some(_) => {
                if ["AND", "OR", "TO"].iter().any(|kw| self.at_keyword(kw)) {
                    return Err(self.error("expected a term before this operator"));
                }
                let word = self.word(true)?;
                if self.peek() == Some(':') {
                    let Some(field) = word.plain else {
                        return Err(self.error_at(word.start, "a field name cannot hold wildcards"));
                    };
                    self.at += 1;
                    self.field_value(field)
                } else if word.pieces == [Piece::Any] && !word.escaped {
                    Ok(Query::All)
                } else {
                    Ok(Query::Match {
                        field: None,
                        value: word_value(word),
                    })
                }
            }
        }
    }

    fn field_value(&mut self, field: String) -> Result<Query, ParseError> {
        let start = self.at;
        match self.peek() {
            None => Err(self.error(format!("expected a value after '{field}:'"))),
            Some(c) if c.is_whitespace() => {
                Err(self.error(format!("expected a value right after '{field}:'")))
            }
            Some('"') => Ok(Query::Match {
                field: Some(field),
                value: Value::Phrase(self.phrase()?),
            }),
            Some('[' | '{') => self.range(field),
            Some('>' | '<') => {
                let greater = self.peek() == Some('>');
                self.at += 1;
                let inclusive = self.peek() == Some('=');
                if inclusive {
                    self.at += 1;
                }
                let bound_at = self.at;
                let word = self.word(false)?;
                let Some(scalar) = parse_scalar(word.plain.as_deref().unwrap_or("*")) else {
                    return Err(self.error_at(bound_at, "expected a number or an RFC 3339 time"));
                };
                let bound = if inclusive {
                    Bound::Included(scalar)
                } else {
                    Bound::Excluded(scalar)
                };
                let (lower, upper) = if greater {
                    (bound, Bound::Unbounded)
                } else {
                    (Bound::Unbounded, bound)
                };
                Ok(Query::Range {
                    field,
                    lower,
                    upper,
                })
            }
            Some('(' | ')') => Err(self.error_at(start, "expected a value, not a parenthesis")),
            Some(_) => {
                let word = self.word(false)?;
                Ok(Query::Match {
                    field: Some(field),
                    value: word_value(word),
                })
            }
        }
    }

    fn range(&mut self, field: String) -> Result<Query, ParseError> {
        let open = self.at;
        let lower_inclusive = self.peek() == Some('[');
        self.at += 1;
        self.skip_space();
        let lower = self.range_bound(lower_inclusive)?;
        self.skip_space();
        if !self.at_keyword("TO") {
            return Err(self.error("expected 'TO' in range"));
        }
        self.at += 2;
        self.skip_space();
        let upper_start = self.at;
        let upper_word = self.range_word()?;
        self.skip_space();
        let upper_inclusive = match self.peek() {
            Some(']') => true,
            Some('}') => false,
            _ => return Err(self.error_at(open, "range is never closed with ']' or '}'")),
        };
        self.at += 1;
        let upper = self.to_bound(upper_start, &upper_word, upper_inclusive)?;
        let kinds = [&lower, &upper].map(|b| match b {
            Bound::Included(s) | Bound::Excluded(s) => Some(matches!(s, Scalar::Time(_))),
            Bound::Unbounded => None,
        });
        if let [Some(a), Some(b)] = kinds {
            if a != b {
                return Err(self.error_at(open, "range mixes a time and a number"));
            }
        }
        Ok(Query::Range {
            field,
            lower,
            upper,
        })
    }

    fn range_bound(&mut self, inclusive: bool) -> Result<Bound<Scalar>, ParseError> {
        let start = self.at;
        let word = self.range_word()?;
        self.to_bound(start, &word, inclusive)
    }

    fn to_bound(
        &self,
        start: usize,
        word: &str,
        inclusive: bool,
    ) -> Result<Bound<Scalar>, ParseError> {
        if word == "*" {
            return Ok(Bound::Unbounded);
        }
        match parse_scalar(word) {
            Some(s) if inclusive => Ok(Bound::Included(s)),
            Some(s) => Ok(Bound::Excluded(s)),
            None => Err(self.error_at(start, "expected a number, an RFC 3339 time or '*'")),
        }
    }

    /// A range bound: up to whitespace or a closing bracket.
    fn range_word(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ']' || c == '}' {
                break;
            }
            self.at += 1;
        }
        if start == self.at {
            return Err(self.error("expected a range bound"));
        }
        Ok(self.chars[start..self.at].iter().collect())
    }

    fn phrase(&mut self) -> Result<String, ParseError> {
        let open = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error_at(open, "phrase is never closed with '\"'")),
                Some('"') => {
                    self.at += 1;
                    return Ok(text);
                }
                Some('\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(c) => text.push(c),
                        None => return Err(self.error("'\\' at the end of the query")),
                    }
                    self.at += 1;
                }
                Some(c) => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// A bare word. In key position (`key == true`) it ends at an unescaped `:`.
    fn word(&mut self, key: bool) -> Result<RawWord, ParseError> {
        let start = self.at;
        let mut pieces: Vec<Piece> = Vec::new();
        let mut escaped = false;
        let mut wild = false;
        let push_literal = |pieces: &mut Vec<Piece>, c: char| match pieces.last_mut() {
            Some(Piece::Literal(s)) => s.push(c),
            _ => pieces.push(Piece::Literal(c.to_string())),
        };
        while let Some(c) = self.peek() {
            if ends_word(c) || (key && c == ':') {
                break;
            }
            self.at += 1;
            match c {
                '\\' => {
                    let Some(next) = self.peek() else {
                        return Err(self.error("'\\' at the end of the query"));
                    };
                    self.at += 1;
                    escaped = true;
                    push_literal(&mut pieces, next);
                }
                '*' => {
                    wild = true;
                    pieces.push(Piece::Any);
                }
                '?' => {
                    wild = true;
                    pieces.push(Piece::One);
                }
                '"' => return Err(self.error_at(self.at - 1, "unexpected '\"' inside a word")),
                _ => push_literal(&mut pieces, c),
            }
        }
        if pieces.is_empty() {
            return Err(self.error_at(start, "expected a word"));
        }
        let plain = if wild {
            None
        } else {
            match pieces.as_slice() {
                [Piece::Literal(s)] => Some(s.clone()),
                _ => None,
            }
        };
        Ok(RawWord {
            start,
            pieces,
            plain,
            escaped,
        })
    }
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || c == '"'
}

fn word_value(word: RawWord) -> Value {
    match word.plain {
        Some(text) => Value::Word(text),
        None => Value::Pattern(word.pieces),
    }
}

/// A number (integer first) or an RFC 3339 time.
fn parse_scalar(text: &str) -> Option<Scalar> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Scalar::Int(i));
    }
    if text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.') {
        if let Ok(f) = text.parse::<f64>() {
            if f.is_finite() {
                return Some(Scalar::Float(f));
            }
        }
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| Scalar::Time(t.with_timezone(&Utc)))
}

// ---- display: the canonical text of a query; parsing it gives the same AST back ----

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::All => f.write_str("*"),
            Query::Match { field, value } => {
                if let Some(field) = field {
                    write_escaped(f, field, Context::Key, true)?;
                    f.write_str(":")?;
                }
                let context = if field.is_some() {
                    Context::Value
                } else {
                    Context::Text
                };
                match value {
                    Value::Word(w) => write_escaped(f, w, context, true),
                    Value::Phrase(p) => write_phrase(f, p),
                    Value::Pattern(pieces) => {
                        for (i, piece) in pieces.iter().enumerate() {
                            match piece {
                                Piece::Any => f.write_str("*")?,
                                Piece::One => f.write_str("?")?,
                                Piece::Literal(s) => write_escaped(f, s, context, i == 0)?,
                            }
                        }
                        Ok(())
                    }
                }
            }
            Query::Range {
                field,
                lower,
                upper,
            } => {
                write_escaped(f, field, Context::Key, true)?;
                f.write_str(":")?;
                match lower {
                    Bound::Included(s) => write!(f, "[{s}")?,
                    Bound::Excluded(s) => write!(f, "{{{s}")?,
                    Bound::Unbounded => f.write_str("[*")?,
                }
                f.write_str(" TO ")?;
                match upper {
                    Bound::Included(s) => write!(f, "{s}]"),
                    Bound::Excluded(s) => write!(f, "{s}}}"),
                    Bound::Unbounded => f.write_str("*]"),
                }
            }
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                write_operand(f, inner, |q| matches!(q, Query::And(_) | Query::Or(_)))
            }
            Query::And(parts) => write_joined(f, parts, " AND ", |q| {
                matches!(q, Query::And(_) | Query::Or(_))
            }),
            Query::Or(parts) => write_joined(f, parts, " OR ", |q| matches!(q, Query::Or(_))),
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Int(i) => write!(f, "{i}"),
            // Debug keeps a ".0" or an exponent, so a float never reads back as an integer.
            Scalar::Float(x) => write!(f, "{x:?}"),
            Scalar::Time(t) => f.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

fn write_joined(
    f: &mut fmt::Formatter<'_>,
    parts: &[Query],
    separator: &str,
    needs_parens: fn(&Query) -> bool,
) -> fmt::Result {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write_operand(f, part, needs_parens)?;
    }
    Ok(())
}

fn write_operand(
    f: &mut fmt::Formatter<'_>,
    q: &Query,
    needs_parens: fn(&Query) -> bool,
) -> fmt::Result {
    if needs_parens(q) {
        write!(f, "({q})")
    } else {
        write!(f, "{q}")
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    /// A field name (before `:`).
    Key,
    /// The start of a field value.
    Value,
    /// A free-text word.
    Text,
}

/// Writes `text` with backslashes where it would otherwise parse as syntax; `at_start` says
/// whether it begins the word (later pattern pieces do not).
fn write_escaped(
    f: &mut fmt::Formatter<'_>,
    text: &str,
    context: Context,
    at_start: bool,
) -> fmt::Result {
    use fmt::Write;
    let keyword = at_start && matches!(text, "AND" | "OR" | "NOT" | "TO");
    for (i, c) in text.chars().enumerate() {
        let first = at_start && i == 0;
        let escape = c.is_whitespace()
            || matches!(c, '\\' | '(' | ')' | '"' | '*' | '?')
            || (c == ':' && matches!(context, Context::Key | Context::Text))
            || (first && c == '-' && matches!(context, Context::Key | Context::Text))
            || (first && matches!(c, '[' | '{' | '>' | '<') && context == Context::Value)
            || (first && keyword && matches!(context, Context::Key | Context::Text));
        if escape {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    Ok(())
}

fn write_phrase(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    use fmt::Write;
    f.write_char('"')?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(field: Option<&str>, w: &str) -> Query {
        Query::Match {
            field: field.map(str::to_owned),
            value: Value::Word(w.to_owned()),
        }
    }

    #[test]
    fn precedence_not_and_or() {
        let q = parse("a b OR NOT c AND -d").unwrap();
        assert_eq!(
            q,
            Query::Or(vec![
                Query::And(vec![word(None, "a"), word(None, "b")]),
                Query::And(vec![
                    Query::Not(Box::new(word(None, "c"))),
                    Query::Not(Box::new(word(None, "d"))),
                ]),
            ])
        );
    }

    #[test]
    fn fields_values_and_patterns() {
        assert_eq!(
            parse("EventID:4688").unwrap(),
            word(Some("EventID"), "4688")
        );
        assert_eq!(
            parse(r"Image:*\\cmd.exe").unwrap(),
            Query::Match {
                field: Some("Image".into()),
                value: Value::Pattern(vec![Piece::Any, Piece::Literal(r"\cmd.exe".into())]),
            }
        );
        assert_eq!(
            parse("url:http://x/?a").unwrap(),
            Query::Match {
                field: Some("url".into()),
                value: Value::Pattern(vec![
                    Piece::Literal("http://x/".into()),
                    Piece::One,
                    Piece::Literal("a".into())
                ]),
            }
        );
        assert_eq!(parse("*").unwrap(), Query::All);
        assert_eq!(parse("  ").unwrap(), Query::All);
        assert_eq!(
            parse("process.name:\"svc host\"").unwrap(),
            Query::Match {
                field: Some("process.name".into()),
                value: Value::Phrase("svc host".into()),
            }
        );
    }

    #[test]
    fn ranges_and_comparisons() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            parse("@timestamp:>=2026-11-23T00:00:00Z").unwrap(),
            Query::Range {
                field: "@timestamp".into(),
                lower: Bound::Included(Scalar::Time(t)),
                upper: Bound::Unbounded
            }
        );
        assert_eq!(
            parse("bytes:{10 TO 2.5]").unwrap(),
            Query::Range {
                field: "bytes".into(),
                lower: Bound::Excluded(Scalar::Int(10)),
                upper: Bound::Included(Scalar::Float(2.5))
            }
        );
        assert_eq!(
            parse("port:<1024").unwrap(),
            Query::Range {
                field: "port".into(),
                lower: Bound::Unbounded,
                upper: Bound::Excluded(Scalar::Int(1024))
            }
        );
    }

    #[test]
    fn errors_say_where() {
        let cases = [
            ("a AND", 5, "expected a term"),
            ("(a OR b", 0, "never closed"),
            ("a)", 1, "unmatched ')'"),
            ("x:\"abc", 2, "phrase is never closed"),
            ("n:[1 TO x]", 8, "expected a number"),
            ("n:[1 2]", 5, "expected 'TO'"),
            ("n:>abc", 3, "expected a number"),
            ("t:[2026-01-01T00:00:00Z TO 5]", 2, "mixes"),
            ("f*:x", 0, "wildcards"),
            ("f: x", 2, "right after"),
            ("OR a", 0, "before this operator"),
            ("- a", 1, "must be followed"),
        ];
        for (text, position, needle) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.position, position, "{text}: {err}");
            assert!(err.message.contains(needle), "{text}: {err}");
        }
        assert!(parse(&"(".repeat(100)).is_err());
        assert_eq!(
            parse("a AND").unwrap_err().to_string(),
            "query error at column 6: expected a term, a field:value or '('"
        );
    }

    #[test]
    fn display_escapes_what_would_reparse_differently() {
        for q in [
            word(None, "AND"),
            word(None, "-x"),
            word(None, "a:b"),
            word(Some("f"), "[x"),
            word(Some("f"), "a b*"),
            word(Some("a:b"), "NOT"),
            Query::Match {
                field: None,
                value: Value::Phrase("say \"hi\" \\".into()),
            },
        ] {
            let text = q.to_string();
            assert_eq!(parse(&text).unwrap(), q, "{text}");
        }
    }
}
