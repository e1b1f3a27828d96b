//! When things happen: the province's local day (UTC+7, no daylight saving) in UTC instants.
//!
//! Background activity follows hourly weights: office work peaks in the morning and after
//! lunch, citizens use the public sites from early morning into the evening, servers tick
//! over around the clock.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::rngs::StdRng;
use rand::Rng;

/// Vietnam's offset from UTC, in hours.
const UTC_OFFSET_HOURS: i64 = 7;
/// Background activities start at least this long before midnight so that their follow-up
/// events stay inside the day.
const LAST_START_MARGIN_SECONDS: i64 = 15 * 60;

/// How busy each local hour (0–23) is for a kind of activity.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rhythm {
    /// Government office hours: 07:30–11:30 and 13:30–17:00, a little overtime.
    Office,
    /// Citizens on public web sites: daytime with an evening tail.
    Public,
    /// Machines: around the clock.
    Steady,
}

impl Rhythm {
    fn weights(self) -> [u32; 24] {
        match self {
            Rhythm::Office => [
                0, 0, 0, 0, 0, 0, 1, 12, 30, 34, 30, 18, 4, 10, 28, 30, 26, 12, 3, 2, 1, 1, 0, 0,
            ],
            Rhythm::Public => [
                2, 1, 1, 1, 1, 2, 5, 10, 14, 16, 15, 12, 8, 9, 13, 14, 13, 10, 8, 9, 9, 7, 5, 3,
            ],
            Rhythm::Steady => [4; 24],
        }
    }
}

/// One local day of the province.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Day {
    midnight: DateTime<Utc>,
}

impl Day {
    pub fn new(date: NaiveDate) -> Self {
        let local_midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        let midnight = Utc.from_utc_datetime(&local_midnight) - Duration::hours(UTC_OFFSET_HOURS);
        Day { midnight }
    }

    /// The instant of a local wall-clock time on this day.
    pub fn local(&self, hour: u32, minute: u32) -> DateTime<Utc> {
        self.midnight + Duration::minutes(i64::from(hour * 60 + minute))
    }

    /// A random instant whose local hour follows `rhythm`.
    pub fn sample(&self, rhythm: Rhythm, rng: &mut StdRng) -> DateTime<Utc> {
        let hours = WeightedIndex::new(rhythm.weights()).expect("weights are positive");
        let hour = i64::try_from(hours.sample(rng)).expect("hour fits");
        let last = 86_400 - LAST_START_MARGIN_SECONDS;
        let millis = (hour * 3_600_000 + rng.random_range(0..3_600_000)).min(last * 1000);
        self.midnight + Duration::milliseconds(millis)
    }

    /// A random instant between two local wall-clock times.
    pub fn between(&self, from: (u32, u32), to: (u32, u32), rng: &mut StdRng) -> DateTime<Utc> {
        let (from, to) = (self.local(from.0, from.1), self.local(to.0, to.1));
        let span = (to - from).num_milliseconds().max(1);
        from + Duration::milliseconds(rng.random_range(0..span))
    }
}

/// A little later: `seconds` plus up to a quarter more, so chains never look machine-timed.
pub(crate) fn after(at: DateTime<Utc>, seconds: i64, rng: &mut StdRng) -> DateTime<Utc> {
    let jitter = rng.random_range(0..=seconds.max(4) * 250);
    at + Duration::milliseconds(seconds * 1000 + jitter)
}
