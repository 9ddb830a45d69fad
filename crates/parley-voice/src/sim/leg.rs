//! An answered simulated call: the persona answers the bot's prompts on a virtual timeline
//! (milliseconds since answer) that real time follows at the line's [`TimeScale`].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use parley_domain::Result;
use parley_domain::call::{Speaker, Utterance};
use parley_domain::line::{CallLeg, Heard, LegReport, Transferred};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::TimeScale;
use super::persona::{Action, Persona};

/// How fast the bot speaks, in characters per second.
pub const BOT_SPEECH_RATE: f64 = 14.0;
/// The bot's pause before it answers the callee (end-of-speech detection and the engine's turn).
const BOT_LATENCY_MS: u64 = 400;
/// The pause between two prompts the bot says in a row.
const BOT_PAUSE_MS: u64 = 150;
/// The shortest utterance.
const MIN_UTTERANCE_MS: u64 = 250;
/// One key press and the pause after it.
const DTMF_KEY_MS: u64 = 250;
/// What the transcript says while an operator holds the call.
pub const OPERATOR_PLACEHOLDER: &str = "[operator conversation]";

/// How long `text` takes to say at `rate` characters per second.
pub(crate) fn spoken_ms(text: &str, rate: f64) -> u64 {
    let chars = text.chars().count() as f64;
    // A non-negative finite number of milliseconds; the cast saturates at worst.
    let ms = (chars / rate * 1000.0).round() as u64;
    ms.max(MIN_UTTERANCE_MS)
}

/// An answered call on the simulated line.
#[derive(Debug)]
pub(crate) struct SimLeg {
    persona: Arc<Persona>,
    rng: StdRng,
    scale: TimeScale,
    /// Virtual milliseconds since answer.
    now_ms: u64,
    transcript: Vec<Utterance>,
    /// What the bot said since the callee last had its turn.
    prompt: String,
    /// Whether the callee had its turn since the bot last spoke (the next prompt starts afresh).
    listened: bool,
    operator_ms: u64,
    /// An answering machine: it says its greeting and nothing else.
    machine: bool,
    /// The callee (or the operator's conversation) ended the call.
    ended: bool,
}

impl SimLeg {
    /// A call `persona` just answered, as a person or as an answering machine.
    pub(crate) fn answered(
        persona: Arc<Persona>,
        rng: StdRng,
        scale: TimeScale,
        machine: bool,
    ) -> Self {
        let mut leg = Self {
            persona,
            rng,
            scale,
            now_ms: 0,
            transcript: Vec::with_capacity(16),
            prompt: String::new(),
            listened: false,
            operator_ms: 0,
            machine,
            ended: false,
        };
        let greeting = if machine {
            Some(leg.persona.voicemail.clone())
        } else {
            leg.persona.greeting.clone()
        };
        if let Some(text) = greeting {
            // The greeting plays before anything the line does; its time passes with the next
            // operation (see `catch_up`).
            let duration = spoken_ms(&text, leg.persona.speech_rate);
            leg.transcript.push(Utterance {
                speaker: Speaker::Human,
                text,
                at_ms: 0,
                duration_ms: duration,
            });
        }
        leg
    }

    /// Where the timeline's last utterance ends.
    fn last_end(&self) -> u64 {
        self.transcript
            .last()
            .map_or(0, |u| u.at_ms + u.duration_ms)
    }

    /// Lets virtual time pass until `at_ms`, waiting its scaled share of real time.
    async fn advance_to(&mut self, at_ms: u64) {
        if at_ms > self.now_ms {
            let delta = at_ms - self.now_ms;
            self.now_ms = at_ms;
            self.scale.wait(Duration::from_millis(delta)).await;
        }
    }

    /// Lets a greeting still playing finish.
    async fn catch_up(&mut self) {
        let end = self.last_end();
        self.advance_to(end).await;
    }

    fn push(&mut self, speaker: Speaker, text: String, duration_ms: u64) {
        self.transcript.push(Utterance {
            speaker,
            text,
            at_ms: self.now_ms,
            duration_ms,
        });
    }
}

