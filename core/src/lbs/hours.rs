//! Opening hours and temporary closures, in China time.
//!
//! Rules:
//! - **Time** is a request field `at` in unix seconds (core never reads a
//!   clock). China time is UTC+8 all year (no daylight saving), so the local
//!   weekday and minute come from integer arithmetic: `local = at + 28800`,
//!   day number `local div 86400` (1970-01-01 was a Thursday), minute of day
//!   `(local mod 86400) div 60`. Seconds are dropped: 21:59:59 is minute 21:59.
//! - **Weekly hours** are entries `{"day":"fri","open":"18:00","close":"02:00"}`
//!   (`day` is `mon`..`sun`, times `HH:MM`). The open minute is included, the
//!   close minute is not: a store closing at 22:00 is closed at 22:00:00.
//!   `close` earlier than `open` runs past midnight into the next day
//!   (Sunday's late hours run into Monday morning); `close` may be `24:00`;
//!   `00:00`-`24:00` is a whole day. `open == close` is rejected as ambiguous.
//!   Entries may overlap (their union counts). No `hours` at all means always
//!   open (a vending point); an empty list means never open.
//! - **Temporary closures** `{"from": t0, "until": t1}` (unix seconds,
//!   `[t0, t1)`) override the weekly hours.
//!
//! Worked example: a bar open Friday 18:00 to 02:00 is open at Saturday 01:00
//! China time, which is Friday 17:00 UTC:
//!
//! ```
//! use commerce_core::lbs::{Availability, ChinaTime, HoursEntry, Schedule};
//! let fri = HoursEntry { day: "fri".into(), open: "18:00".into(), close: "02:00".into() };
//! let schedule = Schedule::new("bar", Some(&[fri][..]), &[]).unwrap();
//! let saturday_1am = ChinaTime::from_unix(1_795_194_000).unwrap(); // 2026-11-20T17:00Z
//! assert_eq!(saturday_1am.weekday_and_minute(), (5, 60));
//! assert_eq!(schedule.availability(saturday_1am), Availability::Open);
//! let saturday_2am = ChinaTime::from_unix(1_795_197_600).unwrap();
//! assert_eq!(schedule.availability(saturday_2am), Availability::Closed);
//! // Beyond 2^53 - 1 seconds (not exact as a JS number): TIME_OUT_OF_RANGE.
//! assert!(ChinaTime::from_unix(9_007_199_254_740_992).is_err());
//! ```
//!
//! Invariants: a weekly interval lasts 1..=1440 minutes; every `at` within
//! ±(2^53 - 1) is accepted and maps to exactly one minute of the week; no
//! overflow is possible.

use super::error::{LbsError, JS_SAFE};
use serde::{Deserialize, Serialize};

