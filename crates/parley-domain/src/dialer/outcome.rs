//! How a call attempt ended (the Twin24 status set plus the responder) and the redial rules.

use crate::error::{Error, Result};

/// How one call attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A person answered (`ANSWERED`, responder `Human`). Final.
    Answered,
    /// An answering machine answered (`ANSWERED`, responder `AnsweringMachine`).
    AnsweringMachine,
    /// Nobody picked up (`NOANSWER`).
    NoAnswer,
    /// The line was busy (`BUSY`).
    Busy,
    /// The network was congested (`CONGESTION`).
    Congestion,
    /// The channel was unavailable (`CHANUNAVAIL`).
    ChanUnavail,
    /// The call failed for another technical reason (`FAILED`).
    Failed,
    /// The call was cancelled before it was answered (`CANCEL`).
    Cancel,
    /// The callee rejected the call (`REJECTED`).
    Rejected,
    /// The subscriber is unavailable (`UNAVAILABLE`).
    Unavailable,
    /// The number is on a block list (`BLACKLIST`). Final.
    Blacklist,
    /// The number does not exist (`INVALID`). Final.
    Invalid,
    /// The contact's lifetime ran out (`EXPIRED`). Final.
    Expired,
}

impl Outcome {
    /// Whether no attempt follows this one, whatever the redial rules say: the callee was
    /// reached, or calling again cannot or must not succeed.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Outcome::Answered | Outcome::Blacklist | Outcome::Invalid | Outcome::Expired
        )
    }

    /// The stable name Parley stores (`answered`, `answering_machine`, `no_answer`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::AnsweringMachine => "answering_machine",
            Outcome::NoAnswer => "no_answer",
            Outcome::Busy => "busy",
            Outcome::Congestion => "congestion",
            Outcome::ChanUnavail => "chan_unavail",
            Outcome::Failed => "failed",
            Outcome::Cancel => "cancel",
            Outcome::Rejected => "rejected",
            Outcome::Unavailable => "unavailable",
            Outcome::Blacklist => "blacklist",
            Outcome::Invalid => "invalid",
            Outcome::Expired => "expired",
        }
    }

    /// Parses a stable name written by [`Outcome::as_str`].
    pub fn parse(text: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == text)
            .ok_or_else(|| Error::invalid(format!("unknown call outcome `{text}`")))
    }

    /// Every outcome.
    pub const ALL: [Outcome; 13] = [
        Outcome::Answered,
        Outcome::AnsweringMachine,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::Congestion,
        Outcome::ChanUnavail,
        Outcome::Failed,
        Outcome::Cancel,
        Outcome::Rejected,
        Outcome::Unavailable,
        Outcome::Blacklist,
        Outcome::Invalid,
        Outcome::Expired,
    ];

    /// Twin24's call status (`ANSWERED` for both kinds of answer; see [`crate::call::Responder`]).
    pub fn twin24_status(self) -> &'static str {
        match self {
            Outcome::Answered | Outcome::AnsweringMachine => "ANSWERED",
            Outcome::NoAnswer => "NOANSWER",
            Outcome::Busy => "BUSY",
            Outcome::Congestion => "CONGESTION",
            Outcome::ChanUnavail => "CHANUNAVAIL",
            Outcome::Failed => "FAILED",
            Outcome::Cancel => "CANCEL",
            Outcome::Rejected => "REJECTED",
            Outcome::Unavailable => "UNAVAILABLE",
            Outcome::Blacklist => "BLACKLIST",
            Outcome::Invalid => "INVALID",
            Outcome::Expired => "EXPIRED",
        }
    }

    /// From a Twin24 call status (`ANSWERED`, `NOANSWER`, …; `ANSWER` too) and whether the
    /// responder was an answering machine. In-flight statuses (`SCHEDULED`, `DIAL`,
    /// `INPROGRESS`) are not outcomes and are refused.
    pub fn from_twin24(status: &str, answering_machine: bool) -> Result<Self> {
        Ok(match status.trim().to_ascii_uppercase().as_str() {
            "ANSWERED" | "ANSWER" if answering_machine => Outcome::AnsweringMachine,
            "ANSWERED" | "ANSWER" => Outcome::Answered,
            "NOANSWER" => Outcome::NoAnswer,
            "BUSY" => Outcome::Busy,
            "CONGESTION" => Outcome::Congestion,
            "CHANUNAVAIL" => Outcome::ChanUnavail,
            "FAILED" => Outcome::Failed,
            "CANCEL" => Outcome::Cancel,
            "REJECTED" => Outcome::Rejected,
            "UNAVAILABLE" => Outcome::Unavailable,
            "BLACKLIST" => Outcome::Blacklist,
            "INVALID" => Outcome::Invalid,
            "EXPIRED" => Outcome::Expired,
            other => {
                return Err(Error::invalid(format!(
                    "`{other}` is not a call outcome (expected ANSWERED, NOANSWER, BUSY, \
                     CONGESTION, CHANUNAVAIL, FAILED, CANCEL, REJECTED, UNAVAILABLE, BLACKLIST, \
                     INVALID or EXPIRED)"
                )));
            }
        })
    }
}

