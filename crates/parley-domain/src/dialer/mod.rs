//! The dialer's pure call policy: phone numbers, the callee's zone, and when to dial.
//!
//! Nothing here does IO or reads a clock: [`decide`] gets the instant as an argument. The caller
//! resolves the callee's zone with [`callee_zone`], looks the do-not-call list up and counts the
//! agent's active calls, then acts on the [`Decision`].

mod outcome;
mod phone;
mod policy;
mod window;
mod zones;

pub use outcome::{Outcome, RedialRule, RedialRules};
pub use phone::PhoneNumber;
pub use policy::{
    Attempt, Channels, Decision, FinishReason, PolicyInput, RetryPolicy, Schedule, decide,
};
pub use window::{DailyWindow, earliest_allowed};
pub use zones::{callee_zone, zone_for_number};
