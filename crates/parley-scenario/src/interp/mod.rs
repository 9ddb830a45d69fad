//! The interpreter: `step` applies one event to a dialog state and walks blocks until the dialog must wait.

mod answer;
mod walk;

use crate::{DialogState, Event, EventKind, Scenario, Status, StepError, Turn, Value, Variables};

pub(crate) use walk::Run;

/// Block transitions allowed in one step before the engine gives up (a goto cycle).
pub(crate) const MAX_HOPS: usize = 1000;

/// See [`crate::step`].
pub(crate) fn step(
    scenario: &Scenario,
    state: &DialogState,
    event: Event,
) -> Result<Turn, StepError> {
    let status = state.status;
    let unexpected = |kind: &EventKind| StepError::Unexpected {
        status,
        event: kind.name(),
    };
    let mut run = Run::new(scenario, state.clone(), event.at);
    match (status, event.kind) {
        (Status::NotStarted, EventKind::Start { entry, variables }) => {
            start(&mut run, entry, variables)?
        }
        (
            Status::AwaitingInput,
            EventKind::Text(text) | EventKind::Dtmf(text) | EventKind::Button(text),
        ) => {
            run.answer(text)?;
        }
        (Status::AwaitingInput, EventKind::NoInput) => run.failed_attempt(true)?,
        (Status::AwaitingInput, EventKind::OperatorReleased) => run.reprompt()?,
        (Status::AwaitingHttp, EventKind::HttpResponse { status, body }) => {
            run.http_response(status, &body)?
        }
        (Status::AwaitingHttp, EventKind::HttpFailed { error }) => run.http_failed(error)?,
        (Status::AwaitingCustom, EventKind::CustomCompleted { data }) => {
            run.custom_completed(data)?
        }
        (Status::WithOperator, EventKind::OperatorReleased) => run.operator_released()?,
        (
            Status::WithOperator,
            EventKind::Text(_) | EventKind::Button(_) | EventKind::Dtmf(_) | EventKind::NoInput,
        ) => {}
        (_, kind) => return Err(unexpected(&kind)),
    }
    Ok(run.finish())
}

/// Starts the dialog: picks the entry, checks and fills the inputs, walks from the entry block.
fn start(run: &mut Run<'_>, entry: Option<String>, given: Variables) -> Result<(), StepError> {
    let scenario = run.scenario;
    let entry = entry.unwrap_or_else(|| scenario.default_entry.clone());
    let block = scenario
        .entries
        .iter()
        .find(|(name, _)| *name == entry)
        .map(|(_, block)| block.clone())
        .ok_or_else(|| StepError::UnknownEntry(entry.clone()))?;
    let mut vars = given;
    for input in &scenario.inputs {
        let present = vars.get(&input.name).is_some_and(|v| !v.is_null());
        if present {
            continue;
        }
        match &input.default {
            Some(default) => {
                vars.insert(input.name.clone(), default.clone());
            }
            None if input.required => return Err(StepError::MissingInput(input.name.clone())),
            None => {}
        }
    }
    run.state.variables = vars;
    run.walk(Some(block))
}

/// A JSON value's type, for messages.
pub(crate) fn type_word(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
