//! Parley's scenario engine: the `parley.scenario/v1` document model, its validator and a sans-IO interpreter.
//!
//! A bot is a YAML document of named blocks (say, ask, branch, set, webhook,
//! custom, transfer, goto, end) joined by `next` references, entered through
//! named entry points. [`parse`] turns the text into a [`Scenario`] or returns
//! every problem it found, each with a line and column. The interpreter is a
//! pure function: [`step`] takes the scenario, the dialog's current
//! [`DialogState`] and one [`Event`] (which carries the time) and returns a
//! [`Turn`] — the new state to persist and the [`Action`]s for the host to
//! perform (say something, make an HTTP request, hand over to an operator, …).
//! The engine never does IO, never reads the clock and never blocks: whenever
//! it needs something from the outside world it returns an action and waits for
//! the event that answers it. Expressions run in a sandboxed rhai engine with
//! operation limits; texts are minijinja templates. A scenario can carry its
//! own conversation tests, which [`run_tests`] executes. The format is
//! documented in `docs/scenarios.md`.

mod answer;
mod blocks;
mod convtest;
mod diagnostic;
mod error;
mod event;
mod expr;
mod interp;
mod load;
mod model;
mod state;
mod template;
mod util;
mod yaml;

pub use serde_json::{Map, Value};

pub use convtest::{ConversationTest, TestOutcome, default_test_time, run_tests};
pub use diagnostic::Diagnostic;
pub use error::StepError;
pub use event::{Action, Button, Event, EventKind, HttpRequest, Turn, Voice};
pub use model::{InputVar, OutputKind, OutputVar, Scenario};
pub use state::{DialogState, Status};

/// Variables of a dialog: JSON values by name.
pub type Variables = Map<String, Value>;

/// Parses and validates a scenario document. Returns every error found (not
/// just the first), sorted by position, each with a 1-based line and column.
pub fn parse(source: &str) -> Result<Scenario, Vec<Diagnostic>> {
    load::parse(source)
}

/// Applies one event to a dialog. Pure: the same inputs give the same outputs.
/// On `Err` the caller keeps the old state.
pub fn step(scenario: &Scenario, state: &DialogState, event: Event) -> Result<Turn, StepError> {
    interp::step(scenario, state, event)
}
