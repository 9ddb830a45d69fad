//! Errors from `step`: the event could not be applied and the caller keeps the old state.

use crate::Status;

/// Why an event could not be applied. On any of these the host keeps the
/// previous `DialogState`: nothing is lost.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StepError {
    /// `Start` named an entry point the scenario does not have.
    #[error("the scenario has no entry point `{0}`; use one listed under `entry_points`")]
    UnknownEntry(String),
    /// A required input variable was not given at `Start`.
    #[error("the required input variable `{0}` was not given when the dialog started")]
    MissingInput(String),
    /// The event does not fit the dialog's status.
    #[error("`{event}` events cannot be handled while the dialog is {status}")]
    Unexpected { status: Status, event: &'static str },
    /// An expression failed (including when it hit the operation limit).
    #[error("block `{block}`: {message}")]
    Script { block: String, message: String },
    /// A template failed to render.
    #[error("block `{block}`: template failed to render: {message}")]
    Template { block: String, message: String },
    /// Too many block transitions without waiting for an event (e.g. a goto cycle).
    #[error(
        "the scenario passed through {limit} blocks without waiting for the user; look for a cycle of blocks that never asks anything"
    )]
    LoopLimit { limit: usize },
}
