//! Diagnostics: one problem found in a scenario document, with its position and a hint.

use std::fmt;

/// One problem in a scenario document: where it is (1-based line and column),
/// what is wrong, and, where it helps, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line of the offending node.
    pub line: usize,
    /// 1-based column of the offending node.
    pub column: usize,
    /// What is wrong, as a sentence fragment without a trailing period.
    pub message: String,
    /// How to fix it, e.g. `did you mean `greet`?`.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic without a hint.
    pub fn new(line: usize, column: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }

    /// The same diagnostic with a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_hint() {
        let d = Diagnostic::new(12, 5, "unknown block `gret` referenced by `next`")
            .with_hint("did you mean `greet`?");
        assert_eq!(
            d.to_string(),
            "12:5: unknown block `gret` referenced by `next` (hint: did you mean `greet`?)"
        );
        assert_eq!(Diagnostic::new(1, 1, "oops").to_string(), "1:1: oops");
    }
}