#[async_trait]
impl CallLeg for SimLeg {
    async fn say(&mut self, text: &str) -> Result<bool> {
        if self.ended {
            return Ok(false);
        }
        self.catch_up().await;
        let bot_spoke_last = self
            .transcript
            .last()
            .is_some_and(|u| u.speaker == Speaker::Bot);
        let pause = if bot_spoke_last {
            BOT_PAUSE_MS
        } else {
            BOT_LATENCY_MS
        };
        self.advance_to(self.now_ms + pause).await;
        if self.listened {
            self.prompt.clear();
            self.listened = false;
        }
        if !self.prompt.is_empty() {
            self.prompt.push(' ');
        }
        self.prompt.push_str(text);
        let duration = spoken_ms(text, BOT_SPEECH_RATE);
        let hangs_up = !self.machine
            && self.persona.hang_up_chance > 0.0
            && self.rng.random_bool(self.persona.hang_up_chance);
        if hangs_up {
            // The callee hangs up part way through the prompt.
            let heard = duration * self.rng.random_range(20..=90) / 100;
            self.push(Speaker::Bot, text.to_owned(), heard.max(1));
            self.advance_to(self.now_ms + heard.max(1)).await;
            self.ended = true;
            return Ok(false);
        }
        self.push(Speaker::Bot, text.to_owned(), duration);
        self.advance_to(self.now_ms + duration).await;
        Ok(true)
    }

    async fn listen(&mut self, no_input: Duration) -> Result<Heard> {
        if self.ended {
            return Ok(Heard::HungUp);
        }
        self.catch_up().await;
        self.listened = true;
        let no_input_ms = u64::try_from(no_input.as_millis()).unwrap_or(u64::MAX);
        let start = self.now_ms;
        if !self.machine {
            let persona = Arc::clone(&self.persona);
            let reply = persona.reply_to(&self.prompt, &mut self.rng);
            let think = reply.think.unwrap_or(persona.think).draw(&mut self.rng);
            // A callee slower than the no-input timeout is silence to the bot.
            if think < no_input_ms {
                match &reply.action {
                    Action::Silence => {}
                    Action::HangUp => {
                        self.advance_to(start + think).await;
                        self.ended = true;
                        return Ok(Heard::HungUp);
                    }
                    Action::Say(texts) => {
                        let text = texts.choose(&mut self.rng).cloned().unwrap_or_default();
                        self.advance_to(start + think).await;
                        let duration = spoken_ms(&text, persona.speech_rate);
                        self.push(Speaker::Human, text.clone(), duration);
                        self.advance_to(self.now_ms + duration).await;
                        return Ok(Heard::Speech(text));
                    }
                    Action::Dtmf(digits) => {
                        self.advance_to(start + think).await;
                        let keys = u64::try_from(digits.len()).unwrap_or(u64::MAX);
                        let duration = DTMF_KEY_MS.saturating_mul(keys);
                        self.push(Speaker::Human, format!("DTMF {digits}"), duration);
                        self.advance_to(self.now_ms + duration).await;
                        return Ok(Heard::Dtmf(digits.clone()));
                    }
                }
            }
        }
        self.advance_to(start.saturating_add(no_input_ms)).await;
        Ok(Heard::Silence)
    }

    async fn transfer(&mut self) -> Result<Transferred> {
        if self.ended {
            return Ok(Transferred::HungUp);
        }
        self.catch_up().await;
        let operator = self.persona.operator;
        let wait = operator.wait.draw(&mut self.rng);
        let gives_up = self.machine
            || (operator.hang_up_chance > 0.0 && self.rng.random_bool(operator.hang_up_chance));
        if gives_up {
            let held = wait * self.rng.random_range(10..=100) / 100;
            self.advance_to(self.now_ms + held).await;
            self.ended = true;
            return Ok(Transferred::HungUp);
        }
        self.advance_to(self.now_ms + wait).await;
        let talk = operator.talk.draw(&mut self.rng).max(MIN_UTTERANCE_MS);
        self.push(Speaker::Operator, OPERATOR_PLACEHOLDER.to_owned(), talk);
        self.advance_to(self.now_ms + talk).await;
        self.operator_ms += talk;
        self.ended = true;
        Ok(Transferred::Talked(Duration::from_millis(talk)))
    }

    async fn hang_up(mut self: Box<Self>) -> Result<LegReport> {
        self.catch_up().await;
        Ok(LegReport {
            talk: Duration::from_millis(self.now_ms),
            operator: Duration::from_millis(self.operator_ms),
            transcript: self.transcript,
        })
    }
}
