//! Sigma string values: wildcards (`*`, `?`), their escapes, and fast matching.
//!
//! A Sigma string is parsed once into a [`Pattern`] of literal runs and wildcards, then
//! classified into the cheapest test that expresses it (exact, prefix, suffix, substring
//! or a general glob). Matching is case-insensitive unless the rule says `cased`; for the
//! common ASCII patterns it compares bytes in place and allocates nothing.

use memchr::{memchr2, memchr2_iter};

/// One piece of a parsed Sigma string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Literal(String),
    /// `*`: any run of characters, including none.
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
}

/// A Sigma string value split into literals and wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pattern {
    pub tokens: Vec<Token>,
}

impl Pattern {
    /// Parses a Sigma string: `*` and `?` are wildcards; a backslash escapes a following
    /// `*`, `?` or backslash and is an ordinary character anywhere else.
    pub fn parse(text: &str) -> Pattern {
        let mut pattern = Pattern::default();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => pattern.push_wild(Token::AnyRun),
                '?' => pattern.push_wild(Token::AnyChar),
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        chars.next();
                        pattern.push_char(next);
                    }
                    _ => pattern.push_char('\\'),
                },
                _ => pattern.push_char(c),
            }
        }
        pattern
    }

    /// A pattern that is exactly this text (no wildcards).
    pub fn literal(text: &str) -> Pattern {
        let mut pattern = Pattern::default();
        if !text.is_empty() {
            pattern.tokens.push(Token::Literal(text.to_owned()));
        }
        pattern
    }

    fn push_char(&mut self, c: char) {
        if let Some(Token::Literal(s)) = self.tokens.last_mut() {
            s.push(c);
        } else {
            self.tokens.push(Token::Literal(c.to_string()));
        }
    }

    fn push_wild(&mut self, token: Token) {
        // `**` means the same as `*`.
        if token == Token::AnyRun && self.tokens.last() == Some(&Token::AnyRun) {
            return;
        }
        self.tokens.push(token);
    }

    /// Adds a leading `*` (for `endswith` and `contains`).
    pub fn prepend_any(&mut self) {
        if self.tokens.first() != Some(&Token::AnyRun) {
            self.tokens.insert(0, Token::AnyRun);
        }
    }

    /// Adds a trailing `*` (for `startswith` and `contains`).
    pub fn append_any(&mut self) {
        if self.tokens.last() != Some(&Token::AnyRun) {
            self.tokens.push(Token::AnyRun);
        }
    }

    /// The literal runs, longest first: any match must contain each of them.
    pub fn literals(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Literal(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// Whether the pattern has no wildcards.
    pub fn is_plain(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Literal(_)))
    }

    /// The pattern as Sigma text again (wildcards and needed escapes restored).
    pub fn to_sigma(&self) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::AnyRun => out.push('*'),
                Token::AnyChar => out.push('?'),
                Token::Literal(s) => {
                    for c in s.chars() {
                        if matches!(c, '*' | '?') {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                }
            }
        }
        out
    }
}

/// How a compiled string test compares.
#[derive(Debug, Clone)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// Anything with inner wildcards; tokens are already case-folded when not cased.
    Glob(Vec<Token>),
    /// Matches every string (`*`).
    Any,
}

/// A compiled string test: one Sigma string value with its `cased` setting.
#[derive(Debug, Clone)]
pub struct StrTest {
    shape: Shape,
    cased: bool,
    /// Whether every literal character is ASCII or has no case (dashes, punctuation,
    /// CJK), so ASCII case folding in place is exact.
    ascii: bool,
}

impl StrTest {
    /// Compiles a pattern; `cased` keeps case-sensitive comparison.
    pub fn new(pattern: &Pattern, cased: bool) -> StrTest {
        let fold = |s: &str| {
            if cased {
                s.to_owned()
            } else {
                s.to_lowercase()
            }
        };
        let caseless =
            |c: char| c.is_ascii() || (c.to_lowercase().eq([c]) && c.to_uppercase().eq([c]));
        let ascii = pattern.literals().all(|s| s.chars().all(caseless));
        let tokens: Vec<Token> = pattern
            .tokens
            .iter()
            .map(|t| match t {
                Token::Literal(s) => Token::Literal(fold(s)),
                other => other.clone(),
            })
            .collect();
        let shape = match tokens.as_slice() {
            [] => Shape::Exact(String::new()),
            [Token::AnyRun] => Shape::Any,
            [Token::Literal(s)] => Shape::Exact(s.clone()),
            [Token::Literal(s), Token::AnyRun] => Shape::Prefix(s.clone()),
            [Token::AnyRun, Token::Literal(s)] => Shape::Suffix(s.clone()),
            [Token::AnyRun, Token::Literal(s), Token::AnyRun] => Shape::Contains(s.clone()),
            _ => Shape::Glob(tokens),
        };
        StrTest {
            shape,
            cased,
            ascii,
        }
    }

