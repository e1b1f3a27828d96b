//! Timestamps as log sources write them, read into UTC.

use chrono::{DateTime, NaiveDateTime, Utc};
use vigil_event::Value;

/// Parses RFC 3339 (`2024-05-01T10:00:00.1234567Z`, any offset, any number of fraction
/// digits; also `+0700` offsets) or `YYYY-MM-DD HH:MM:SS[.fff]` taken as UTC (Sysmon's `UtcTime`).
pub fn parse_text(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // Suricata's EVE writes the offset without a colon: `+0700`.
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    // Seen without a zone letter too: `2024-05-01T10:00:00.123`.
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()?;
    Some(naive.and_utc())
}

/// A timestamp from a field value: text as in [`parse_text`], or a number of seconds
/// (milliseconds when it is too large to be seconds) since the Unix epoch.
pub fn from_value(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Str(s) => parse_text(s),
        Value::Int(n) if n.unsigned_abs() >= MILLIS_THRESHOLD => {
            DateTime::from_timestamp_millis(*n)
        }
        Value::Int(n) => DateTime::from_timestamp(*n, 0),
        Value::Float(x) if x.is_finite() => {
            let millis = if x.abs() >= MILLIS_THRESHOLD as f64 {
                *x
            } else {
                x * 1000.0
            };
            DateTime::from_timestamp_millis(millis as i64)
        }
        _ => None,
    }
}

/// Seconds since 1970 stay below this until the year 5138; milliseconds pass it in 1973.
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(t: Option<DateTime<Utc>>) -> String {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
            .unwrap_or_default()
    }

    #[test]
    fn evtx_system_time_with_seven_digits() {
        assert_eq!(
            iso(parse_text("2019-07-24T13:04:09.1694495Z")),
            "2019-07-24T13:04:09.169449500Z"
        );
        assert_eq!(
            iso(parse_text("2021-11-19T16:52:33.833733500Z")),
            "2021-11-19T16:52:33.833733500Z"
        );
    }

    #[test]
    fn offsets_and_space_separated_utc() {
        assert_eq!(
            iso(parse_text("2024-05-01T12:00:00+02:00")),
            "2024-05-01T10:00:00.000000000Z"
        );
        assert_eq!(
            iso(parse_text("2026-04-20 10:00:35.640")),
            "2026-04-20T10:00:35.640000000Z"
        );
        assert_eq!(
            iso(parse_text("2026-04-20 10:00:35")),
            "2026-04-20T10:00:35.000000000Z"
        );
        assert_eq!(
            iso(parse_text("2026-04-20T10:00:35.5")),
            "2026-04-20T10:00:35.500000000Z"
        );
        assert_eq!(
            iso(parse_text("2024-05-01T10:00:00.123456+0700")),
            "2024-05-01T03:00:00.123456000Z"
        );
        assert_eq!(parse_text("yesterday"), None);
        assert_eq!(parse_text(""), None);
    }

    #[test]
    fn epoch_numbers() {
        assert_eq!(
            iso(from_value(&Value::Int(1_700_000_000))),
            "2023-11-14T22:13:20.000000000Z"
        );
        assert_eq!(
            iso(from_value(&Value::Int(1_700_000_000_123))),
            "2023-11-14T22:13:20.123000000Z"
        );
        assert_eq!(
            iso(from_value(&Value::Float(1_700_000_000.5))),
            "2023-11-14T22:13:20.500000000Z"
        );
        assert_eq!(from_value(&Value::Bool(true)), None);
    }
}
