//! Table tests for `decide`, one table per concern, and property tests over random inputs.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Europe;
use proptest::prelude::*;

use super::*;
use crate::dialer::outcome::{RedialRule, Unproductive};
use crate::ids::Uuid;
use crate::values::{LocalTime, Weekday};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// Wednesday 2026-06-03 12:00 Moscow.
fn noon() -> DateTime<Utc> {
    utc("2026-06-03T09:00:00Z")
}

/// No rules, three attempts, 5 minutes apart, free channels, Moscow.
fn base() -> PolicyInput {
    PolicyInput {
        schedule: Schedule::default(),
        zone: Europe::Moscow,
        attempts: vec![],
        retry: RetryPolicy {
            max_attempts: 3,
            delay_seconds: 300,
            per_outcome: RedialRules::default(),
        },
        do_not_call: false,
        channels: Channels {
            active: 0,
            limit: 10,
        },
    }
}

fn tried(outcomes: &[Outcome], last_ended: DateTime<Utc>) -> Vec<Attempt> {
    outcomes
        .iter()
        .map(|&outcome| Attempt {
            ended_at: last_ended,
            outcome,
            talk_ms: 0,
        })
        .collect()
}

/// Answered attempts that talked for `talks` milliseconds each, the last ending at `last_ended`.
fn talked(talks: &[u64], last_ended: DateTime<Utc>) -> Vec<Attempt> {
    talks
        .iter()
        .map(|&talk_ms| Attempt {
            ended_at: last_ended,
            outcome: Outcome::Answered,
            talk_ms,
        })
        .collect()
}

fn window(from: &str, to: &str) -> Option<DailyWindow> {
    Some(DailyWindow {
        from: LocalTime::parse(from).unwrap(),
        to: LocalTime::parse(to).unwrap(),
    })
}

fn run(cases: Vec<(&str, PolicyInput, Decision)>) {
    for (name, input, expected) in cases {
        assert_eq!(decide(&input, noon()), expected, "{name}");
    }
}

/// The base retry policy with an `answerNoList` rule for calls under 10 s of talk.
fn unproductive(rule: Option<RedialRule>) -> RetryPolicy {
    RetryPolicy {
        per_outcome: RedialRules {
            unproductive: rule.map(|rule| Unproductive {
                shorter_than_ms: 10_000,
                rule,
            }),
            ..RedialRules::default()
        },
        ..base().retry
    }
}