    /// The substring this test needs, when it is a plain `contains` (used to fold many
    /// such tests into one automaton).
    pub fn contains_literal(&self) -> Option<&str> {
        match &self.shape {
            Shape::Contains(s) if !self.cased && self.ascii => Some(s),
            _ => None,
        }
    }

    /// The whole text this test must equal (already case-folded unless cased), when it
    /// has no wildcards.
    pub fn exact_text(&self) -> Option<&str> {
        match &self.shape {
            Shape::Exact(s) => Some(s),
            _ => None,
        }
    }

    /// The longest literal this test needs, lower-cased, when a case-insensitive search
    /// for it over string fields is a sound prefilter: ASCII, and not something a number
    /// or boolean printed as text could equal (those fields are not strings in events).
    pub fn prefilter_literal(&self) -> Option<&str> {
        let longest = match &self.shape {
            Shape::Exact(s) | Shape::Prefix(s) | Shape::Suffix(s) | Shape::Contains(s) => {
                s.as_str()
            }
            Shape::Glob(tokens) => tokens
                .iter()
                .filter_map(|t| match t {
                    Token::Literal(s) => Some(s.as_str()),
                    _ => None,
                })
                .max_by_key(|s| s.len())?,
            Shape::Any => return None,
        };
        let numeric = longest
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
        let boolean = longest.eq_ignore_ascii_case("true") || longest.eq_ignore_ascii_case("false");
        let usable = !longest.is_empty() && self.ascii && !self.cased && !numeric && !boolean;
        usable.then_some(longest)
    }

    /// Whether `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        // ASCII patterns compare in place even on non-ASCII text: folding ASCII letters
        // never makes a non-ASCII byte equal an ASCII one.
        if self.cased || self.ascii {
            return self.match_in_place(text);
        }
        // Non-ASCII on either side: fold the text fully (rare).
        let folded = text.to_lowercase();
        let exact = StrTest {
            shape: self.shape.clone(),
            cased: true,
            ascii: self.ascii,
        };
        exact.match_in_place(&folded)
    }

    fn match_in_place(&self, text: &str) -> bool {
        let eq = |a: &[u8], b: &[u8]| {
            if self.cased {
                a == b
            } else {
                a.eq_ignore_ascii_case(b)
            }
        };
        let hay = text.as_bytes();
        match &self.shape {
            Shape::Any => true,
            Shape::Exact(p) => hay.len() == p.len() && eq(hay, p.as_bytes()),
            Shape::Prefix(p) => hay.len() >= p.len() && eq(&hay[..p.len()], p.as_bytes()),
            Shape::Suffix(p) => {
                hay.len() >= p.len() && eq(&hay[hay.len() - p.len()..], p.as_bytes())
            }
            Shape::Contains(p) => {
                if self.cased {
                    memchr::memmem::find(hay, p.as_bytes()).is_some()
                } else {
                    find_ignore_ascii_case(hay, p.as_bytes()).is_some()
                }
            }
            Shape::Glob(tokens) => glob_match(tokens, hay, self.cased),
        }
    }
}

/// Finds `needle` (already lower-case ASCII where it is a letter) in `hay`, ignoring
/// ASCII case, without allocating.
pub fn find_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    if hay.len() < needle.len() {
        return None;
    }
    let last_start = hay.len() - needle.len();
    let (lo, hi) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    for at in memchr2_iter(lo, hi, &hay[..=last_start]) {
        if hay[at + 1..at + needle.len()].eq_ignore_ascii_case(rest) {
            return Some(at);
        }
    }
    None
}

/// Whether `hay` starts with `lit` under the case rule.
fn starts_with_at(hay: &[u8], lit: &[u8], cased: bool) -> bool {
    hay.len() >= lit.len() && {
        let head = &hay[..lit.len()];
        if cased {
            head == lit
        } else {
            head.eq_ignore_ascii_case(lit)
        }
    }
}

/// Length of the UTF-8 character starting at `hay[0]`.
fn char_len(hay: &[u8]) -> usize {
    match hay.first() {
        Some(b) if *b < 0x80 => 1,
        Some(b) if *b >= 0xF0 => 4.min(hay.len()),
        Some(b) if *b >= 0xE0 => 3.min(hay.len()),
        Some(_) => 2.min(hay.len()),
        None => 0,
    }
}

