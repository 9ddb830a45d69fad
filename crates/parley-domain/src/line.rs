//! The telephone line port: place a call, talk on it, hang up; and render a call's recording.
//!
//! The dialer drives an answered call turn by turn: it [`CallLeg::say`]s the bot's prompts and
//! [`CallLeg::listen`]s for the callee, feeding what it hears to the same scenario engine as chat.
//! A leg keeps its own timeline (milliseconds since answer), so a simulated line can run faster
//! than real time and still report realistic durations; a real line's timeline is the wall clock.

use std::time::Duration;

use async_trait::async_trait;
use parley_scenario::Variables;

use crate::call::{Responder, Utterance};
use crate::dialer::{Outcome, PhoneNumber};
use crate::error::Result;
use crate::ids::{AgentId, CompanyId, Uuid};

/// A call to place.
#[derive(Debug, Clone)]
pub struct DialRequest {
    /// The call's UUID (for logs and the line's own records).
    pub call_uuid: Uuid,
    /// Company placing it.
    pub company_id: CompanyId,
    /// Agent whose scenario will talk.
    pub agent_id: AgentId,
    /// Whom to call.
    pub to: PhoneNumber,
    /// The dialog's input variables (a simulated line may pick its persona from them).
    pub variables: Variables,
    /// Attempt number, 1 for the first.
    pub attempt: u32,
}

/// How a dial attempt went.
#[derive(Debug)]
pub enum Dialed {
    /// Someone (or something) picked up; talk on the leg, then hang it up.
    Answered {
        /// The open call.
        leg: Box<dyn CallLeg>,
        /// A person or an answering machine.
        responder: Responder,
        /// How long it rang before the answer.
        ring: Duration,
    },
    /// Nobody picked up, the line was busy, the network failed, ...
    NotConnected {
        /// How it ended (never `Answered` or `AnsweringMachine`).
        outcome: Outcome,
        /// How long dialing took until it gave up.
        ring: Duration,
    },
}

/// What the callee did while the bot listened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Recognised speech.
    Speech(String),
    /// Keypad digits.
    Dtmf(String),
    /// Nothing before the no-input timeout.
    Silence,
    /// The callee hung up.
    HungUp,
}

/// How an operator transfer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transferred {
    /// An operator talked to the callee for this long, then the call ended.
    Talked(Duration),
    /// The callee hung up before an operator answered.
    HungUp,
}

/// An answered call.
#[async_trait]
pub trait CallLeg: Send + std::fmt::Debug {
    /// Plays the bot's prompt; `Err` only for line failures. Returns `false` when the callee hung
    /// up during the prompt.
    async fn say(&mut self, text: &str) -> Result<bool>;
    /// Waits for the callee for at most `no_input`.
    async fn listen(&mut self, no_input: Duration) -> Result<Heard>;
    /// Hands the call to an operator and waits until that conversation ends.
    async fn transfer(&mut self) -> Result<Transferred>;
    /// Hangs up (a no-op when the callee already did) and reports the call's timeline.
    async fn hang_up(self: Box<Self>) -> Result<LegReport>;
}

/// The timeline of an answered call, as the line saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegReport {
    /// Answer to hang-up.
    pub talk: Duration,
    /// Of which an operator held the call.
    pub operator: Duration,
    /// Who said what, when (from answer).
    pub transcript: Vec<Utterance>,
}

/// The telephone line: places calls.
#[async_trait]
pub trait Line: Send + Sync + 'static {
    /// Dials; `Err` only when the line itself is broken (then the attempt counts as `FAILED`).
    async fn dial(&self, request: DialRequest) -> Result<Dialed>;
}

/// A rendered recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// File name, e.g. `<call_uuid>.wav`.
    pub file_name: String,
    /// MIME type, e.g. `audio/wav`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Turns a call's transcript into audio, for lines that do not capture audio themselves
/// (the simulated line); a real line stores what it captured instead.
#[async_trait]
pub trait Recorder: Send + Sync + 'static {
    /// Renders both sides of `transcript` into one recording of `talk` length.
    async fn render(
        &self,
        call_uuid: Uuid,
        transcript: &[Utterance],
        talk: Duration,
    ) -> Result<Recording>;
}
