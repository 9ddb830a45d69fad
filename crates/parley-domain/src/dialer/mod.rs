//! The dialer: its pure call policy (phone numbers, the callee's zone, when to dial) and the
//! [`Dialer`] that claims queued dialogs, places their calls and records them.
//!
//! The policy does no IO and reads no clock: [`decide`] gets the instant as an argument. The caller
//! resolves the callee's zone with [`callee_zone`], looks the do-not-call list up and counts the
//! agent's active calls, then acts on the [`Decision`].

mod conversation;
mod dialing;
mod outcome;
mod pace;
mod phone;
mod policy;
mod window;
mod zones;

pub use conversation::DEFAULT_NO_INPUT;
pub use dialing::{CallFinished, Dial, Dialer, DialerConfig, finish_reason};
pub use outcome::{Outcome, RedialRule, RedialRules, Unproductive};
pub use phone::PhoneNumber;
pub use policy::{
    Attempt, Channels, Decision, FinishReason, PolicyInput, RetryPolicy, Schedule, decide,
};
pub use window::{DailyWindow, earliest_allowed};
pub use zones::{callee_zone, zone_for_number};
