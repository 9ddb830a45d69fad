//! Parley's telephone line: the simulated line whose callees are personas, and call recordings.
//!
//! [`sim::SimLine`] implements the domain's [`Line`](parley_domain::line::Line) port without a
//! telephone network: each call rings, ends busy, unanswered or failed, or is answered by a
//! person or an answering machine, as a [`Persona`](sim::Persona) chosen for the call decides with
//! a seeded random generator. An answered call keeps a virtual timeline, so a campaign can run
//! thousands of calls a second ([`TimeScale`](sim::TimeScale) 0) or at the pace of real calls
//! (scale 1) and report the same realistic durations either way.
//!
//! [`record::SpeechRecorder`] implements the [`Recorder`](parley_domain::line::Recorder) port: it
//! speaks a call's transcript with `espeak-ng` into a WAV file, or renders tones when the program
//! is missing.

pub mod record;
pub mod sim;

pub use record::SpeechRecorder;
pub use sim::{Persona, PersonaError, Personas, SimLine, TimeScale};
