//! What one call-policy decision costs: `decide` for a dialog with weekday slots, a daily window
//! and earlier attempts, the callee's zone looked up from the number first (as the dialer does).

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use parley_domain::agent::TimeSlot;
use parley_domain::dialer::{
    Attempt, Channels, DailyWindow, Outcome, PhoneNumber, PolicyInput, RetryPolicy, Schedule,
    callee_zone, decide,
};
use parley_domain::ids::Uuid;
use parley_domain::values::{LocalTime, Weekday};

fn time(text: &str) -> LocalTime {
    LocalTime::parse(text).expect("a valid local time")
}

fn input(phone: &PhoneNumber, now: DateTime<Utc>) -> PolicyInput {
    let slots = (0..5)
        .map(|day| TimeSlot {
            uuid: Uuid::nil(),
            day: Weekday::new(day).expect("a weekday"),
            not_before: time("09:00"),
            not_after: time("21:00"),
        })
        .collect();
    PolicyInput {
        schedule: Schedule {
            starts_at: None,
            ends_at: Some(now + TimeDelta::days(30)),
            daily: Some(DailyWindow {
                from: time("10:00"),
                to: time("20:00"),
            }),
            slots,
        },
        zone: callee_zone(phone, chrono_tz::Europe::Moscow),
        attempts: vec![Attempt {
            ended_at: now - TimeDelta::minutes(10),
            outcome: Outcome::Busy,
            talk_ms: 0,
        }],
        retry: RetryPolicy {
            max_attempts: 3,
            delay_seconds: 300,
            per_outcome: Default::default(),
        },
        do_not_call: false,
        channels: Channels {
            active: 3,
            limit: 10,
        },
    }
}

fn bench(c: &mut Criterion) {
    let phone = PhoneNumber::parse("+7 383 123-45-67").expect("a valid number");
    // A Wednesday, inside the window in Novosibirsk.
    let now = DateTime::parse_from_rfc3339("2026-06-03T06:00:00Z")
        .expect("a valid instant")
        .to_utc();
    c.bench_function("decide (slots, window, one earlier attempt)", |b| {
        let input = input(&phone, now);
        b.iter(|| decide(black_box(&input), black_box(now)))
    });
    // Outside the window: the policy has to find the next allowed instant.
    let night = now + TimeDelta::hours(16);
    c.bench_function("decide (outside the window: next allowed instant)", |b| {
        let input = input(&phone, night);
        b.iter(|| decide(black_box(&input), black_box(night)))
    });
    c.bench_function("callee_zone + decide", |b| {
        let input = input(&phone, now);
        b.iter(|| {
            let zone = callee_zone(black_box(&phone), chrono_tz::Europe::Moscow);
            black_box(zone);
            decide(black_box(&input), black_box(now))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