/// Twin24's per-outcome redial option `{redial, time, count}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedialRule {
    /// Whether to call again after this outcome at all.
    pub redial: bool,
    /// Pause after such an attempt, in seconds (replaces the agent's delay).
    pub delay_seconds: u32,
    /// How many attempts may end with this outcome and still be followed by another.
    pub max_redials: u32,
}

/// The optional per-outcome rules, as Twin24's `redialStrategyOptions` has them. Outcomes without
/// a rule use the campaign's delay and attempt limit only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RedialRules {
    /// After `BUSY`.
    pub busy: Option<RedialRule>,
    /// After `NOANSWER`.
    pub no_answer: Option<RedialRule>,
    /// After an answering machine (`answerMash`).
    pub answering_machine: Option<RedialRule>,
    /// After `CONGESTION`.
    pub congestion: Option<RedialRule>,
    /// After a person answered but the call was too short to count (`answerNoList`).
    pub unproductive: Option<Unproductive>,
}

/// Twin24's `answerNoList`: a person answered, but the call ended before it counted as
/// productive (`additionalOptions.fullListTime` seconds of talk), so the contact is called again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unproductive {
    /// A call that talked less than this (milliseconds, from the answer) is unproductive.
    pub shorter_than_ms: u64,
    /// What to do after one.
    pub rule: RedialRule,
}

impl RedialRules {
    /// The rule for `outcome` after `talk_ms` of talk, if one is set. An answered call has one
    /// only when it was unproductive.
    pub fn for_outcome(&self, outcome: Outcome, talk_ms: u64) -> Option<RedialRule> {
        match outcome {
            Outcome::Busy => self.busy,
            Outcome::NoAnswer => self.no_answer,
            Outcome::AnsweringMachine => self.answering_machine,
            Outcome::Congestion => self.congestion,
            Outcome::Answered => self
                .unproductive
                .filter(|u| talk_ms < u.shorter_than_ms)
                .map(|u| u.rule),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twin24_statuses_parse() {
        let cases = [
            ("human answer", "ANSWERED", false, Outcome::Answered),
            (
                "machine answer",
                "ANSWERED",
                true,
                Outcome::AnsweringMachine,
            ),
            ("seed alias", "answer", false, Outcome::Answered),
            ("busy", "BUSY", false, Outcome::Busy),
            ("no answer", " NOANSWER ", false, Outcome::NoAnswer),
            ("blacklist", "BLACKLIST", false, Outcome::Blacklist),
        ];
        for (name, status, machine, expected) in cases {
            assert_eq!(
                Outcome::from_twin24(status, machine).unwrap(),
                expected,
                "{name}"
            );
        }
        let err = Outcome::from_twin24("INPROGRESS", false).unwrap_err();
        assert!(err.message().contains("expected ANSWERED"));
    }

    #[test]
    fn stable_names_round_trip() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()).unwrap(), outcome);
            let machine = outcome == Outcome::AnsweringMachine;
            assert_eq!(
                Outcome::from_twin24(outcome.twin24_status(), machine).unwrap(),
                outcome
            );
        }
    }

    #[test]
    fn only_reached_or_hopeless_outcomes_are_final() {
        assert!(Outcome::Answered.is_final());
        assert!(Outcome::Invalid.is_final());
        assert!(!Outcome::AnsweringMachine.is_final());
        assert!(!Outcome::Busy.is_final());
        assert!(!Outcome::Cancel.is_final());
    }
}
