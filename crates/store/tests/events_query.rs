//! Properties of the query language: printing a query and parsing it back gives the same
//! query, and no input makes the parser panic.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use std::ops::Bound;
use vigil_store::events::query::{parse, Piece, Query, Scalar, Value};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.@-]{1,12}",
        "[ -~]{1,10}",
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
        Just("AND".to_owned()),
        Just("NOT".to_owned()),
        Just("-x".to_owned()),
        Just("C:\\Windows\\*".to_owned()),
    ]
}

fn pattern() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec(
        prop_oneof![
            text().prop_map(Piece::Literal),
            Just(Piece::Any),
            Just(Piece::One)
        ],
        1..5,
    )
    .prop_map(|pieces| {
        // Canonical form: adjacent literals merged, at least one wildcard.
        let mut out: Vec<Piece> = Vec::new();
        for piece in pieces {
            match (out.last_mut(), piece) {
                (Some(Piece::Literal(a)), Piece::Literal(b)) => a.push_str(&b),
                (_, p) => out.push(p),
            }
        }
        if !out.iter().any(|p| matches!(p, Piece::Any | Piece::One)) {
            out.push(Piece::One);
        }
        out
    })
}

fn scalar(time: bool) -> BoxedStrategy<Scalar> {
    if time {
        (0i64..4_000_000_000_000, 0u32..1_000_000_000)
            .prop_map(|(s, ns)| {
                Scalar::Time(DateTime::<Utc>::from_timestamp(s / 1000, ns).unwrap())
            })
            .boxed()
    } else {
        prop_oneof![
            any::<i64>().prop_map(Scalar::Int),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Scalar::Float),
        ]
        .boxed()
    }
}

fn bound(time: bool) -> impl Strategy<Value = Bound<Scalar>> {
    prop_oneof![
        Just(Bound::Unbounded),
        scalar(time).prop_map(Bound::Included),
        scalar(time).prop_map(Bound::Excluded),
    ]
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z@][a-zA-Z0-9_.]{0,15}", text()]
}

fn leaf() -> impl Strategy<Value = Query> {
    prop_oneof![
        (prop::option::of(field()), text()).prop_map(|(field, w)| Query::Match {
            field,
            value: Value::Word(w)
        }),
        (prop::option::of(field()), ".{0,12}").prop_map(|(field, p)| Query::Match {
            field,
            value: Value::Phrase(p)
        }),
        (prop::option::of(field()), pattern())
            .prop_filter("bare * is All", |(f, p)| f.is_some() || p != &[Piece::Any])
            .prop_map(|(field, p)| Query::Match {
                field,
                value: Value::Pattern(p)
            }),
        (field(), any::<bool>())
            .prop_flat_map(|(f, time)| (Just(f), bound(time), bound(time)))
            .prop_map(|(field, lower, upper)| Query::Range {
                field,
                lower,
                upper
            }),
        Just(Query::All),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|q| Query::Not(Box::new(q))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
            prop::collection::vec(inner, 2..4).prop_map(Query::Or),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn display_parses_back_to_the_same_query(q in query()) {
        let printed = q.to_string();
        let parsed = parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&q), "printed as {}", printed);
    }

    #[test]
    fn parser_never_panics(text in "[ -~]{0,40}|.{0,20}") {
        if let Err(e) = parse(&text) {
            prop_assert!(e.position <= text.chars().count(), "{e} in {text:?}");
        }
    }
}

/// Every query in the examples of QUERY.md parses.
#[test]
fn documented_examples_parse() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/QUERY.md")).unwrap();
    let examples = doc.split("## Examples").nth(1).unwrap();
    let mut checked = 0;
    for line in examples.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        let Some(query) = cells
            .last()
            .and_then(|c| c.trim().strip_prefix('`')?.strip_suffix('`'))
        else {
            continue;
        };
        if let Err(e) = parse(query) {
            panic!("{query}: {e}");
        }
        checked += 1;
    }
    assert!(checked >= 14, "{checked}");
}
