//! The calling window: the earliest instant the daily window and weekday slots allow, evaluated
//! in the callee's local time, DST included.
//!
//! Each window edge is the first instant the callee's clock shows that time or later: a start in
//! a spring-forward gap (02:30 that does not exist) opens when the clock jumps (03:00); a time
//! that happens twice in the fall counts from its first occurrence.

use chrono::Datelike;
use chrono::{
    DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone,
    Utc,
};
use chrono_tz::Tz;

use crate::agent::TimeSlot;
use crate::values::LocalTime;

/// A campaign's daily calling window, from `from` to `to` (exclusive) in the callee's local time.
/// `to` earlier than `from` crosses midnight; `to == from` is the whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    /// When calling may start each day.
    pub from: LocalTime,
    /// When calling stops each day.
    pub to: LocalTime,
}

/// How many local days ahead the search looks (a week of slots, plus margin for midnight
/// crossings and DST); rules that allow nothing within it allow nothing at all.
const HORIZON_DAYS: u64 = 16;

/// A half-open interval of instants.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// The earliest instant at or after `from` that the daily window (none = all day) and the
/// weekday slots (empty = any time) both allow in `zone`, or `None` if they never do.
pub fn earliest_allowed(
    zone: Tz,
    daily: Option<DailyWindow>,
    slots: &[TimeSlot],
    from: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let first_day = from.with_timezone(&zone).date_naive() - Days::new(1);
    let days = (0..=HORIZON_DAYS).filter_map(|n| first_day.checked_add_days(Days::new(n)));
    let mut daily_spans = Vec::new();
    let mut slot_spans = Vec::new();
    for day in days {
        if let Some(window) = daily {
            daily_spans.extend(local_span(zone, day, window.from.time(), window.to.time()));
        }
        for slot in slots.iter().filter(|s| s.day.to_chrono() == day.weekday()) {
            slot_spans.extend(local_span(
                zone,
                day,
                slot.not_before.time(),
                slot.not_after.time(),
            ));
        }
    }
    let everything = [(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC)];
    let daily_spans = if daily.is_some() {
        &daily_spans[..]
    } else {
        &everything[..]
    };
    let slot_spans = if slots.is_empty() {
        &everything[..]
    } else {
        &slot_spans[..]
    };
    daily_spans
        .iter()
        .flat_map(|a| {
            slot_spans
                .iter()
                .map(move |b| (a.0.max(b.0).max(from), a.1.min(b.1)))
        })
        .filter(|(start, end)| start < end)
        .map(|(start, _)| start)
        .min()
}

/// The instants of `day` from `start` to `end` local time (to `end` the next day when it is not
/// after `start`), or `None` when DST leaves nothing of it.
fn local_span(zone: Tz, day: NaiveDate, start: NaiveTime, end: NaiveTime) -> Option<Span> {
    let end_day = if end > start {
        Some(day)
    } else {
        day.succ_opt()
    }?;
    let span = (
        first_at_or_after(zone, day.and_time(start)),
        first_at_or_after(zone, end_day.and_time(end)),
    );
    (span.0 < span.1).then_some(span)
}

/// The first instant at which `zone`'s clock shows `local` or later.
pub(crate) fn first_at_or_after(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(first, second) => first.to_utc().min(second.to_utc()),
        LocalResult::None => gap_end(zone, local),
    }
}

/// The transition instant of the DST gap `local` falls into: the clock reads less than `local`
/// before it and more after it. Found by bisection over the day before the gap.
fn gap_end(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let shows_at_least = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .is_none_or(|t| t.with_timezone(&zone).naive_local() >= local)
    };
    let offset_before = zone
        .offset_from_utc_datetime(&(local - TimeDelta::days(1)))
        .fix()
        .local_minus_utc();
    // Read with the offset before the gap, `local` is an instant after the jump.
    let mut hi = local.and_utc().timestamp() - i64::from(offset_before);
    let mut lo = hi - 86_400;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if shows_at_least(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests;
