//! The condition language of Sigma detections: `and`, `or`, `not`, parentheses,
//! `1 of selection_*`, `all of them`, parsed into a tree over selection indices.

use crate::error::{Result, SigmaError};

/// A parsed condition; leaves are indices into the rule's list of selections.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Selection(usize),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    /// At least `min` of the selections match (`all of` sets `min` to their number).
    AtLeast {
        min: usize,
        of: Vec<usize>,
    },
}

impl Condition {
    /// Evaluates the condition given a test for each selection, short-circuiting.
    pub fn eval(&self, test: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Condition::Selection(i) => test(*i),
            Condition::Not(inner) => !inner.eval(test),
            Condition::And(parts) => parts.iter().all(|p| p.eval(test)),
            Condition::Or(parts) => parts.iter().any(|p| p.eval(test)),
            Condition::AtLeast { min, of } => {
                let mut hits = 0;
                for &i in of {
                    if test(i) {
                        hits += 1;
                        if hits >= *min {
                            return true;
                        }
                    }
                }
                *min == 0
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    All,
    Them,
    Number(usize),
    Name(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>> {
    let err = |reason: String| SigmaError::Condition {
        condition: text.to_owned(),
        reason,
    };
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '|' => {
                return Err(err(
                    "aggregation expressions after `|` (count, near, ...) are Sigma 1 syntax; write a correlation rule instead"
                        .into(),
                ))
            }
            _ => {
                let mut end = at;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '|' {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = &text[at..end];
                tokens.push(match word.to_ascii_lowercase().as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    "of" => Token::Of,
                    "all" => Token::All,
                    "any" => Token::Number(1),
                    "them" => Token::Them,
                    "near" => return Err(err("`near` is not part of the Sigma specification; use a temporal correlation rule".into())),
                    _ => match word.parse::<usize>() {
                        Ok(n) => Token::Number(n),
                        Err(_) => Token::Name(word.to_owned()),
                    },
                });
            }
        }
    }
    Ok(tokens)
}

/// Parses `text` against the selection names (in detection order).
pub fn parse(text: &str, names: &[String]) -> Result<Condition> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        names,
        text,
    };
    let cond = parser.or_expr()?;
    if parser.at != parser.tokens.len() {
        return Err(parser.error(format!("unexpected `{}`", parser.describe_current())));
    }
    Ok(cond)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    names: &'a [String],
    text: &'a str,
}

