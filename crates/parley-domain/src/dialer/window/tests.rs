//! Table tests for the calling window: midnight crossings, weekday slots, DST transitions.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::{America, Europe, Tz};

use super::*;
use crate::ids::Uuid;
use crate::values::Weekday;

fn t(text: &str) -> LocalTime {
    LocalTime::parse(text).unwrap()
}

fn daily(from: &str, to: &str) -> Option<DailyWindow> {
    Some(DailyWindow {
        from: t(from),
        to: t(to),
    })
}

/// A slot on `day` (0 = Monday).
fn slot(day: i64, from: &str, to: &str) -> TimeSlot {
    TimeSlot {
        uuid: Uuid::nil(),
        day: Weekday::new(day).unwrap(),
        not_before: t(from),
        not_after: t(to),
    }
}

/// An instant given as local wall time in `zone` (the first occurrence when ambiguous).
fn local(zone: Tz, text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    zone.from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .to_utc()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

struct Case {
    name: &'static str,
    zone: Tz,
    daily: Option<DailyWindow>,
    slots: Vec<TimeSlot>,
    from: DateTime<Utc>,
    expected: Option<DateTime<Utc>>,
}

fn run(cases: Vec<Case>) {
    for case in cases {
        let got = earliest_allowed(case.zone, case.daily, &case.slots, case.from);
        assert_eq!(got, case.expected, "{}", case.name);
    }
}

const MSK: Tz = Europe::Moscow;

#[test]
fn daily_windows() {
    // 2026-06-03 is a Wednesday.
    run(vec![
        Case {
            name: "no rules: now",
            zone: MSK,
            daily: None,
            slots: vec![],
            from: local(MSK, "2026-06-03 03:00"),
            expected: Some(local(MSK, "2026-06-03 03:00")),
        },
        Case {
            name: "inside the window: now",
            zone: MSK,
            daily: daily("09:00", "17:00"),
            slots: vec![],
            from: local(MSK, "2026-06-03 12:00"),
            expected: Some(local(MSK, "2026-06-03 12:00")),
        },
        Case {
            name: "before the window: today's start",
            zone: MSK,
            daily: daily("09:00", "17:00"),
            slots: vec![],
            from: local(MSK, "2026-06-03 07:00"),
            expected: Some(local(MSK, "2026-06-03 09:00")),
        },
        Case {
            name: "end is exclusive: tomorrow",
            zone: MSK,
            daily: daily("09:00", "17:00"),
            slots: vec![],
            from: local(MSK, "2026-06-03 17:00"),
            expected: Some(local(MSK, "2026-06-04 09:00")),
        },
        Case {
            name: "crossing midnight, after midnight: now",
            zone: MSK,
            daily: daily("22:00", "02:00"),
            slots: vec![],
            from: local(MSK, "2026-06-03 01:00"),
            expected: Some(local(MSK, "2026-06-03 01:00")),
        },
        Case {
            name: "crossing midnight, daytime: tonight",
            zone: MSK,
            daily: daily("22:00", "02:00"),
            slots: vec![],
            from: local(MSK, "2026-06-03 12:00"),
            expected: Some(local(MSK, "2026-06-03 22:00")),
        },
        Case {
            name: "from == to is the whole day",
            zone: MSK,
            daily: daily("00:00", "00:00"),
            slots: vec![],
            from: local(MSK, "2026-06-03 04:00"),
            expected: Some(local(MSK, "2026-06-03 04:00")),
        },
        Case {
            name: "callee's zone, not UTC",
            zone: America::New_York,
            daily: daily("09:00", "17:00"),
            slots: vec![],
            from: utc("2026-06-03T12:00:00Z"),
            expected: Some(utc("2026-06-03T13:00:00Z")),
        },
    ]);
}

#[test]
fn weekday_slots() {
    // 2026-06-03 is a Wednesday (day 2).
    run(vec![
        Case {
            name: "slot today later",
            zone: MSK,
            daily: None,
            slots: vec![slot(2, "14:00", "18:00")],
            from: local(MSK, "2026-06-03 10:00"),
            expected: Some(local(MSK, "2026-06-03 14:00")),
        },
        Case {
            name: "only monday: next monday",
            zone: MSK,
            daily: None,
            slots: vec![slot(0, "10:00", "12:00")],
            from: local(MSK, "2026-06-03 10:00"),
            expected: Some(local(MSK, "2026-06-08 10:00")),
        },
        Case {
            name: "sunday slot crossing into monday",
            zone: MSK,
            daily: None,
            slots: vec![slot(6, "23:00", "01:00")],
            from: local(MSK, "2026-06-08 00:30"),
            expected: Some(local(MSK, "2026-06-08 00:30")),
        },
        Case {
            name: "earliest of several slots",
            zone: MSK,
            daily: None,
            slots: vec![slot(4, "09:00", "10:00"), slot(3, "15:00", "16:00")],
            from: local(MSK, "2026-06-03 20:00"),
            expected: Some(local(MSK, "2026-06-04 15:00")),
        },
        Case {
            name: "slot and daily window intersect",
            zone: MSK,
            daily: daily("09:00", "17:00"),
            slots: vec![slot(2, "16:00", "20:00")],
            from: local(MSK, "2026-06-03 08:00"),
            expected: Some(local(MSK, "2026-06-03 16:00")),
        },
        Case {
            name: "slot and daily window never meet",
            zone: MSK,
            daily: daily("09:00", "12:00"),
            slots: vec![slot(2, "14:00", "18:00")],
            from: local(MSK, "2026-06-03 08:00"),
            expected: None,
        },
    ]);
}

const NY: Tz = America::New_York;
const BERLIN: Tz = Europe::Berlin;

#[test]
fn dst_transitions() {
    // New York springs forward on 2026-03-08 (02:00 EST -> 03:00 EDT) and falls back on
    // 2026-11-01 (02:00 EDT -> 01:00 EST). Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25
    // 03:00 -> 02:00.
    run(vec![
        Case {
            name: "ny: 02:30 does not exist, opens at the jump (03:00 EDT)",
            zone: NY,
            daily: daily("02:30", "05:00"),
            slots: vec![],
            from: utc("2026-03-08T05:00:00Z"),
            expected: Some(utc("2026-03-08T07:00:00Z")),
        },
        Case {
            name: "ny: 09:00 after spring forward is 13:00Z",
            zone: NY,
            daily: daily("09:00", "17:00"),
            slots: vec![],
            from: utc("2026-03-08T05:00:00Z"),
            expected: Some(utc("2026-03-08T13:00:00Z")),
        },
        Case {
            name: "ny: 01:30 twice, first occurrence (EDT)",
            zone: NY,
            daily: daily("01:30", "05:00"),
            slots: vec![],
            from: utc("2026-11-01T04:00:00Z"),
            expected: Some(utc("2026-11-01T05:30:00Z")),
        },
        Case {
            name: "ny: inside the repeated hour, now",
            zone: NY,
            daily: daily("01:30", "05:00"),
            slots: vec![],
            from: utc("2026-11-01T06:15:00Z"),
            expected: Some(utc("2026-11-01T06:15:00Z")),
        },
        Case {
            name: "ny: 09:00 after fall back is 14:00Z",
            zone: NY,
            daily: daily("09:00", "17:00"),
            slots: vec![],
            from: utc("2026-11-01T04:00:00Z"),
            expected: Some(utc("2026-11-01T14:00:00Z")),
        },
        Case {
            name: "berlin: window wholly inside the gap is skipped",
            zone: BERLIN,
            daily: daily("02:10", "02:50"),
            slots: vec![],
            from: utc("2026-03-28T23:00:00Z"),
            expected: Some(local(BERLIN, "2026-03-30 02:10")),
        },
        Case {
            name: "berlin: sunday slot on the fall-back day, 02:30 first occurrence (CEST)",
            zone: BERLIN,
            daily: None,
            slots: vec![slot(6, "02:30", "04:00")],
            from: utc("2026-10-24T12:00:00Z"),
            expected: Some(utc("2026-10-25T00:30:00Z")),
        },
        Case {
            name: "berlin: window ending in the gap ends at the jump",
            zone: BERLIN,
            daily: daily("01:00", "02:30"),
            slots: vec![],
            from: utc("2026-03-29T00:59:59Z"),
            expected: Some(utc("2026-03-29T00:59:59Z")),
        },
        Case {
            name: "berlin: past a window ending in the gap: next day",
            zone: BERLIN,
            daily: daily("01:00", "02:30"),
            slots: vec![],
            from: utc("2026-03-29T01:00:00Z"),
            expected: Some(local(BERLIN, "2026-03-30 01:00")),
        },
    ]);
}

#[test]
fn an_edge_in_the_gap_is_the_transition_instant() {
    let naive = NaiveDateTime::parse_from_str("2026-03-08 02:30", "%Y-%m-%d %H:%M").unwrap();
    assert_eq!(first_at_or_after(NY, naive), utc("2026-03-08T07:00:00Z"));
}