/// Glob matching with `*` and `?` over bytes (`?` takes one UTF-8 character).
/// Greedy with backtracking to the last `*`: linear in practice, never exponential.
fn glob_match(tokens: &[Token], hay: &[u8], cased: bool) -> bool {
    let (mut t, mut h) = (0usize, 0usize);
    let mut resume: Option<(usize, usize)> = None;
    loop {
        if t == tokens.len() {
            if h == hay.len() {
                return true;
            }
        } else {
            match &tokens[t] {
                Token::AnyRun => {
                    resume = Some((t, h));
                    t += 1;
                    continue;
                }
                Token::AnyChar if h < hay.len() => {
                    h += char_len(&hay[h..]);
                    t += 1;
                    continue;
                }
                Token::Literal(lit) if starts_with_at(&hay[h..], lit.as_bytes(), cased) => {
                    h += lit.len();
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        // Mismatch: let the last `*` swallow one more character.
        match resume {
            Some((star, from)) if from < hay.len() => {
                let next = from + char_len(&hay[from..]);
                let next = skip_to_candidate(tokens.get(star + 1), hay, next, cased);
                resume = Some((star, next));
                t = star + 1;
                h = next;
                if h > hay.len() {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// After a `*`, the next literal can only start where its first byte occurs.
fn skip_to_candidate(next: Option<&Token>, hay: &[u8], from: usize, cased: bool) -> usize {
    let Some(Token::Literal(lit)) = next else {
        return from;
    };
    let Some(&first) = lit.as_bytes().first() else {
        return from;
    };
    if from >= hay.len() {
        return from;
    }
    let found = if cased {
        memchr::memchr(first, &hay[from..])
    } else {
        memchr2(
            first.to_ascii_lowercase(),
            first.to_ascii_uppercase(),
            &hay[from..],
        )
    };
    found.map_or(hay.len() + 1, |at| from + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        StrTest::new(&Pattern::parse(pattern), false).is_match(text)
    }

    #[test]
    fn parse_handles_escapes() {
        assert_eq!(
            Pattern::parse(r"a\*b").tokens,
            vec![Token::Literal("a*b".into())]
        );
        assert_eq!(
            Pattern::parse(r"C:\Windows\").tokens,
            vec![Token::Literal(r"C:\Windows\".into())]
        );
        assert_eq!(
            Pattern::parse(r"\\*").tokens,
            vec![Token::Literal(r"\".into()), Token::AnyRun]
        );
        assert_eq!(Pattern::parse("a**b?").tokens.len(), 4);
        assert_eq!(Pattern::parse(r"x\?y").to_sigma(), r"x\?y");
    }

    #[test]
    fn shapes_match_case_insensitively() {
        assert!(matches("cmd.exe", "CMD.EXE"));
        assert!(!matches("cmd.exe", "xcmd.exe"));
        assert!(matches(r"*\cmd.exe", r"C:\Windows\System32\CMD.exe"));
        assert!(matches("C:\\Users\\\\*", "c:\\users\\bob"));
        assert!(!matches("C:\\Users\\*", "c:\\users\\bob"));
        assert!(matches(" -Filter \\*", " -filter *"));
        assert!(matches("*mimikatz*", "Invoke-MimiKatz -dump"));
        assert!(!matches("*mimikatz*", "mimi katz"));
        assert!(matches("*", ""));
        assert!(matches("", ""));
        assert!(!matches("", "x"));
    }

    #[test]
    fn globs_backtrack() {
        assert!(matches("*a*b*c", "xxaxxbxxbxc"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("a?c", "aéc"));
        assert!(matches("*\\temp\\\\*.ps1", "C:\\Temp\\x\\run.PS1"));
        assert!(!matches("*\\temp\\\\*.ps1", "C:\\Temp\\x\\run.ps1x"));
        assert!(matches("*ab*", "aab"));
        assert!(matches("?*", "x"));
        assert!(!matches("?*", ""));
    }

    #[test]
    fn cased_and_unicode() {
        let cased = StrTest::new(&Pattern::parse("*Secret*"), true);
        assert!(cased.is_match("my Secret"));
        assert!(!cased.is_match("my secret"));
        assert!(matches("*ĐIỀU HÀNH*", "hệ thống điều hành"));
        assert!(matches("*điều*", "ĐIỀU"));
    }

    #[test]
    fn find_ignore_case() {
        assert_eq!(find_ignore_ascii_case(b"Hello World", b"world"), Some(6));
        assert_eq!(find_ignore_ascii_case(b"abc", b"abcd"), None);
        assert_eq!(find_ignore_ascii_case(b"abc", b""), Some(0));
    }

    proptest::proptest! {
        #[test]
        fn contains_agrees_with_lowercase_find(hay in "[a-zA-Z\\\\. ]{0,40}", needle in "[a-z\\\\.]{1,5}") {
            let expected = hay.to_lowercase().contains(&needle);
            let escaped = needle.replace('\\', "\\\\");
            proptest::prop_assert_eq!(matches(&format!("*{escaped}*"), &hay), expected);
        }

        #[test]
        fn glob_agrees_with_regex(hay in "[ab]{0,12}", pat in "[ab*?]{0,6}") {
            let re = regex::Regex::new(&format!("(?s)^{}$", pat.replace('*', ".*").replace('?', "."))).unwrap();
            proptest::prop_assert_eq!(matches(&pat, &hay), re.is_match(&hay));
        }
    }
}