#[test]
fn stop_rules() {
    let ago = noon() - TimeDelta::hours(1);
    let rule = |redial, max_redials| {
        Some(RedialRule {
            redial,
            delay_seconds: 60,
            max_redials,
        })
    };
    run(vec![
        ("fresh dialog dials", base(), Decision::DialNow),
        (
            "do not call",
            PolicyInput {
                do_not_call: true,
                ..base()
            },
            Decision::Finish(FinishReason::DoNotCall),
        ),
        (
            "answered is final",
            PolicyInput {
                attempts: tried(&[Outcome::Answered], ago),
                ..base()
            },
            Decision::Finish(FinishReason::FinalOutcome(Outcome::Answered)),
        ),
        (
            "invalid is final",
            PolicyInput {
                attempts: tried(&[Outcome::Invalid], ago),
                ..base()
            },
            Decision::Finish(FinishReason::FinalOutcome(Outcome::Invalid)),
        ),
        (
            "busy again",
            PolicyInput {
                attempts: tried(&[Outcome::Busy, Outcome::NoAnswer], ago),
                ..base()
            },
            Decision::DialNow,
        ),
        (
            "attempts exhausted",
            PolicyInput {
                attempts: tried(&[Outcome::Busy; 3], ago),
                ..base()
            },
            Decision::Finish(FinishReason::AttemptsExhausted),
        ),
        (
            "recall_count 0 allows one attempt",
            PolicyInput {
                attempts: tried(&[Outcome::NoAnswer], ago),
                retry: RetryPolicy::from_agent(&AgentSettings::named("x")),
                ..base()
            },
            Decision::Finish(FinishReason::AttemptsExhausted),
        ),
        (
            "busy rule says no redial",
            PolicyInput {
                attempts: tried(&[Outcome::Busy], ago),
                retry: RetryPolicy {
                    per_outcome: RedialRules {
                        busy: rule(false, 5),
                        ..RedialRules::default()
                    },
                    ..base().retry
                },
                ..base()
            },
            Decision::Finish(FinishReason::NoRedial(Outcome::Busy)),
        ),
        (
            "busy rule count used up",
            PolicyInput {
                attempts: tried(&[Outcome::Busy, Outcome::Busy], ago),
                retry: RetryPolicy {
                    per_outcome: RedialRules {
                        busy: rule(true, 1),
                        ..RedialRules::default()
                    },
                    ..base().retry
                },
                ..base()
            },
            Decision::Finish(FinishReason::NoRedial(Outcome::Busy)),
        ),
        (
            "busy rule count left",
            PolicyInput {
                attempts: tried(&[Outcome::NoAnswer, Outcome::Busy], ago),
                retry: RetryPolicy {
                    per_outcome: RedialRules {
                        busy: rule(true, 1),
                        ..RedialRules::default()
                    },
                    ..base().retry
                },
                ..base()
            },
            Decision::DialNow,
        ),
        (
            "an answered call long enough is final under an unproductive rule",
            PolicyInput {
                attempts: talked(&[20_000], ago),
                retry: unproductive(rule(true, 2)),
                ..base()
            },
            Decision::Finish(FinishReason::FinalOutcome(Outcome::Answered)),
        ),
        (
            "an unproductive answered call is called again",
            PolicyInput {
                attempts: talked(&[9_999], ago),
                retry: unproductive(rule(true, 2)),
                ..base()
            },
            Decision::DialNow,
        ),
        (
            "an unproductive answered call waits the rule's delay",
            PolicyInput {
                attempts: talked(&[9_999], noon() - TimeDelta::seconds(30)),
                retry: unproductive(rule(true, 2)),
                ..base()
            },
            Decision::WaitUntil(noon() + TimeDelta::seconds(30)),
        ),
        (
            "unproductive calls counted apart from other outcomes",
            PolicyInput {
                attempts: [tried(&[Outcome::NoAnswer], ago), talked(&[5_000], ago)].concat(),
                retry: unproductive(rule(true, 1)),
                ..base()
            },
            Decision::DialNow,
        ),
        (
            "unproductive rule count used up",
            PolicyInput {
                attempts: talked(&[5_000, 5_000], ago),
                retry: unproductive(rule(true, 1)),
                ..base()
            },
            Decision::Finish(FinishReason::NoRedial(Outcome::Answered)),
        ),
        (
            "unproductive rule says no redial",
            PolicyInput {
                attempts: talked(&[5_000], ago),
                retry: unproductive(rule(false, 3)),
                ..base()
            },
            Decision::Finish(FinishReason::NoRedial(Outcome::Answered)),
        ),
        (
            "campaign ended",
            PolicyInput {
                schedule: Schedule {
                    ends_at: Some(noon()),
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::Finish(FinishReason::CampaignOver),
        ),
        (
            "next window after the end",
            PolicyInput {
                schedule: Schedule {
                    ends_at: Some(utc("2026-06-03T16:00:00Z")),
                    daily: window("20:00", "21:00"),
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::Finish(FinishReason::CampaignOver),
        ),
        (
            "window and slots never meet",
            PolicyInput {
                schedule: Schedule {
                    daily: window("09:00", "10:00"),
                    slots: vec![TimeSlot {
                        uuid: Uuid::nil(),
                        day: Weekday::new(0).unwrap(),
                        not_before: LocalTime::parse("11:00").unwrap(),
                        not_after: LocalTime::parse("12:00").unwrap(),
                    }],
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::Finish(FinishReason::NoCallingTime),
        ),
    ]);
}

#[test]
fn timing_rules() {
    let just_now = noon() - TimeDelta::seconds(60);
    run(vec![
        (
            "delay after the last attempt",
            PolicyInput {
                attempts: tried(&[Outcome::NoAnswer], just_now),
                ..base()
            },
            Decision::WaitUntil(just_now + TimeDelta::seconds(300)),
        ),
        (
            "per-outcome delay replaces the agent's",
            PolicyInput {
                attempts: tried(&[Outcome::NoAnswer], just_now),
                retry: RetryPolicy {
                    per_outcome: RedialRules {
                        no_answer: Some(RedialRule {
                            redial: true,
                            delay_seconds: 3600,
                            max_redials: 9,
                        }),
                        ..RedialRules::default()
                    },
                    ..base().retry
                },
                ..base()
            },
            Decision::WaitUntil(just_now + TimeDelta::seconds(3600)),
        ),
        (
            "campaign starts in the future",
            PolicyInput {
                schedule: Schedule {
                    starts_at: Some(utc("2026-06-10T06:00:00Z")),
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::WaitUntil(utc("2026-06-10T06:00:00Z")),
        ),
        (
            "outside the daily window (callee time)",
            PolicyInput {
                schedule: Schedule {
                    daily: window("09:00", "11:00"),
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::WaitUntil(utc("2026-06-04T06:00:00Z")),
        ),
        (
            "the callee's zone decides, not the agent's",
            PolicyInput {
                zone: Europe::London,
                schedule: Schedule {
                    daily: window("13:00", "14:00"),
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::WaitUntil(utc("2026-06-03T12:00:00Z")),
        ),
        (
            "delay ends outside the window",
            PolicyInput {
                attempts: tried(&[Outcome::Busy], utc("2026-06-03T08:58:00Z")),
                schedule: Schedule {
                    daily: window("09:00", "12:01"),
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::WaitUntil(utc("2026-06-04T06:00:00Z")),
        ),
    ]);
}

#[test]
fn channel_limits() {
    run(vec![
        (
            "a free channel",
            PolicyInput {
                channels: Channels {
                    active: 9,
                    limit: 10,
                },
                ..base()
            },
            Decision::DialNow,
        ),
        (
            "all channels busy",
            PolicyInput {
                channels: Channels {
                    active: 10,
                    limit: 10,
                },
                ..base()
            },
            Decision::ChannelsFull,
        ),
        (
            "limit 0 never dials",
            PolicyInput {
                channels: Channels {
                    active: 0,
                    limit: 0,
                },
                ..base()
            },
            Decision::ChannelsFull,
        ),
        (
            "waiting wins over full channels",
            PolicyInput {
                channels: Channels {
                    active: 10,
                    limit: 10,
                },
                schedule: Schedule {
                    daily: window("09:00", "11:00"),
                    ..Schedule::default()
                },
                ..base()
            },
            Decision::WaitUntil(utc("2026-06-04T06:00:00Z")),
        ),
    ]);
}

fn arb_outcome() -> impl Strategy<Value = Outcome> {
    prop::sample::select(vec![
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::Congestion,
        Outcome::Failed,
        Outcome::AnsweringMachine,
        Outcome::Cancel,
        Outcome::Answered,
    ])
}

fn arb_input() -> impl Strategy<Value = PolicyInput> {
    let zones = prop::sample::select(vec![
        chrono_tz::America::New_York,
        Europe::Berlin,
        Europe::Moscow,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Asia::Kolkata,
    ]);
    let time = (0u32..86_400).prop_map(|s| LocalTime::from_seconds(s).unwrap());
    let slot = (0i64..7, time.clone(), time.clone()).prop_map(|(day, from, to)| TimeSlot {
        uuid: Uuid::nil(),
        day: Weekday::new(day).unwrap(),
        not_before: from,
        not_after: to,
    });
    (
        zones,
        prop::option::of((time.clone(), time).prop_map(|(from, to)| DailyWindow { from, to })),
        prop::collection::vec(slot, 0..4),
        prop::collection::vec((arb_outcome(), 0i64..86_400 * 3), 0..3),
        0u32..86_400,
        prop::option::of(0i64..86_400 * 30),
    )
        .prop_map(|(zone, daily, slots, attempts, delay, start)| PolicyInput {
            schedule: Schedule {
                starts_at: start.map(|s| noon() + TimeDelta::seconds(s)),
                ends_at: None,
                daily,
                slots,
            },
            zone,
            attempts: attempts
                .into_iter()
                .map(|(outcome, ago)| Attempt {
                    ended_at: noon() - TimeDelta::seconds(ago),
                    outcome,
                    talk_ms: 0,
                })
                .collect(),
            retry: RetryPolicy {
                max_attempts: 3,
                delay_seconds: delay,
                per_outcome: RedialRules::default(),
            },
            do_not_call: false,
            channels: Channels {
                active: 0,
                limit: 1,
            },
        })
}

proptest! {
    #[test]
    fn waiting_ends_in_a_dial(input in arb_input(), offset in 0i64..86_400 * 365) {
        // Spread `now` over a year (DST days included); shift the attempts and start with it.
        let now = utc("2026-01-01T00:00:00Z") + TimeDelta::seconds(offset);
        let shift = now - noon();
        let mut input = input;
        for attempt in &mut input.attempts { attempt.ended_at += shift; }
        input.schedule.starts_at = input.schedule.starts_at.map(|s| s + shift);
        if let Decision::WaitUntil(at) = decide(&input, now) {
            prop_assert!(at > now);
            prop_assert_eq!(decide(&input, at), Decision::DialNow);
            prop_assert!(matches!(decide(&input, at - TimeDelta::seconds(1)), Decision::WaitUntil(t) if t == at));
        }
    }
}
