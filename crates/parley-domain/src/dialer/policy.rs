//! `decide`: for one dialog and an instant, dial now, wait until an instant, or finish.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::outcome::{Outcome, RedialRule, RedialRules};
use super::window::{DailyWindow, earliest_allowed};
use crate::agent::{AgentSettings, TimeSlot};

/// When a campaign may call: its dates, its daily window and the agent's weekday slots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    /// No call before this instant.
    pub starts_at: Option<DateTime<Utc>>,
    /// No call at or after this instant. A Twin24 `lifetime` folds in here as
    /// `min(ends_at, created_at + lifetime)`.
    pub ends_at: Option<DateTime<Utc>>,
    /// The campaign's daily window; `None` = any time of day.
    pub daily: Option<DailyWindow>,
    /// The agent's weekday slots; empty = any day and time.
    pub slots: Vec<TimeSlot>,
}

/// One finished call attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: Outcome,
    /// How long it talked after the answer, in milliseconds (0 when not answered).
    pub talk_ms: u64,
}

impl Attempt {
    /// The redial rule that applies after this attempt, if any.
    fn rule(&self, rules: &RedialRules) -> Option<RedialRule> {
        rules.for_outcome(self.outcome, self.talk_ms)
    }
}

/// How often and how soon to call again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (`recall_count + 1`).
    pub max_attempts: u32,
    /// Pause after an attempt, in seconds, unless the outcome's rule sets its own.
    pub delay_seconds: u32,
    /// Optional per-outcome rules; both these and `max_attempts` must allow an attempt.
    pub per_outcome: RedialRules,
}

impl RetryPolicy {
    /// The agent's `recall_count` and `delay_seconds`, with no per-outcome rules.
    pub fn from_agent(settings: &AgentSettings) -> Self {
        Self {
            max_attempts: settings.recall_count.saturating_add(1),
            delay_seconds: settings.delay_seconds,
            per_outcome: RedialRules::default(),
        }
    }
}

/// The agent's concurrent calls against its `total_channel_limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    /// Calls in progress now.
    pub active: u32,
    /// At most this many at once (0 = none may start).
    pub limit: u32,
}

/// Everything [`decide`] looks at for one dialog, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyInput {
    /// When calling is allowed.
    pub schedule: Schedule,
    /// The callee's zone ([`super::callee_zone`]: from the number, else the agent's).
    pub zone: Tz,
    /// The attempts made so far, oldest first.
    pub attempts: Vec<Attempt>,
    /// Attempt limits and delays.
    pub retry: RetryPolicy,
    /// The number is on a do-not-call list (the caller looks it up).
    pub do_not_call: bool,
    /// The agent's channel use now.
    pub channels: Channels,
}

/// What to do with one dialog now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Dial now.
    DialNow,
    /// Nothing may happen before this instant (always later than `now`); ask again then.
    WaitUntil(DateTime<Utc>),
    /// The dialog could be dialed now but every channel of the agent is in use. Not a
    /// `WaitUntil`: the limit is the agent's, so the dispatcher stops taking this agent's dialogs
    /// until one of its calls ends, instead of polling each dialog.
    ChannelsFull,
    /// No further attempt: the dialog is done.
    Finish(FinishReason),
}

/// Why a dialog gets no further attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    /// The number is on a do-not-call list.
    DoNotCall,
    /// The campaign has ended (or its lifetime expired), or its next allowed instant is at or
    /// after its end.
    CampaignOver,
    /// The last attempt ended with a final outcome ([`Outcome::is_final`]).
    FinalOutcome(Outcome),
    /// `max_attempts` attempts have been made.
    AttemptsExhausted,
    /// The last outcome's redial rule says no redial, or its count is used up.
    NoRedial(Outcome),
    /// The daily window and the weekday slots never allow a call.
    NoCallingTime,
}

/// Decides, for one dialog at `now`, whether to dial, wait or finish. Checks in order: the
/// do-not-call flag, the campaign's end, the last outcome, the attempt limits, then the
/// earliest instant that the campaign start, the delay after the last attempt, the daily
/// window and the slots all allow (in `input.zone`), and last the channel limit.
pub fn decide(input: &PolicyInput, now: DateTime<Utc>) -> Decision {
    if input.do_not_call {
        return Decision::Finish(FinishReason::DoNotCall);
    }
    let schedule = &input.schedule;
    if schedule.ends_at.is_some_and(|end| end <= now) {
        return Decision::Finish(FinishReason::CampaignOver);
    }
    let mut earliest = schedule.starts_at.map_or(now, |start| start.max(now));
    if let Some(last) = input.attempts.last() {
        let rules = &input.retry.per_outcome;
        let rule = last.rule(rules);
        // A final outcome ends the contact, unless a rule calls again after it (an answered
        // call that was unproductive).
        if last.outcome.is_final() && rule.is_none() {
            return Decision::Finish(FinishReason::FinalOutcome(last.outcome));
        }
        if let Some(rule) = rule {
            // The attempts that ended the same way under the same rule.
            let same = input
                .attempts
                .iter()
                .filter(|a| a.outcome == last.outcome && a.rule(rules).is_some());
            if !rule.redial
                || same.count() > usize::try_from(rule.max_redials).unwrap_or(usize::MAX)
            {
                return Decision::Finish(FinishReason::NoRedial(last.outcome));
            }
        }
        let delay = rule.map_or(input.retry.delay_seconds, |r| r.delay_seconds);
        earliest = earliest.max(last.ended_at + TimeDelta::seconds(i64::from(delay)));
    }
    if input.attempts.len() >= usize::try_from(input.retry.max_attempts).unwrap_or(usize::MAX) {
        return Decision::Finish(FinishReason::AttemptsExhausted);
    }
    let Some(at) = earliest_allowed(input.zone, schedule.daily, &schedule.slots, earliest) else {
        return Decision::Finish(FinishReason::NoCallingTime);
    };
    if schedule.ends_at.is_some_and(|end| at >= end) {
        return Decision::Finish(FinishReason::CampaignOver);
    }
    if at > now {
        Decision::WaitUntil(at)
    } else if input.channels.active >= input.channels.limit {
        Decision::ChannelsFull
    } else {
        Decision::DialNow
    }
}

#[cfg(test)]
mod tests;