impl Parser<'_> {
    fn error(&self, reason: String) -> SigmaError {
        SigmaError::Condition {
            condition: self.text.to_owned(),
            reason,
        }
    }

    fn describe_current(&self) -> String {
        match self.tokens.get(self.at) {
            Some(Token::Name(n)) => n.clone(),
            Some(Token::Number(n)) => n.to_string(),
            Some(t) => format!("{t:?}").to_lowercase(),
            None => "end of condition".into(),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn or_expr(&mut self) -> Result<Condition> {
        let mut parts = vec![self.and_expr()?];
        while self.eat(&Token::Or) {
            parts.push(self.and_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Condition> {
        let mut parts = vec![self.not_expr()?];
        while self.eat(&Token::And) {
            parts.push(self.not_expr()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Condition::And(parts)
        })
    }

    fn not_expr(&mut self) -> Result<Condition> {
        if self.eat(&Token::Not) {
            return Ok(Condition::Not(Box::new(self.not_expr()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error("condition ends too early".into()))?;
        self.at += 1;
        match token {
            Token::Open => {
                let inner = self.or_expr()?;
                if !self.eat(&Token::Close) {
                    return Err(self.error("missing `)`".into()));
                }
                Ok(inner)
            }
            Token::Number(n) => self.quantified(Some(n)),
            Token::All => self.quantified(None),
            Token::Name(name) => {
                let aggregation = ["count", "min", "max", "avg", "sum"]
                    .contains(&name.to_ascii_lowercase().as_str());
                if aggregation && self.peek() == Some(&Token::Open) {
                    return Err(self.error(format!(
                        "`{name}(…)` is a Sigma 1 aggregation; write a correlation rule instead"
                    )));
                }
                let index = self
                    .names
                    .iter()
                    .position(|n| *n == name)
                    .ok_or_else(|| self.error(format!("no selection named `{name}`")))?;
                Ok(Condition::Selection(index))
            }
            other => Err(self.error(format!(
                "unexpected `{}`",
                format!("{other:?}").to_lowercase()
            ))),
        }
    }

    /// `N of target` / `all of target`; `min` is `None` for `all`.
    fn quantified(&mut self, min: Option<usize>) -> Result<Condition> {
        if !self.eat(&Token::Of) {
            return Err(self.error("expected `of` after a quantifier".into()));
        }
        let of: Vec<usize> = match self.peek().cloned() {
            Some(Token::Them) => {
                self.at += 1;
                // `them` leaves out selections whose name starts with `_` (helpers).
                (0..self.names.len())
                    .filter(|&i| !self.names[i].starts_with('_'))
                    .collect()
            }
            Some(Token::Name(pattern)) => {
                self.at += 1;
                let matched: Vec<usize> = (0..self.names.len())
                    .filter(|&i| name_glob(&pattern, &self.names[i]))
                    .collect();
                if matched.is_empty() {
                    return Err(self.error(format!("`{pattern}` matches no selection")));
                }
                matched
            }
            _ => {
                return Err(
                    self.error("expected a selection name pattern or `them` after `of`".into())
                )
            }
        };
        let min = min.unwrap_or(of.len());
        Ok(Condition::AtLeast { min, of })
    }
}

/// Matches selection names against `sel_*` style patterns (case-sensitive).
fn name_glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((b'?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn eval(cond: &str, sel: &[&str], truth: &[bool]) -> bool {
        let c = parse(cond, &names(sel)).unwrap();
        c.eval(&mut |i| truth[i])
    }

    #[test]
    fn precedence_not_and_or() {
        let sel = ["a", "b", "c"];
        assert!(eval("a or b and c", &sel, &[true, false, false]));
        assert!(!eval("(a or b) and c", &sel, &[true, false, false]));
        assert!(eval("not a and b", &sel, &[false, true, false]));
        assert!(!eval("not (a or b)", &sel, &[false, true, false]));
        assert!(eval("a AND NOT b", &sel, &[true, false, false]));
        assert!(eval("not not a", &sel, &[true, false, false]));
    }

    #[test]
    fn quantifiers() {
        let sel = ["selection_1", "selection_2", "filter_x", "_helper"];
        assert!(eval("1 of selection_*", &sel, &[false, true, false, false]));
        assert!(!eval(
            "all of selection_*",
            &sel,
            &[false, true, false, false]
        ));
        assert!(eval(
            "all of selection_* and not 1 of filter_*",
            &sel,
            &[true, true, false, false]
        ));
        assert!(eval("2 of them", &sel, &[true, false, true, false]));
        assert!(eval("all of them", &sel, &[true, true, true, false]));
        assert!(!eval("all of them", &sel, &[true, true, false, true]));
        assert!(eval(
            "any of selection*",
            &sel,
            &[true, false, false, false]
        ));
        assert!(eval(
            "all of selection_?",
            &sel,
            &[true, true, false, false]
        ));
    }

    #[test]
    fn errors_are_precise() {
        let sel = names(&["selection"]);
        let msg = |c: &str| parse(c, &sel).unwrap_err().to_string();
        assert!(msg("selection | count() > 5").contains("correlation"));
        assert!(msg("selection near other").contains("near"));
        assert!(msg("count(selection) by host > 3").contains("correlation rule"));
        assert!(msg("selektion").contains("no selection named `selektion`"));
        assert!(msg("(selection").contains("missing `)`"));
        assert!(msg("selection and").contains("ends too early"));
        assert!(msg("1 of filter_*").contains("matches no selection"));
        assert!(msg("selection selection").contains("unexpected"));
    }
}
