//! The simulated line: calls ring and end the way a persona, drawn for each call with a seeded
//! random generator, decides; answered calls talk on a virtual timeline.
//!
//! Each call's generator is derived from the line's seed and the call's UUID, so a call goes the
//! same way whatever else the line is doing. The persona is the one the dialog variable `persona`
//! names, or one drawn by weight.

mod format;
mod leg;
mod persona;
#[cfg(test)]
mod tests;
mod texts;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use parley_domain::call::Responder;
use parley_domain::dialer::Outcome;
use parley_domain::ids::Uuid;
use parley_domain::line::{DialRequest, Dialed, Line};
use parley_domain::{Error, Result};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub use format::FORMAT;
pub use leg::{BOT_SPEECH_RATE, OPERATOR_PLACEHOLDER};
pub use persona::{DEFAULT_PERSONAS, Persona, PersonaError, Personas};

use leg::SimLeg;

/// The dialog variable that picks a persona by name.
pub const PERSONA_VARIABLE: &str = "persona";

/// How real time follows the simulated calls' virtual time: real = virtual × scale.
///
/// `TimeScale(0.0)` never waits (tests, benchmarks), `TimeScale(1.0)` is real time and
/// `TimeScale(0.1)` runs ten times faster. Negative or non-finite scales count as 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeScale(pub f64);

impl TimeScale {
    /// No waiting at all.
    pub const INSTANT: Self = Self(0.0);
    /// Real time.
    pub const REAL: Self = Self(1.0);

    /// The real time `virtual_time` takes.
    pub fn real(self, virtual_time: Duration) -> Duration {
        if !(self.0.is_finite() && self.0 > 0.0) {
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(virtual_time.as_secs_f64() * self.0).unwrap_or(Duration::MAX)
    }

    /// Waits the real share of `virtual_time` (not at all at scale 0).
    pub(crate) async fn wait(self, virtual_time: Duration) {
        let real = self.real(virtual_time);
        if !real.is_zero() {
            tokio::time::sleep(real).await;
        }
    }
}

/// The simulated telephone line.
#[derive(Debug, Clone)]
pub struct SimLine {
    personas: Arc<Personas>,
    scale: TimeScale,
    seed: u64,
}

impl SimLine {
    /// A line whose callees are `personas`, waiting at `scale`, drawing from `seed`.
    pub fn new(personas: Personas, scale: TimeScale, seed: u64) -> Self {
        Self {
            personas: Arc::new(personas),
            scale,
            seed,
        }
    }

    /// The personas callees are drawn from.
    pub fn personas(&self) -> &Personas {
        &self.personas
    }

    /// The generator for one call: the line's seed and the call's UUID, nothing else.
    fn call_rng(&self, call_uuid: Uuid) -> StdRng {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&self.seed.to_le_bytes());
        seed[8..24].copy_from_slice(call_uuid.as_bytes());
        seed[24..].copy_from_slice(b"parley-v");
        StdRng::from_seed(seed)
    }
}

#[async_trait]
impl Line for SimLine {
    async fn dial(&self, request: DialRequest) -> Result<Dialed> {
        let mut rng = self.call_rng(request.call_uuid);
        let named = request
            .variables
            .get(PERSONA_VARIABLE)
            .and_then(|value| value.as_str())
            .filter(|name| !name.is_empty());
        let persona = match named {
            Some(name) => self.personas.find(name).ok_or_else(|| {
                Error::invalid(format!(
                    "the simulated line has no persona `{name}` (dialog variable `{PERSONA_VARIABLE}`); \
                     known: {}",
                    self.personas.names()
                ))
            })?,
            None => self.personas.draw(&mut rng),
        };
        let persona = Arc::clone(persona);
        let outcome = persona.draw_outcome(&mut rng);
        let ring = Duration::from_millis(persona.ring(outcome).draw(&mut rng));
        tracing::trace!(call = %request.call_uuid, persona = %persona.name, outcome = outcome.as_str(), "simulated call");
        self.scale.wait(ring).await;
        let machine = match outcome {
            Outcome::Answered => false,
            Outcome::AnsweringMachine => true,
            _ => return Ok(Dialed::NotConnected { outcome, ring }),
        };
        let responder = if machine {
            Responder::AnsweringMachine
        } else {
            Responder::Human
        };
        let leg = SimLeg::answered(persona, rng, self.scale, machine);
        Ok(Dialed::Answered {
            leg: Box::new(leg),
            responder,
            ring,
        })
    }
}