/// China Standard Time, UTC+8, fixed.
pub const CHINA_UTC_OFFSET_S: i64 = 8 * 3600;
const MINUTES_PER_DAY: u32 = 24 * 60;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One weekly opening-hours entry, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HoursEntry {
    /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`: the day the opening starts.
    pub day: String,
    /// `HH:MM`, `00:00`..=`23:59`.
    pub open: String,
    /// `HH:MM`, `00:00`..=`24:00`; earlier than `open` means the next day.
    pub close: String,
}

/// A temporary closure `[from, until)` in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Closure {
    pub from: i64,
    pub until: i64,
}

/// A moment, as a unix time and its China-local minute of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChinaTime {
    at: i64,
    /// Minutes since Monday 00:00 China time, `0..10080`.
    minute_of_week: u32,
}

impl ChinaTime {
    /// The China-local time of unix second `at` (`|at| <= 2^53 - 1`).
    pub fn from_unix(at: i64) -> Result<ChinaTime, LbsError> {
        if !(-JS_SAFE..=JS_SAFE).contains(&at) {
            return Err(LbsError::TimeOutOfRange { at });
        }
        let local = at + CHINA_UTC_OFFSET_S;
        // 1970-01-01 (day 0) was a Thursday: weekday 3 counting Monday as 0.
        let weekday = (local.div_euclid(86_400) + 3).rem_euclid(7);
        let minute = local.rem_euclid(86_400) / 60;
        // Both are small non-negative numbers (< 7 and < 1440).
        let minute_of_week = u32::try_from(weekday * 1440 + minute).unwrap_or(0);
        Ok(ChinaTime { at, minute_of_week })
    }

    /// `(weekday, minute of day)`, Monday = 0.
    pub fn weekday_and_minute(self) -> (u32, u32) {
        (
            self.minute_of_week / MINUTES_PER_DAY,
            self.minute_of_week % MINUTES_PER_DAY,
        )
    }
}

/// Whether a store is open at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Open,
    /// Outside the weekly hours.
    Closed,
    /// Inside a temporary closure.
    TemporarilyClosed,
}

/// A store's validated weekly hours and temporary closures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// `None`: always open. Otherwise `[start, end)` minutes of the week;
    /// `end` may pass 10080 (Sunday night into Monday).
    weekly: Option<Vec<(u32, u32)>>,
    closures: Vec<Closure>,
}

impl Schedule {
    /// Validate `hours` and `closures` of store `store_id`.
    pub fn new(
        store_id: &str,
        hours: Option<&[HoursEntry]>,
        closures: &[Closure],
    ) -> Result<Schedule, LbsError> {
        let weekly = hours
            .map(|entries| {
                entries
                    .iter()
                    .enumerate()
                    .map(|(entry, e)| {
                        weekly_interval(e).map_err(|reason| LbsError::InvalidHours {
                            store_id: store_id.to_owned(),
                            entry,
                            reason,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        for (entry, c) in closures.iter().enumerate() {
            if c.from >= c.until {
                return Err(LbsError::InvalidClosure {
                    store_id: store_id.to_owned(),
                    entry,
                    from: c.from,
                    until: c.until,
                });
            }
        }
        Ok(Schedule {
            weekly,
            closures: closures.to_vec(),
        })
    }

    /// Closures first, then weekly hours.
    pub fn availability(&self, t: ChinaTime) -> Availability {
        if self
            .closures
            .iter()
            .any(|c| c.from <= t.at && t.at < c.until)
        {
            return Availability::TemporarilyClosed;
        }
        let m = t.minute_of_week;
        let open = self.weekly.as_ref().is_none_or(|intervals| {
            intervals.iter().any(|&(start, end)| {
                (start <= m && m < end)
                    || (start <= m + MINUTES_PER_WEEK && m + MINUTES_PER_WEEK < end)
            })
        });
        if open {
            Availability::Open
        } else {
            Availability::Closed
        }
    }
}

/// `[start, end)` in minutes of the week for one entry.
fn weekly_interval(e: &HoursEntry) -> Result<(u32, u32), String> {
    let day = DAYS.iter().position(|d| *d == e.day).ok_or_else(|| {
        format!(
            "unknown day {:?}; expected mon, tue, wed, thu, fri, sat or sun",
            e.day
        )
    })?;
    let open = minute_of_day(&e.open)
        .filter(|m| *m < MINUTES_PER_DAY)
        .ok_or_else(|| format!("open {:?} is not a time HH:MM within 00:00..=23:59", e.open))?;
    let close = minute_of_day(&e.close).ok_or_else(|| {
        format!(
            "close {:?} is not a time HH:MM within 00:00..=24:00",
            e.close
        )
    })?;
    if open == close {
        return Err(format!(
            "open and close are both {:?}; use 00:00-24:00 for a whole day",
            e.open
        ));
    }
    // `day` < 7, so the products are small.
    let start = u32::try_from(day).unwrap_or(0) * MINUTES_PER_DAY + open;
    let length = if close > open {
        close - open
    } else {
        MINUTES_PER_DAY - open + close
    };
    Ok((start, start + length))
}

/// Minutes since midnight of `HH:MM` (`24:00` gives 1440), if well-formed.
fn minute_of_day(text: &str) -> Option<u32> {
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    match text.as_bytes() {
        [h1, h2, b':', m1, m2] => {
            let hour = digit(*h1)? * 10 + digit(*h2)?;
            let minute = digit(*m1)? * 10 + digit(*m2)?;
            let total = hour * 60 + minute;
            (minute < 60 && total <= MINUTES_PER_DAY).then_some(total)
        }
        _ => None,
    }
}
